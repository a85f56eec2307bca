"""Shared fixtures: every app-based test runs on SQLite and on a real PostgreSQL server.

The PostgreSQL server is started once per test session on loopback, in a temporary data
directory, and its schema is emptied before each test that uses it.
"""
from __future__ import annotations

import pytest

from postgres_server import PostgresServer


@pytest.fixture(scope="session")
def postgres_server():
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request, tmp_path):
    """A SQLAlchemy URL for an empty database; parametrized so each test runs on both."""
    if request.param == "sqlite":
        # A file, not ``sqlite://``: background threads must see the same database.
        return f"sqlite:///{tmp_path / 'test.sqlite'}"
    server = request.getfixturevalue("postgres_server")
    server.empty_database()
    return server.url
