"""Lost answers and failed clean-ups leave nothing behind (the fault matrix).

Per operation (create an assistant, create its vector store, upload a file, update an assistant,
and the clean-up DELETEs after a failed create or upload) and per fault (a connection reset or a
timeout, before or after OpenAI carried the request out, with the SDK's retries off or on): once
the outbox has run, every object in the stand-in belongs to a local row, and each local assistant
is in sync with OpenAI."""
from __future__ import annotations

import openai
import pytest
import sqlalchemy as sa

from ocs_assistant_plugin.models import Assistant, AssistantFile, RemoteOperation
from ocs_assistant_plugin.outbox import queue as operations
from plugin_host import SQLITE_ONLY, ApiClient, remote_assistant_ids, remote_file_ids, \
    remote_store_ids

pytestmark = pytest.mark.parametrize("database_url", [SQLITE_ONLY], indirect=True)

#: The SDK client's timeout: short where a "timeout" fault must fire (it costs this much per
#: attempt), generous elsewhere so a loaded machine never times out by itself.
FAULT_TIMEOUT = 3.0
CLIENT_TIMEOUT = 30.0

FAULTS = [pytest.param(kind, after, retries, id=f"{kind}-{'after' if after else 'before'}"
                       f"-retries{retries}")
          for kind in ("reset", "timeout") for after in (False, True) for retries in (0, 2)]


@pytest.fixture
def setup(make_app, openai_standin, openai_spec_conformance):
    """``setup(max_retries, fault_kind)``: an API on the ``assistants`` backend whose SDK
    client has that many retries (and a short timeout for a ``timeout`` fault), the outbox run
    in-process."""
    clients = []

    def make(max_retries, kind="reset"):
        timeout = FAULT_TIMEOUT if kind == "timeout" else CLIENT_TIMEOUT
        client = openai.OpenAI(api_key=openai_standin.api_key, base_url=openai_standin.base_url,
                               max_retries=max_retries, timeout=timeout,
                               http_client=openai_spec_conformance.http_client())
        clients.append(client)
        app = make_app(client=client, OCS_ASSISTANTS_BACKEND="assistants",
                       OCS_ASSISTANTS_TASK_BACKEND="eager")
        return app, ApiClient(app)

    yield make
    for client in clients:
        client.close()


def _arm(standin, kind, after_processing, **where):
    return standin.inject_fault(kind=kind, after_processing=after_processing, hold=30, **where)


def _finish_outbox(app):
    """Run the outbox until nothing is pending, at the time each sweep is due (no waiting)."""
    plugin = app.extensions["ocs_assistants"]
    with app.app_context():
        for _ in range(10):
            pending = plugin.db.session.execute(
                sa.select(RemoteOperation).where(RemoteOperation.status == "pending")
            ).scalars().all()
            if not pending:
                break
            operations.run_pending(plugin.deps, now=max(op.next_attempt_at for op in pending))
        ops = plugin.db.session.execute(sa.select(RemoteOperation)).scalars().all()
        assert all(op.status == "done" for op in ops), [(o.kind, o.status, o.last_error)
                                                         for o in ops]
        return [op.kind for op in ops]


def _assert_nothing_orphaned_and_in_sync(app, api, openai_client):
    with app.app_context():
        session = app.extensions["sqlalchemy"].session
        local_assistants = set(session.execute(sa.select(Assistant.openai_id)).scalars())
        local_stores = set(session.execute(sa.select(Assistant.vector_store_id)).scalars())
        local_files = set(session.execute(sa.select(AssistantFile.openai_id)).scalars())
    assert remote_assistant_ids(openai_client) <= local_assistants
    assert remote_store_ids(openai_client) <= local_stores
    assert remote_file_ids(openai_client) <= local_files
    for item in api.assistants():
        report = api.get(f"/assistants/{item['id']}/sync").get_json()
        assert report["state"] == "in_sync", report


def _seed(api):
    bot = api.create(name="Seed", builtin_tools=["file_search", "code_interpreter"])
    assert api.upload(bot["id"], "file_search", "seed.txt", b"seed words").status_code == 201
    return bot


@pytest.mark.parametrize("kind, after_processing, retries", FAULTS)
@pytest.mark.parametrize("operation", ["create_assistant", "create_store"])
def test_a_lost_create_leaves_nothing_behind(operation, kind, after_processing, retries, setup,
                                             openai_standin, openai_client):
    app, api = setup(retries, kind)
    path = "/v1/assistants" if operation == "create_assistant" else "/v1/vector_stores"
    fault = _arm(openai_standin, kind, after_processing, method="POST", path_prefix=path)

    response = api.post("/assistants", json={"name": "Bot", "model": "gpt-4o",
                                             "builtin_tools": ["file_search"]})

    assert fault.fired == 1
    if retries:
        assert response.status_code == 201, response.get_json()
    else:
        assert response.status_code == 503, response.get_json()
        assert api.assistants() == []
    # the client cannot tell whether OpenAI made it: every lost attempt is swept for
    assert "sweep_lost_create" in _finish_outbox(app)
    _assert_nothing_orphaned_and_in_sync(app, api, openai_client)


