"""A small host for the package's tests: Flask, its own SQLAlchemy ``db``, ocs-assistant-plugin.

The package is never registered by hand: the plugin finds it through its entry point, as in any
host that installed it. Assistants are made through the plugin's JSON API, so they exist in the
OpenAI stand-in too (``openai_client`` comes from the plugin's pytest fixtures).
"""
from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Flask, has_request_context, request
from flask_sqlalchemy import SQLAlchemy

from ocs_assistant_plugin import AssistantPlugin, hookimpl
from ocs_scheduled_messages import ScheduledMessages

TEAM_HEADER = "X-Team-Id"


class HostHooks:
    """The host's own hooks: the team from a header, one OpenAI client for every team."""

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


@pytest.fixture
def make_app(tmp_path, openai_client):
    """``make_app(scheduled_messages=True, **config)``: a new host app, its tables created."""
    apps = []

    def make(*, scheduled_messages: bool = True, **config) -> Flask:
        app = Flask("scheduled_messages_test_host")
        app.config.update(
            TESTING=True,
            SECRET_KEY="test-secret",
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / f'host{len(apps)}.sqlite'}",
            OCS_ASSISTANTS_ALLOW_ALL=True,
            OCS_ASSISTANTS_CSRF_ENABLED=False,
            OCS_ASSISTANTS_TASK_BACKEND="eager",
            **config,
        )
        db = SQLAlchemy()
        db.init_app(app)
        AssistantPlugin().init_app(app, db)
        if scheduled_messages:
            ScheduledMessages().init_app(app)
        app.extensions["ocs_assistants"].register(HostHooks(openai_client), name="test_host")
        with app.app_context():
            db.create_all()
        apps.append(app)
        return app

    yield make
    for app in apps:
        db = app.extensions["sqlalchemy"]
        with app.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def db(app):
    return app.extensions["sqlalchemy"]


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield


@pytest.fixture
def plugin(app):
    return app.extensions["ocs_assistants"]


class Api:
    """The plugin's JSON API as one team."""

    def __init__(self, app: Flask, team: int = 1):
        self.client = app.test_client()
        self.prefix = app.config["OCS_ASSISTANTS_URL_PREFIX"] + "/api"
        self.team = team

    def open(self, method: str, path: str, team: int | None = None, **kwargs):
        headers = {TEAM_HEADER: str(team or self.team)}
        return self.client.open(self.prefix + path, method=method, headers=headers, **kwargs)

    def create_assistant(self, name: str = "Helper", team: int | None = None) -> int:
        response = self.open("POST", "/assistants", team=team,
                             json={"name": name, "model": "gpt-4o"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]


@pytest.fixture
def api(app):
    """The plugin's JSON API of the default app, as team 1."""
    return Api(app)


@pytest.fixture
def make_api():
    """``make_api(app)``: the JSON API of another app made with ``make_app``."""
    return Api


@pytest.fixture
def count_queries():
    """``with count_queries(db) as queries:`` lists every SQL statement ``db`` runs in the block
    (inside an app context)."""

    @contextmanager
    def counting(db):
        statements: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)

    return counting
