"""Shared by the outbox tests."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ocs_assistant_plugin.models import Assistant, AssistantFile, RemoteOperation
from ocs_assistant_plugin.outbox import queue as operations
from plugin_host import remote_assistant_ids, remote_file_ids, remote_store_ids

#: The outbox runs right after each commit (eager) and retries after 1 s, doubling, at most 60 s:
#: tests never sleep for a backoff, they run the outbox at a later ``now``.
CONFIG = {
    "OCS_ASSISTANTS_TASK_BACKEND": "eager",
    "OCS_ASSISTANTS_OPERATIONS_RETRY_DELAY": 1.0,
    "OCS_ASSISTANTS_OPERATIONS_MAX_RETRY_DELAY": 60.0,
}


def deletes(standin, target: str) -> list[int | None]:
    """The statuses the stand-in answered to each DELETE of ``target`` (0: connection dropped)."""
    return [r.status for r in standin.requests
            if r.method == "DELETE" and r.path.endswith("/" + target)]


def targets_of(bot: dict) -> list[str]:
    """What archiving ``bot`` (no versions) deletes in OpenAI."""
    return [bot["openai_id"], bot["vector_store_id"], bot["files"][0]["openai_id"]]


# -- the fault matrices (test_lost_answers, test_lost_answers_fixes) ---------------------------

#: The SDK client's timeout: short where a "timeout" fault must fire (it costs this much per
#: attempt), generous elsewhere so a loaded machine never times out by itself.
FAULT_TIMEOUT = 3.0
CLIENT_TIMEOUT = 30.0


def fault_param(kind: str, after_processing: bool, retries: int):
    return pytest.param(kind, after_processing, retries,
                        id=f"{kind}-{'after' if after_processing else 'before'}-retries{retries}")


#: Every fault: reset or timeout, before or after OpenAI carried the request out, SDK retries
#: off or on.
FAULTS = [fault_param(kind, after, retries)
          for kind in ("reset", "timeout") for after in (False, True) for retries in (0, 2)]


def arm(standin, kind, after_processing, **where):
    """Arm one ``reset`` or ``timeout`` fault (held longer than :data:`FAULT_TIMEOUT`)."""
    return standin.inject_fault(kind=kind, after_processing=after_processing, hold=30, **where)


def finish_outbox(app) -> list[str]:
    """Run the outbox until nothing is pending, at the time each sweep is due (no waiting);
    every operation must end done. Returns the kinds of all operations, in id order."""
    plugin = app.extensions["ocs_assistants"]
    with app.app_context():
        for _ in range(10):
            pending = plugin.db.session.execute(
                sa.select(RemoteOperation).where(RemoteOperation.status == "pending")
            ).scalars().all()
            if not pending:
                break
            operations.run_pending(plugin.deps, now=max(op.next_attempt_at for op in pending))
        ops = plugin.db.session.execute(
            sa.select(RemoteOperation).order_by(RemoteOperation.id)).scalars().all()
        assert all(op.status == "done" for op in ops), [(o.kind, o.status, o.last_error)
                                                         for o in ops]
        return [op.kind for op in ops]


def assert_nothing_orphaned_and_in_sync(app, api, openai_client, *, but=()):
    """Every assistant, store and File in the stand-in is held by a local row, and every local
    assistant (working or version, archived ones aside) is in sync, except those in ``but``
    (left out of sync on purpose)."""
    with app.app_context():
        session = app.extensions["sqlalchemy"].session
        local_assistants = set(session.execute(sa.select(Assistant.openai_id)).scalars())
        local_stores = set(session.execute(sa.select(Assistant.vector_store_id)).scalars())
        local_files = set(session.execute(sa.select(AssistantFile.openai_id)).scalars())
        local_ids = list(session.execute(
            sa.select(Assistant.id).where(Assistant.archived.is_(False))).scalars())
    assert remote_assistant_ids(openai_client) <= local_assistants
    assert remote_store_ids(openai_client) <= local_stores
    assert remote_file_ids(openai_client) <= local_files
    for assistant_id in set(local_ids) - set(but):
        report = api.get(f"/assistants/{assistant_id}/sync").get_json()
        assert report["state"] == "in_sync", report


def seed(api):
    """A working assistant with both file tools and one file_search file."""
    bot = api.create(name="Seed", builtin_tools=["file_search", "code_interpreter"])
    assert api.upload(bot["id"], "file_search", "seed.txt", b"seed words").status_code == 201
    return api.get(f"/assistants/{bot['id']}").get_json()
