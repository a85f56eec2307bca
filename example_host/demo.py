"""Demo data that shows every capability on first look.

- "Support guide" (file_search on two policies) is used by the experiment "Customer support
  bot", which is released as version 1 ("launch"): the assistant has its version 1 too. Then a
  file is added to its vector store directly in OpenAI, so its sync report shows the drift (a file
  in OpenAI, not here). Ask its Try panel "How long do refunds take?": the answer cites
  returns-policy.md.
- "Sales analyst" (code_interpreter) is used by the pipeline "Weekly sales report": its archive
  check is blocked by that pipeline.
- "Old FAQ bot" is archived.

The assistants are created through the plugin's JSON API (the same calls the admin pages and any
script make), so they exist in OpenAI (or the bundled stand-in) too, files included. Seeding is
idempotent: each object is looked up by name first, so a run that failed half-way can be re-run.
"""
from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field

import openai
from flask import Flask
from sqlalchemy import select

from ocs_assistant_plugin.errors import PluginError
from ocs_assistant_plugin.models import Assistant
from ocs_assistant_plugin.web import csrf as plugin_csrf

from .lifecycle import LifecycleError, release_experiment
from .models import Experiment, Pipeline, PipelineNode, Team, User, db

TEAM_NAME = "Demo team"
USERNAME = "demo"
DEFAULT_PASSWORD = "demo-password"

SUPPORT_ASSISTANT = {
    "name": "Support guide",
    "model": "gpt-4o-mini",
    "description": "Answers customer questions from the returns and shipping policies.",
    "instructions": "You are a friendly support agent for Parrot Outfitters. Answer only from "
                    "the attached policies; when they do not cover a question, say so and offer "
                    "to hand over to a human.",
    "temperature": 0.3,
    "builtin_tools": ["file_search"],
}
SUPPORT_FILES = [
    ("returns-policy.md", b"# Returns policy\n\nItems can be returned within 30 days of "
                          b"delivery, unworn and with their tags. Refunds reach the original "
                          b"payment method within 5 business days.\n"),
    ("shipping-faq.md", b"# Shipping FAQ\n\nStandard shipping takes 3-5 business days and is "
                        b"free over 50 EUR. Express shipping (1-2 days) costs 9 EUR.\n"),
]
ANALYST_ASSISTANT = {
    "name": "Sales analyst",
    "model": "gpt-4o",
    "description": "Summarises the monthly sales figures for the weekly report.",
    "instructions": "You analyse the attached sales data with code and answer with a short "
                    "summary and one table.",
    "builtin_tools": ["code_interpreter"],
}
ANALYST_FILES = [
    ("monthly-sales.csv", b"month,region,units,revenue\n2025-01,north,120,5400\n"
                          b"2025-01,south,95,4275\n2025-02,north,140,6300\n"
                          b"2025-02,south,110,4950\n"),
]
EXPERIMENT = {
    "name": "Customer support bot",
    "description": "Answers shoppers' questions about returns and shipping.",
    "welcome_message": "Hi! I can help with returns, refunds and shipping. What do you need?",
}
ARCHIVED_ASSISTANT = {
    "name": "Old FAQ bot",
    "model": "gpt-4o-mini",
    "description": "Replaced by the Support guide; kept archived for the record.",
    "instructions": "Answer frequently asked questions.",
}
#: Added to the Support guide's vector store in OpenAI, behind the plugin's back: the drift.
DRIFT_FILE = ("holiday-hours.md", b"# Holiday hours\n\nThe shop closes at 14:00 on 24 and 31 "
                                  b"December.\n")
RELEASE_LABEL = "launch"
TRY_HINT = "How long do refunds take?"
PIPELINE = {
    "name": "Weekly sales report",
    "description": "Turns the sales export into the weekly summary.",
}


class DemoError(Exception):
    """Seeding could not finish (most often: OpenAI is not configured or not reachable)."""


@dataclass
class DemoResult:
    created: bool
    team_name: str = TEAM_NAME
    username: str = USERNAME
    password: str = ""
    assistant_ids: list[int] = field(default_factory=list)


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD


def demo_login_works() -> bool:
    """True when the demo user exists and still has the demo password."""
    user = db.session.execute(select(User).filter_by(username=USERNAME)).scalar()
    return user is not None and user.check_password(demo_password())


def is_empty() -> bool:
    """True when the host has no team yet (a fresh database)."""
    return db.session.execute(select(Team.id).limit(1)).first() is None