@pytest.mark.parametrize("kind, after_processing, retries", FAULTS)
@pytest.mark.parametrize("tool", ["file_search", "code_interpreter"])
def test_a_lost_upload_leaves_nothing_behind(tool, kind, after_processing, retries, setup,
                                             openai_standin, openai_client):
    app, api = setup(retries, kind)
    bot = _seed(api)
    fault = _arm(openai_standin, kind, after_processing, method="POST", path_prefix="/v1/files")

    response = api.upload(bot["id"], tool, "notes.txt", b"lost or not")

    assert fault.fired == 1
    files = [f["filename"] for f in api.get(f"/assistants/{bot['id']}").get_json()["files"]]
    if retries:
        assert response.status_code == 201, response.get_json()
        assert "notes.txt" in files
    else:
        assert response.status_code == 503, response.get_json()
        assert files == ["seed.txt"]
    assert "sweep_lost_upload" in _finish_outbox(app)
    _assert_nothing_orphaned_and_in_sync(app, api, openai_client)


@pytest.mark.parametrize("kind, after_processing, retries", FAULTS)
def test_a_lost_update_is_reconciled(kind, after_processing, retries, setup, openai_standin,
                                     openai_client):
    app, api = setup(retries, kind)
    bot = _seed(api)
    fault = _arm(openai_standin, kind, after_processing, method="POST",
                 path_prefix=f"/v1/assistants/{bot['openai_id']}")

    response = api.patch(f"/assistants/{bot['id']}", json={"instructions": "Be brief."})

    assert fault.fired == 1
    saved = api.get(f"/assistants/{bot['id']}").get_json()["instructions"]
    if retries or after_processing:  # retried, or read back: OpenAI holds it, so it is saved
        assert response.status_code == 200, response.get_json()
        assert saved == "Be brief."
    else:
        assert response.status_code == 503, response.get_json()
        assert saved == ""
    _finish_outbox(app)
    _assert_nothing_orphaned_and_in_sync(app, api, openai_client)


@pytest.mark.parametrize("kind, after_processing", [("reset", False), ("timeout", True),
                                                    ("status", False)])
def test_a_failed_clean_up_after_a_failed_create_is_queued(kind, after_processing, setup,
                                                           openai_standin, openai_client):
    app, api = setup(0, kind)
    # the assistant create fails for good, then deleting the store it made fails too
    openai_standin.inject_fault(status=400, method="POST", path_prefix="/v1/assistants")
    if kind == "status":
        openai_standin.inject_fault(status=500, method="DELETE", path_prefix="/v1/vector_stores")
    else:
        _arm(openai_standin, kind, after_processing, method="DELETE",
             path_prefix="/v1/vector_stores")

    response = api.post("/assistants", json={"name": "Bot", "model": "gpt-4o",
                                             "builtin_tools": ["file_search"]})

    assert response.status_code == 502, response.get_json()  # OpenAI refused the change
    with app.app_context():
        (op,) = app.extensions["sqlalchemy"].session.execute(
            sa.select(RemoteOperation)).scalars().all()
        assert op.kind == "delete_vector_store" and op.last_error
    assert _finish_outbox(app) == ["delete_vector_store"]
    _assert_nothing_orphaned_and_in_sync(app, api, openai_client)


@pytest.mark.parametrize("kind", ["reset", "status"])
def test_a_failed_clean_up_after_a_failed_upload_is_queued(kind, setup, openai_standin,
                                                           openai_client):
    app, api = setup(0, kind)
    bot = _seed(api)
    openai_standin.inject_fault(status=400, method="POST",
                                path_prefix=f"/v1/assistants/{bot['openai_id']}")
    if kind == "status":
        openai_standin.inject_fault(status=500, method="DELETE", path_prefix="/v1/files")
    else:
        _arm(openai_standin, kind, False, method="DELETE", path_prefix="/v1/files")

    response = api.upload(bot["id"], "code_interpreter", "notes.txt", b"never attached")

    assert response.status_code == 502, response.get_json()  # OpenAI refused the change
    assert _finish_outbox(app) == ["delete_file"]
    _assert_nothing_orphaned_and_in_sync(app, api, openai_client)
