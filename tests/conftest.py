"""Shared fixtures: every app-based test runs on SQLite and on a real PostgreSQL server.

The PostgreSQL server is started once per test session on loopback, in a temporary data
directory, and its schema is emptied before each test that uses it.
"""
from __future__ import annotations

import pytest

from plugin_host import DATABASES, fire
from postgres_server import PostgresServer


@pytest.fixture(scope="session")
def postgres_server():
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sqlite_url(tmp_path):
    """The URL of an empty SQLite database (a file, not ``sqlite://``: background threads must
    see the same database)."""
    return f"sqlite:///{tmp_path / 'test.sqlite'}"


@pytest.fixture
def postgresql_url(postgres_server):
    """The URL of the session's PostgreSQL database, emptied for this test."""
    postgres_server.empty_database()
    return postgres_server.url


@pytest.fixture(params=DATABASES)
def database_url(request):
    """A SQLAlchemy URL for an empty database; parametrized so each test runs on both.

    A test that applies to one database only asks for that one, so nothing is skipped:
    ``@pytest.mark.parametrize("database_url", [POSTGRESQL_ONLY], indirect=True)`` (the
    parameters are in ``plugin_host``)."""
    return request.getfixturevalue(f"{request.param}_url")


# -- the test host: a Flask app with the plugin, on both databases, talking to the stand-in ------

@pytest.fixture
def plugin_backend() -> str | None:
    """``OCS_ASSISTANTS_BACKEND`` of the hosts :func:`make_app` makes unless a test asks for
    another; ``None``: the plugin's default (``responses``). A folder whose tests are about the
    remote assistant object overrides this fixture with ``"assistants"``."""
    return None


@pytest.fixture
def make_app(database_url, openai_client, plugin_backend):
    """``make_app(**config)``: a new host app (see ``plugin_host``); cleaned up after the test."""
    from plugin_host import create_host_app, dispose

    apps = []
    defaults = {"OCS_ASSISTANTS_BACKEND": plugin_backend} if plugin_backend else {}

    def make(client=openai_client, **config):
        app = create_host_app(database_url, client, **{**defaults, **config})
        apps.append(app)
        return app

    yield make
    for app in apps:
        dispose(app)


@pytest.fixture
def app_config() -> dict:
    """The ``OCS_ASSISTANTS_*`` settings of :func:`app` beyond the test host's defaults; a
    folder whose tests need others overrides this fixture, never ``app`` itself."""
    return {}


@pytest.fixture
def host_client(openai_client):
    """The ``openai.OpenAI`` the test host's ``ocs_openai_client`` hook hands the plugin."""
    return openai_client


@pytest.fixture
def app(make_app, app_config, host_client):
    """The host app of the test: ALLOW_ALL on, CSRF off, team from the X-Team-Id header, plus
    ``app_config``, handing out ``host_client``."""
    return make_app(client=host_client, **app_config)


@pytest.fixture
def api(app):
    """The JSON API as team 1 (``api.get(path, team=2)`` for another team)."""
    from plugin_host import ApiClient

    return ApiClient(app)


@pytest.fixture
def plugin(app):
    """The app's plugin state: ``app.extensions["ocs_assistants"]``."""
    return app.extensions["ocs_assistants"]


@pytest.fixture(scope="session")
def redis_server():
    """A Redis server on loopback for the whole run (Celery's broker); nothing kept on disk."""
    from redis_server import RedisServer

    server = RedisServer().start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def redis_url(redis_server):
    """The session's Redis, emptied for this test (no message left by another test)."""
    redis_server.flush()
    return redis_server.url


@pytest.fixture
def release(app, plugin):
    """``release(ids, team_id=1, label="r1")``: fire ``ocs_release`` as a host does (the host
    commits); returns ``{working_id: version_id}``."""
    def release_ids(ids, team_id: int = 1, label: str | None = "r1") -> dict:
        return fire(app, "ocs_release", assistant_ids=list(ids), team_id=team_id,
                    release_label=label)
    return release_ids


@pytest.fixture
def release_version(release):
    """``release_version(working_id, label="r1", team_id=1)``: release one working assistant
    through ``ocs_release``; returns the version's id."""
    def make(working_id: int, label: str = "r1", team_id: int = 1) -> int:
        return release([working_id], team_id, label)[working_id]
    return make
