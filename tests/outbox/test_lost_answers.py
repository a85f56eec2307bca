"""Lost answers and failed clean-ups leave nothing behind (the fault matrix).

Per operation (create an assistant, create its vector store, upload a file, update an assistant,
and the clean-up DELETEs after a failed create or upload) and per fault (a connection reset or a
timeout, before or after OpenAI carried the request out, with the SDK's retries off or on): once
the outbox has run, every object in the stand-in belongs to a local row, and each local assistant
is in sync with OpenAI."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ocs_assistant_plugin.models import RemoteOperation
from outbox_helpers import FAULTS, arm, assert_nothing_orphaned_and_in_sync, finish_outbox, seed
from plugin_host import SQLITE_ONLY

pytestmark = pytest.mark.parametrize("database_url", [SQLITE_ONLY], indirect=True)


@pytest.mark.parametrize("kind, after_processing, retries", FAULTS)
@pytest.mark.parametrize("operation", ["create_assistant", "create_store"])
def test_a_lost_create_leaves_nothing_behind(operation, kind, after_processing, retries,
                                             faulty_app, openai_standin, openai_client):
    app, api = faulty_app(retries, kind)
    path = "/v1/assistants" if operation == "create_assistant" else "/v1/vector_stores"
    fault = arm(openai_standin, kind, after_processing, method="POST", path_prefix=path)

    response = api.post("/assistants", json={"name": "Bot", "model": "gpt-4o",
                                             "builtin_tools": ["file_search"]})

    assert fault.fired == 1
    if retries:
        assert response.status_code == 201, response.get_json()
    else:
        assert response.status_code == 503, response.get_json()
        assert api.assistants() == []
    # the client cannot tell whether OpenAI made it: every lost attempt is swept for
    assert "sweep_lost_create" in finish_outbox(app)
    assert_nothing_orphaned_and_in_sync(app, api, openai_client)


@pytest.mark.parametrize("kind, after_processing, retries", FAULTS)
@pytest.mark.parametrize("tool", ["file_search", "code_interpreter"])
def test_a_lost_upload_leaves_nothing_behind(tool, kind, after_processing, retries, faulty_app,
                                             openai_standin, openai_client):
    app, api = faulty_app(retries, kind)
    bot = seed(api)
    fault = arm(openai_standin, kind, after_processing, method="POST", path_prefix="/v1/files")

    response = api.upload(bot["id"], tool, "notes.txt", b"lost or not")

    assert fault.fired == 1
    files = [f["filename"] for f in api.get(f"/assistants/{bot['id']}").get_json()["files"]]
    if retries:
        assert response.status_code == 201, response.get_json()
        assert "notes.txt" in files
    else:
        assert response.status_code == 503, response.get_json()
        assert files == ["seed.txt"]
    assert "sweep_lost_upload" in finish_outbox(app)
    assert_nothing_orphaned_and_in_sync(app, api, openai_client)


@pytest.mark.parametrize("kind, after_processing, retries", FAULTS)
def test_a_lost_update_is_reconciled(kind, after_processing, retries, faulty_app, openai_standin,
                                     openai_client):
    app, api = faulty_app(retries, kind)
    bot = seed(api)
    fault = arm(openai_standin, kind, after_processing, method="POST",
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
    finish_outbox(app)
    assert_nothing_orphaned_and_in_sync(app, api, openai_client)


@pytest.mark.parametrize("kind, after_processing", [("reset", False), ("timeout", True),
                                                    ("status", False)])
def test_a_failed_clean_up_after_a_failed_create_is_queued(kind, after_processing, faulty_app,
                                                           openai_standin, openai_client):
    app, api = faulty_app(0, kind)
    # the assistant create fails for good, then deleting the store it made fails too
    openai_standin.inject_fault(status=400, method="POST", path_prefix="/v1/assistants")
    if kind == "status":
        openai_standin.inject_fault(status=500, method="DELETE", path_prefix="/v1/vector_stores")
    else:
        arm(openai_standin, kind, after_processing, method="DELETE",
             path_prefix="/v1/vector_stores")

    response = api.post("/assistants", json={"name": "Bot", "model": "gpt-4o",
                                             "builtin_tools": ["file_search"]})

    assert response.status_code == 502, response.get_json()  # OpenAI refused the change
    with app.app_context():
        (op,) = app.extensions["sqlalchemy"].session.execute(
            sa.select(RemoteOperation)).scalars().all()
        assert op.kind == "delete_vector_store" and op.last_error
    assert finish_outbox(app) == ["delete_vector_store"]
    assert_nothing_orphaned_and_in_sync(app, api, openai_client)


@pytest.mark.parametrize("kind", ["reset", "status"])
def test_a_failed_clean_up_after_a_failed_upload_is_queued(kind, faulty_app, openai_standin,
                                                           openai_client):
    app, api = faulty_app(0, kind)
    bot = seed(api)
    openai_standin.inject_fault(status=400, method="POST",
                                path_prefix=f"/v1/assistants/{bot['openai_id']}")
    if kind == "status":
        openai_standin.inject_fault(status=500, method="DELETE", path_prefix="/v1/files")
    else:
        arm(openai_standin, kind, False, method="DELETE", path_prefix="/v1/files")

    response = api.upload(bot["id"], "code_interpreter", "notes.txt", b"never attached")

    assert response.status_code == 502, response.get_json()  # OpenAI refused the change
    assert finish_outbox(app) == ["delete_file"]
    assert_nothing_orphaned_and_in_sync(app, api, openai_client)
