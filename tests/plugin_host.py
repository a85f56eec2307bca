"""A minimal host for tests: a Flask app with its own SQLAlchemy ``db`` and the plugin.

The host's hooks take the team from the ``X-Team-Id`` request header and hand the plugin an
``openai.OpenAI`` client (by default one on the stand-in). Tests talk to the app only through its
public surface: the JSON API (:class:`ApiClient`), the hooks and the CLI.
"""
from __future__ import annotations

import contextlib
import copy
import io

import pytest
import sqlalchemy as sa
from flask import Flask, has_request_context, request
from flask_sqlalchemy import SQLAlchemy

from ocs_assistant_plugin import AssistantPlugin, hookimpl

TEAM_HEADER = "X-Team-Id"

#: ``database_url`` parameters (the ``conftest`` fixtures ``sqlite_url`` and ``postgresql_url``):
#: a test that applies to one database only asks for it with
#: ``@pytest.mark.parametrize("database_url", [POSTGRESQL_ONLY], indirect=True)``.
SQLITE_ONLY = "sqlite"
POSTGRESQL_ONLY = pytest.param("postgresql", marks=pytest.mark.postgresql)
#: Every database, as ``database_url`` runs each test.
DATABASES = [SQLITE_ONLY, POSTGRESQL_ONLY]

#: Config of a host on the ``assistants`` backend (the plugin's default is ``responses``): for
#: tests about the remote assistant object (its fields, its drift, its clones and deletions).
ASSISTANTS_BACKEND = {"OCS_ASSISTANTS_BACKEND": "assistants"}


@contextlib.contextmanager
def on_every_statement(app: Flask, observe):
    """While inside: ``observe(statement, context)`` before each SQL statement the app's engine
    runs (SQLAlchemy's cursor event: it sees the statements and replaces nothing); an exception
    it raises is what the database would have raised."""
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine

    def listener(_connection, _cursor, statement, _parameters, context, _executemany):
        observe(statement, context)

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


def fire(app: Flask, hook: str, **kwargs):
    """Fire an event hook as a host does: in the host's transaction, which the host then commits
    (or rolls back when the hook raises). Returns the hook's answer."""
    plugin = app.extensions["ocs_assistants"]
    with app.app_context():
        try:
            answer = getattr(plugin.hook, hook)(**kwargs)
            plugin.db.session.commit()
        except Exception:
            plugin.db.session.rollback()
            raise
    return answer


class HostHooks:
    """The host's plugin: current team from a header, one OpenAI client for every team."""

    def __init__(self, client):
        self.client = client

    @hookimpl
    def ocs_current_team_id(self):
        if not has_request_context():
            return None
        value = request.headers.get(TEAM_HEADER)
        return int(value) if value else None

    @hookimpl
    def ocs_openai_client(self, team_id):
        return self.client


def create_host_app(database_url: str, client=None, *, register_hooks: bool = True,
                    create_tables: bool = True, before_plugin=None, **config) -> Flask:
    """A host app on ``database_url`` with the plugin set up and its tables created
    (``create_tables=False``: left to the test, e.g. through the plugin's migrations).
    ``before_plugin(app)`` runs before ``init_app`` (e.g. the host's ``celery_init_app``)."""
    app = Flask("test_host")
    app.config.update(
        TESTING=True,
        SECRET_KEY="test-secret",
        SQLALCHEMY_DATABASE_URI=database_url,
        OCS_ASSISTANTS_ALLOW_ALL=True,
        OCS_ASSISTANTS_CSRF_ENABLED=False,
    )
    app.config.update(config)
    db = SQLAlchemy()
    db.init_app(app)
    if before_plugin is not None:
        before_plugin(app)
    AssistantPlugin(app, db)
    if register_hooks:
        app.extensions["ocs_assistants"].register(HostHooks(client), name="test_host")
    if create_tables:
        with app.app_context():
            db.create_all()
    return app


def dispose(app: Flask) -> None:
    """Stop the app's outbox worker, if one started, and close its database connections (the
    stand-in and clients are the fixtures' job)."""
    from ocs_assistant_plugin.outbox.thread_worker import stop_worker

    stop_worker(app.extensions["ocs_assistants"].deps)
    db = app.extensions["sqlalchemy"]
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


