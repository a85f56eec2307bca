"""Fixtures for the remote-operations outbox: the test host with the eager backend, and
assistants to archive (with no reference provider registered, nothing blocks)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ocs_assistant_plugin.models import RemoteOperation
from outbox_helpers import CLIENT_TIMEOUT, CONFIG, FAULT_TIMEOUT
from plugin_host import ApiClient


@pytest.fixture
def app_config():
    return CONFIG


@pytest.fixture
def make_bot(api):
    """``make_bot(name)``: a working assistant with its own store and one file of its own."""
    def make(name="Bot") -> dict:
        made = api.create(name=name, builtin_tools=["file_search"])
        assert api.upload(made["id"], "file_search", f"{name}.txt", name.encode()).status_code == 201
        return api.get(f"/assistants/{made['id']}").get_json()
    return make


@pytest.fixture
def ops(app, plugin):
    """``ops()``: every remote operation as a dict, in id order (read in a fresh session)."""
    def read(**filters) -> list[dict]:
        with app.app_context():
            query = sa.select(RemoteOperation).order_by(RemoteOperation.id)
            for name, value in filters.items():
                query = query.where(getattr(RemoteOperation, name) == value)
            return [{"id": o.id, "kind": o.kind, "target": o.target, "status": o.status,
                     "attempts": o.attempts, "last_error": o.last_error,
                     "next_attempt_at": o.next_attempt_at, "team_id": o.team_id}
                    for o in plugin.db.session.execute(query).scalars()]
    return read


@pytest.fixture
def run(app, plugin):
    """``run(now=None, **kwargs)``: ``operations.run_pending`` as a worker runs it."""
    from ocs_assistant_plugin.outbox import queue as operations

    def go(now=None, **kwargs):
        with app.app_context():
            return [(o.id, o.status) for o in operations.run_pending(plugin.deps, now=now, **kwargs)]
    return go


@pytest.fixture
def plugin_backend():
    """The ``assistants`` backend: these tests check the outbox deleting remote assistant
    objects, the one kind of remote object only that backend has."""
    return "assistants"


@pytest.fixture
def faulty_app(make_app, make_openai_client):
    """``faulty_app(max_retries, fault_kind="reset")`` -> ``(app, api)``: a host on the
    ``assistants`` backend whose SDK client has that many retries (and a short timeout for a
    ``timeout`` fault), the outbox run in-process (the fault matrices)."""
    def make(max_retries, kind="reset", **config):
        timeout = FAULT_TIMEOUT if kind == "timeout" else CLIENT_TIMEOUT
        client = make_openai_client(max_retries=max_retries, timeout=timeout)
        app = make_app(client=client, **{"OCS_ASSISTANTS_BACKEND": "assistants",
                                         "OCS_ASSISTANTS_TASK_BACKEND": "eager", **config})
        return app, ApiClient(app)

    return make
