"""Fixtures for the sync-check tests (helpers are in ``sync_helpers``)."""
from __future__ import annotations

from contextlib import contextmanager

import pytest


@pytest.fixture
def db_session(app, plugin):
    """``with db_session() as session:`` the app's session inside an app context."""
    @contextmanager
    def scope():
        with app.app_context():
            yield plugin.db.session

    return scope


@pytest.fixture
def plugin_backend():
    """The ``assistants`` backend: these tests make the remote assistant object drift and
    check the report and its fixes (``test_sync_responses`` asks for ``responses`` itself)."""
    return "assistants"