class ApiClient:
    """The plugin's JSON API through Flask's test client, as team ``team`` by default."""

    def __init__(self, app: Flask, team: int | None = 1):
        self.app = app
        self.team = team
        self.prefix = app.config["OCS_ASSISTANTS_URL_PREFIX"] + "/api"
        self.client = app.test_client()

    def _headers(self, team, headers):
        headers = dict(headers or {})
        team = self.team if team == "default" else team
        if team is not None:
            headers[TEAM_HEADER] = str(team)
        return headers

    def url(self, path: str) -> str:
        return path if path.startswith(self.prefix) else self.prefix + path

    def open(self, method: str, path: str, *, team="default", headers=None, **kwargs):
        return self.client.open(self.url(path), method=method,
                                headers=self._headers(team, headers), **kwargs)

    def get(self, path, **kwargs):
        return self.open("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.open("POST", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.open("PATCH", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.open("DELETE", path, **kwargs)

    # -- shortcuts for the common calls -----------------------------------------------------

    def create(self, expect: int = 201, **fields):
        body = {"name": "Helper", "model": "gpt-4o", **fields}
        response = self.post("/assistants", json=body)
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    def upload(self, assistant_id: int, tool: str, filename: str = "notes.txt",
               content: bytes = b"some notes", **kwargs):
        data = {"tool": tool, "file": (io.BytesIO(content), filename)}
        return self.post(f"/assistants/{assistant_id}/files", data=data,
                         content_type="multipart/form-data", **kwargs)

    def assistants(self, **query) -> list[dict]:
        """Every item of the listing (all pages)."""
        items, url = [], "/assistants"
        response = self.get(url, query_string=query)
        while True:
            assert response.status_code == 200, response.get_json()
            body = response.get_json()
            items += body["items"]
            if not body["next"]:
                return items
            response = self.get(body["next"])


def remote_assistant(openai_client, openai_id: str) -> dict:
    """The assistant as the stand-in holds it, read with the real SDK (through the client's
    generic ``get``: the typed ``client.beta.assistants`` methods warn that they are deprecated)."""
    return openai_client.get(f"/assistants/{openai_id}", cast_to=object,
                             options={"headers": {"OpenAI-Beta": "assistants=v2"}})


def remote_assistant_ids(openai_client) -> set[str]:
    """The ids of every assistant in the stand-in."""
    page = openai_client.get("/assistants", cast_to=object, options={
        "headers": {"OpenAI-Beta": "assistants=v2"}, "params": {"limit": 100}})
    assert not page["has_more"]
    return {a["id"] for a in page["data"]}


def store_file_ids(openai_client, vector_store_id: str) -> set[str]:
    """The ids of the files in a vector store of the stand-in (all pages)."""
    return {f.id for f in openai_client.vector_stores.files.list(vector_store_id, limit=100)}


def remote_file_ids(openai_client) -> set[str]:
    return {f.id for f in openai_client.files.list()}


def remote_store_ids(openai_client) -> set[str]:
    return {s.id for s in openai_client.vector_stores.list(limit=100)}


def snapshot(api: ApiClient, openai_client) -> dict:
    """Everything a request could change: the team's assistants here, and every assistant,
    file and vector store (with its files) in the stand-in. Equal snapshots: nothing changed."""
    page = openai_client.get("/assistants", cast_to=object, options={
        "headers": {"OpenAI-Beta": "assistants=v2"}, "params": {"limit": 100}})
    return {
        "local": api.assistants(versions="true") + api.assistants(versions="true", archived="true"),
        "assistants": page["data"],
        "files": sorted(remote_file_ids(openai_client)),
        "stores": {vs: sorted(store_file_ids(openai_client, vs))
                   for vs in remote_store_ids(openai_client)},
    }


def add_assistant_row(app, **fields) -> int:
    """Insert an assistant row for team 1 directly (a version or an archived one, which the API
    cannot make in one call); returns its id."""
    from ocs_assistant_plugin.models import Assistant

    db = app.extensions["sqlalchemy"]
    with app.app_context():
        row = Assistant(team_id=1, model="gpt-4o", **fields)
        db.session.add(row)
        db.session.commit()
        return row.id


def as_json_schema(document, name: str) -> dict:
    """A component schema of the OpenAPI document as plain JSON Schema (OpenAPI 3.0's
    ``nullable`` spelled out), to validate answers with ``jsonschema``."""
    def convert(node):
        if isinstance(node, list):
            return [convert(n) for n in node]
        if not isinstance(node, dict):
            return node
        node = {k: convert(v) for k, v in node.items() if k not in ("readOnly", "writeOnly")}
        if node.pop("nullable", False):
            node = {"anyOf": [node, {"type": "null"}]}
        return node

    schema = convert(copy.deepcopy(document["components"]["schemas"][name]))
    schema["components"] = {"schemas": convert(document["components"]["schemas"])}
    return schema
