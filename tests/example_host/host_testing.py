"""Helpers for the example host's tests: users, and a client that behaves like a browser."""
from __future__ import annotations

import html
import re

from werkzeug.datastructures import MultiDict

from example_host.models import Team, User, db

PASSWORD = "correct horse"


def make_user(example_app, username: str, team_name: str) -> int:
    with example_app.app_context():
        team = db.session.execute(db.select(Team).filter_by(name=team_name)).scalar()
        if team is None:
            team = Team(name=team_name)
        user = User(username=username, team=team)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        return user.id


class HostClient:
    """A browser-like client: signs in through the login form and posts forms with the token."""

    def __init__(self, example_app, username: str, password: str = PASSWORD):
        self.app = example_app
        self.client = example_app.test_client()
        self.prefix = example_app.config["OCS_ASSISTANTS_URL_PREFIX"] + "/api"
        response = self.client.post("/login", data={"username": username, "password": password,
                                                    "csrf_token": self.csrf()})
        assert response.status_code == 302, response.get_data(as_text=True)

    def csrf(self, path="/login") -> str:
        page = self.client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def get(self, path, **kwargs):
        return self.client.get(path, **kwargs)

    def post_form(self, path, data=None, **kwargs):
        """A form post as the host's pages send it (with the CSRF token)."""
        token = self.csrf("/")  # as a browser would: from the page it posts from
        form = MultiDict(data or {})
        form["csrf_token"] = token
        return self.client.post(path, data=form, **kwargs)

    # -- the plugin's JSON API, as an admin script would use it -----------------------------------

    def create_assistant(self, name: str, **fields) -> dict:
        body = {"name": name, "model": "gpt-4o-mini", **fields}
        response = self.client.post(f"{self.prefix}/assistants", json=body)
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.get_json()

    def api_get(self, path: str) -> dict:
        """``GET <prefix>/api<path>``, asserting 200: e.g. ``api_get("/assistants/3")``."""
        response = self.client.get(self.prefix + path)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def api_patch(self, path: str, body: dict) -> dict:
        response = self.client.patch(self.prefix + path, json=body)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def api_post(self, path: str, body: dict | None = None):
        return self.client.post(self.prefix + path, json=body or {})


def flashes(page: str) -> list[str]:
    """The flash messages of a rendered page, as text."""
    return [re.sub(r"\s+", " ", html.unescape(m)).strip()
            for m in re.findall(r'<div class="flash flash-\w+">(.*?)</div>', page, re.S)]


def remote_assistant_ids(openai_client) -> set[str]:
    """The ids of every assistant in the stand-in, read with the SDK."""
    page = openai_client.get("/assistants", cast_to=object, options={
        "headers": {"OpenAI-Beta": "assistants=v2"}, "params": {"limit": 100}})
    assert not page["has_more"]
    return {a["id"] for a in page["data"]}


def remote_vector_store_ids(openai_client) -> set[str]:
    return {store.id for store in openai_client.vector_stores.list(limit=100)}


def remote_assistant(openai_client, openai_id: str) -> dict:
    """An assistant read back from OpenAI (the stand-in) with the real SDK.

    Through the client's generic ``get`` with the Assistants v2 header: the typed
    ``client.beta.assistants`` methods warn that the API is deprecated."""
    return openai_client.get(f"/assistants/{openai_id}", cast_to=object,
                             options={"headers": {"OpenAI-Beta": "assistants=v2"}})