class _PluginAPI:
    """The plugin's JSON API, called in-process as the demo user."""

    def __init__(self, app: Flask, user_id: int):
        self.client = app.test_client()
        self.prefix = app.config["OCS_ASSISTANTS_URL_PREFIX"] + "/api"
        with self.client.session_transaction() as session:
            session["user_id"] = user_id
        # Multipart uploads need the plugin's CSRF token, sent the way its page scripts do: the
        # token of this session, as the plugin's "new assistant" page carries it.
        page = self.client.get(app.config["OCS_ASSISTANTS_URL_PREFIX"] + "/new")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
        self.headers = {plugin_csrf.HEADERS[0]: token.group(1)} if token else {}

    def _check(self, response, expected: int, what: str) -> dict:
        if response.status_code != expected:
            body = response.get_json(silent=True) or {}
            message = body.get("error", {}).get("message") or response.get_data(as_text=True)[:300]
            raise DemoError(f"Could not {what}: HTTP {response.status_code}: {message}")
        return response.get_json() if response.data else {}

    def assistants(self, **query) -> list[dict]:
        items, url = [], f"{self.prefix}/assistants"
        if query:
            url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        while url:  # ``next`` is the URL of the next page, or null
            body = self._check(self.client.get(url), 200, "list the assistants")
            items.extend(body["items"])
            url = body.get("next")
        return items

    def archive(self, assistant_id: int) -> dict:
        return self._check(self.client.post(f"{self.prefix}/assistants/{assistant_id}/archive",
                                            json={}), 200, f"archive assistant {assistant_id}")

    def create_assistant(self, data: dict) -> dict:
        return self._check(self.client.post(f"{self.prefix}/assistants", json=data), 201,
                           f"create the assistant “{data['name']}”")

    def upload(self, assistant_id: int, tool: str, filename: str, content: bytes) -> dict:
        response = self.client.post(
            f"{self.prefix}/assistants/{assistant_id}/files", headers=self.headers,
            data={"tool": tool, "file": (io.BytesIO(content), filename)},
            content_type="multipart/form-data")
        return self._check(response, 201, f"upload {filename}")


def _ensure_assistant(api: _PluginAPI, existing: dict[str, dict], spec: dict, tool: str,
                      files: list[tuple[str, bytes]]) -> int:
    assistant = existing.get(spec["name"]) or api.create_assistant(spec)
    have = {f["filename"] for f in assistant.get("files", []) if f["tool"] == tool}
    for filename, content in files:
        if filename not in have:
            api.upload(assistant["id"], tool, filename, content)
    return assistant["id"]


def seed_demo(app: Flask) -> DemoResult:
    """Create whatever part of the demo data is missing; ``created`` is False if none was."""
    if not app.config.get("OCS_ASSISTANTS_OPENAI_API_KEY"):
        raise DemoError(
            "no OpenAI is configured, so the demo assistants cannot be created. Set "
            "OPENAI_API_KEY (and OPENAI_BASE_URL for a compatible server, such as the stand-in "
            "run with `python -m ocs_assistant_plugin.testing --port 8765`: "
            "OPENAI_BASE_URL=http://127.0.0.1:8765/v1 OPENAI_API_KEY=sk-standin), or run "
            "`python -m example_host`, which starts the bundled stand-in itself.")
    with app.app_context():
        team = db.session.execute(select(Team).filter_by(name=TEAM_NAME)).scalar()
        if team is not None and db.session.execute(
                select(Experiment.id).filter_by(team_id=team.id, name=EXPERIMENT["name"])).first():
            return DemoResult(created=False, password="(unchanged)")
        if team is None:
            team = Team(name=TEAM_NAME)
            db.session.add(team)
        user = db.session.execute(select(User).filter_by(username=USERNAME)).scalar()
        password = demo_password()
        if user is None:
            user = User(username=USERNAME, team=team)
            db.session.add(user)
        user.set_password(password)
        db.session.commit()
        team_id, user_id = team.id, user.id

    api = _PluginAPI(app, user_id)
    existing = {a["name"]: a for a in api.assistants()}
    support_id = _ensure_assistant(api, existing, SUPPORT_ASSISTANT, "file_search", SUPPORT_FILES)
    analyst_id = _ensure_assistant(api, existing, ANALYST_ASSISTANT, "code_interpreter",
                                   ANALYST_FILES)

    archived_id = _ensure_archived(api, existing, ARCHIVED_ASSISTANT)

    with app.app_context():
        pipeline = db.session.execute(
            select(Pipeline).filter_by(team_id=team_id, name=PIPELINE["name"],
                                       working_id=None)).scalar()
        if pipeline is None:
            db.session.add(Pipeline(team_id=team_id, **PIPELINE,
                                    nodes=[PipelineNode(position=1, assistant_id=analyst_id)]))
        experiment = Experiment(team_id=team_id, assistant_id=support_id, **EXPERIMENT)
        db.session.add(experiment)
        db.session.commit()
        try:
            release_experiment(experiment, RELEASE_LABEL)
        except (LifecycleError, PluginError) as error:
            raise DemoError(f"Could not release the experiment: {error.message}") from error
        _drift(app, team_id, support_id)
    return DemoResult(created=True, password=password,
                      assistant_ids=[support_id, analyst_id, archived_id])


def _ensure_archived(api: _PluginAPI, existing: dict[str, dict], spec: dict) -> int | None:
    """The archived assistant, unless an earlier run archived it already."""
    if any(a["name"] == spec["name"] for a in api.assistants(archived="true")):
        return None
    assistant = existing.get(spec["name"]) or api.create_assistant(spec)
    api.archive(assistant["id"])
    return assistant["id"]


def _drift(app: Flask, team_id: int, assistant_id: int) -> None:
    """Change the assistant in OpenAI behind the plugin's back: one more file in its store."""
    plugin = app.extensions["ocs_assistants"]
    store_id = db.session.get(Assistant, assistant_id).vector_store_id
    client = plugin.openai_client(team_id)
    try:
        filename, content = DRIFT_FILE
        file = client.files.create(file=(filename, content), purpose="assistants")
        client.vector_stores.files.create(vector_store_id=store_id, file_id=file.id)
    except openai.OpenAIError as error:
        raise DemoError(f"Could not add {DRIFT_FILE[0]} in OpenAI: {error}") from error
