"""Fixtures for the sync-check tests (helpers are in ``sync_helpers``)."""
from __future__ import annotations

from contextlib import contextmanager

import pytest

from plugin_host import on_assistants_backend


@pytest.fixture
def release(app, plugin):
    """``release(working_id)`` -> the new version's id, through the plugin's ``ocs_release``
    hook (the versions service when the hook is not registered on this build)."""
    def make(working_id: int, team_id: int = 1, label: str = "v1") -> int:
        with app.app_context():
            mapping = plugin.hook.ocs_release(assistant_ids=[working_id], team_id=team_id,
                                              release_label=label)
            if mapping is None:
                from ocs_assistant_plugin.lifecycle.versions import release as release_versions

                mapping = release_versions([working_id], team_id, label, plugin=plugin)
        return mapping[working_id]

    return make


@pytest.fixture
def db_session(app, plugin):
    """``with db_session() as session:`` the app's session inside an app context."""
    @contextmanager
    def scope():
        with app.app_context():
            yield plugin.db.session

    return scope


@pytest.fixture
def make_app(make_app):
    """Hosts on the ``assistants`` backend: these tests make the remote assistant object drift and
    check the report and its fixes (``test_sync_responses`` asks for ``responses`` itself)."""
    return on_assistants_backend(make_app)
