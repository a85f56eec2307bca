"""Lost answers during the sync fixes, the backend migration and a release the host rolls back
leave nothing behind (the second fault matrix; ``test_lost_answers`` covers create, upload,
update and their clean-ups).

Per operation:

- the sync fixes: ``push`` re-uploading a File OpenAI lost, recreating a store or an assistant
  OpenAI lost; the per-file "upload it" fix; ``restore`` of a version whose assistant or store
  OpenAI lost; ``pull`` (reads only); and the clean-up DELETE of a File a failed push or
  upload fix uploaded in vain;
- ``flask assistants migrate-backend --to responses``: recreating a lost store, attaching a file
  the store lost, and the outbox's DELETE of the old remote assistant; ``--to assistants`` is
  refused and changes nothing;
- a push whose assistant update fails after it changed the store's files: refused for sure,
  the store gets its files back; answered lost (OpenAI may hold the update), the assistant is
  read back as a PATCH does: the push is done when OpenAI holds it, and otherwise answers 503
  and the sync check reports what OpenAI holds, which a second push settles;
- a release inside the host's transaction that the host rolls back: the clone (one request: the
  assistant and its new store inline) answered lost, and the sweep's own DELETE failing once; and
  the control, a host that commits keeps its clone while a lost first attempt is swept;

and per fault, with the same assertion as the first matrix: once the outbox has run, every object
in the stand-in belongs to a local row, and every local assistant is in sync. A fix that failed
answers 503 and leaves the assistant exactly as before (the same sync report); running it again
with OpenAI back ends in sync.

The combinations kept (the file must stay cheap): a ``reset`` fault in all four variants (before
or after OpenAI carried the request out, SDK retries off or on), since these are the distinct
outcomes for our code (nothing made / made but unknown, failure reported / retried past); a
``timeout`` only after processing with retries off, once per operation. A timeout reaches our code
as the SDK's timeout error instead of a connection error, otherwise with the same outcomes, and
each costs the client's full timeout (a timeout *before* processing is, for our code, exactly a
reset before processing). Creates are where a lost answer can orphan something, so each create a
fix makes is faulted; the DELETEs only need to be retried by the outbox, so one reset before and
one after processing cover them.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ocs_assistant_plugin.errors import RemoteError
from ocs_assistant_plugin.models import Assistant, RemoteOperation
from ocs_assistant_plugin.outbox import queue as operations
from outbox_helpers import arm, assert_nothing_orphaned_and_in_sync, fault_param, finish_outbox, \
    seed
from plugin_host import SQLITE_ONLY, fire, remote_assistant_ids

pytestmark = pytest.mark.parametrize("database_url", [SQLITE_ONLY], indirect=True)

BETA = {"headers": {"OpenAI-Beta": "assistants=v2"}}

#: The faults a create is tried with (see the module docstring for the choice).
CREATE_FAULTS = [fault_param("reset", after, retries)
                 for after in (False, True) for retries in (0, 2)] + [
    fault_param("timeout", True, 0)]
#: The faults a DELETE the outbox carries out is tried with.
DELETE_FAULTS = [fault_param("reset", False, 0), fault_param("reset", True, 0)]


def _delete_remote_assistant(client, openai_id: str) -> None:
    client.delete(f"/assistants/{openai_id}", cast_to=object, options=BETA)


def _report(api, assistant_id: int) -> dict:
    return api.get(f"/assistants/{assistant_id}/sync").get_json()


def _local(api, assistant_id: int) -> dict:
    return api.get(f"/assistants/{assistant_id}").get_json()


# -- the sync fixes -------------------------------------------------------------------------------

def _file_lost(api, openai_client, release_version):
    """OpenAI lost the seed's File: push uploads it again from its stored content."""
    bot = seed(api)
    openai_client.files.delete(bot["files"][0]["openai_id"])
    return bot["id"], ("push", None), "/v1/files"


def _store_lost(api, openai_client, release_version):
    """OpenAI lost the seed's store: push creates it again."""
    bot = seed(api)
    openai_client.vector_stores.delete(bot["vector_store_id"])
    return bot["id"], ("push", None), "/v1/vector_stores"


def _assistant_lost(api, openai_client, release_version):
    """OpenAI lost the seed's assistant: push creates it again."""
    bot = seed(api)
    _delete_remote_assistant(openai_client, bot["openai_id"])
    return bot["id"], ("push", None), "/v1/assistants"


def _file_lost_fixed_alone(api, openai_client, release_version):
    """OpenAI lost the seed's File: the per-file fix uploads it again."""
    bot = seed(api)
    openai_client.files.delete(bot["files"][0]["openai_id"])
    return bot["id"], ("upload", bot["files"][0]["id"]), "/v1/files"


def _version_assistant_lost(api, openai_client, release_version):
    """OpenAI lost a version's assistant: restore creates it again from the snapshot."""
    bot = seed(api)
    version_id = release_version(bot["id"], "v1")
    _delete_remote_assistant(openai_client, _local(api, version_id)["openai_id"])
    return version_id, ("restore", None), "/v1/assistants"


def _version_store_lost(api, openai_client, release_version):
    """OpenAI lost a version's store: restore creates it again from the snapshot."""
    bot = seed(api)
    version_id = release_version(bot["id"], "v1")
    openai_client.vector_stores.delete(_local(api, version_id)["vector_store_id"])
    return version_id, ("restore", None), "/v1/vector_stores"


DRIFTS = {"push-file": _file_lost, "push-store": _store_lost,
          "push-assistant": _assistant_lost, "upload-file": _file_lost_fixed_alone,
          "restore-assistant": _version_assistant_lost, "restore-store": _version_store_lost}
#: What the outbox sweeps for after each drift's faulted create (the client cannot tell whether
#: OpenAI made it).
SWEEP_FOR = {"push-file": operations.SWEEP_LOST_UPLOAD, "push-store": operations.SWEEP_LOST_CREATE,
             "push-assistant": operations.SWEEP_LOST_CREATE,
             "upload-file": operations.SWEEP_LOST_UPLOAD,
             "restore-assistant": operations.SWEEP_LOST_CREATE,
             "restore-store": operations.SWEEP_LOST_CREATE}


def _releaser(app):
    """``release(working_id, label)`` -> the version's id (the host commits)."""
    def release(working_id: int, label: str) -> int:
        return fire(app, "ocs_release", assistant_ids=[working_id], team_id=1,
                    release_label=label)[working_id]
    return release


def _run_fix(api, assistant_id: int, fix: tuple):
    name, file_id = fix
    if name == "upload":
        return api.post(f"/assistants/{assistant_id}/sync/files/{file_id}/upload", json={})
    return api.post(f"/assistants/{assistant_id}/{name}", json={})


@pytest.mark.parametrize("kind, after_processing, retries", CREATE_FAULTS)
@pytest.mark.parametrize("drift", list(DRIFTS))
def test_a_lost_create_during_a_sync_fix_leaves_nothing_behind(
        drift, kind, after_processing, retries, faulty_app, openai_standin, openai_client):
    app, api = faulty_app(retries, kind)
    assistant_id, fix, path = DRIFTS[drift](api, openai_client, _releaser(app))
    before = _report(api, assistant_id)
    assert before["state"] != "in_sync", before
    local_before = _local(api, assistant_id)
    fault = arm(openai_standin, kind, after_processing, method="POST", path_prefix=path)

    response = _run_fix(api, assistant_id, fix)

    assert fault.fired == 1
    if retries:
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["state"] == "in_sync", response.get_json()
    else:
        assert response.status_code == 503, response.get_json()
        assert _local(api, assistant_id) == local_before
    assert SWEEP_FOR[drift] in finish_outbox(app)
    if not retries:  # exactly as before; OpenAI back, the same fix then succeeds
        assert _report(api, assistant_id) == before
        assert_nothing_orphaned_and_in_sync(app, api, openai_client, but=[assistant_id])
        assert _run_fix(api, assistant_id, fix).status_code == 200
        finish_outbox(app)
    assert_nothing_orphaned_and_in_sync(app, api, openai_client)


@pytest.mark.parametrize("kind", ["reset", "status"])
@pytest.mark.parametrize("fix", ["push", "upload"])
def test_a_failed_clean_up_after_a_failed_fix_is_queued(fix, kind, faulty_app, openai_standin,
                                                        openai_client):
    app, api = faulty_app(0, kind)
    bot = seed(api)
    if fix == "push":  # OpenAI lost two Files: the first is uploaded again, the second refused
        assert api.upload(bot["id"], "file_search", "more.txt", b"more").status_code == 201
        lost = _local(api, bot["id"])["files"]
        for record in lost:
            openai_client.files.delete(record["openai_id"])
        openai_standin.inject_fault(status=400, method="POST", path_prefix="/v1/files", after=1)
        action = ("push", None)
    else:  # the File is uploaded again, then OpenAI refuses to attach it
        lost = bot["files"]
        openai_client.files.delete(lost[0]["openai_id"])
        openai_standin.inject_fault(status=400, method="POST",
                                    path_prefix=f"/v1/assistants/{bot['openai_id']}")
        action = ("upload", lost[0]["id"])
    before = _report(api, bot["id"])
    # ... and discarding the File uploaded in vain fails too
    if kind == "status":
        clean_up = openai_standin.inject_fault(status=500, method="DELETE",
                                               path_prefix="/v1/files")
    else:
        clean_up = arm(openai_standin, kind, False, method="DELETE", path_prefix="/v1/files")

    response = _run_fix(api, bot["id"], action)

    assert response.status_code == 502, response.get_json()  # OpenAI refused the change
    assert clean_up.fired == 1
    assert operations.DELETE_FILE in finish_outbox(app)
    assert _report(api, bot["id"]) == before
    assert_nothing_orphaned_and_in_sync(app, api, openai_client, but=[bot["id"]])
    assert _run_fix(api, bot["id"], action).status_code == 200  # OpenAI back: the fix works
    finish_outbox(app)
    assert_nothing_orphaned_and_in_sync(app, api, openai_client)


@pytest.mark.parametrize("kind", ["reset", "status"])
def test_a_push_whose_assistant_update_fails_leaves_the_store_as_it_was(
        kind, faulty_app, openai_standin, openai_client):
    app, api = faulty_app(0, kind)
    bot = seed(api)
    other = api.create(name="Other", builtin_tools=["code_interpreter"])
    assert api.upload(other["id"], "code_interpreter", "other.csv", b"a,b").status_code == 201
    other_file = _local(api, other["id"])["files"][0]["openai_id"]
    # in OpenAI the store lost the seed's file and holds another assistant's
    store = bot["vector_store_id"]
    openai_client.vector_stores.files.delete(bot["files"][0]["openai_id"], vector_store_id=store)
    openai_client.vector_stores.files.create(store, file_id=other_file)
    before = _report(api, bot["id"])
    assert before["files_missing_locally"] and before["files_missing_remotely"], before
    where = {"method": "POST", "path_prefix": f"/v1/assistants/{bot['openai_id']}"}
    if kind == "status":
        fault = openai_standin.inject_fault(status=400, **where)
    else:
        fault = arm(openai_standin, kind, False, **where)

    response = api.post(f"/assistants/{bot['id']}/push", json={})

    assert fault.fired == 1
    finish_outbox(app)
    if kind == "status":  # refused for sure: the store holds what it held
        assert response.status_code == 502, response.get_json()
        assert _report(api, bot["id"]) == before
        assert_nothing_orphaned_and_in_sync(app, api, openai_client, but=[bot["id"]])
        assert api.post(f"/assistants/{bot['id']}/push", json={}).status_code == 200
    else:  # lost: read back, OpenAI holds the push (only the store had to change)
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["state"] == "in_sync"
    assert_nothing_orphaned_and_in_sync(app, api, openai_client)


def test_a_lost_push_that_openai_did_not_make_answers_503_and_a_second_push_settles_it(
        faulty_app, openai_standin, openai_client):
    app, api = faulty_app(0, "reset")
    bot = seed(api)
    openai_client.post(f"/assistants/{bot['openai_id']}", cast_to=object,
                       options={"headers": {"OpenAI-Beta": "assistants=v2"}},
                       body={"instructions": "Changed in OpenAI."})
    where = {"method": "POST", "path_prefix": f"/v1/assistants/{bot['openai_id']}"}
    fault = arm(openai_standin, "reset", False, **where)  # lost before OpenAI made it

    response = api.post(f"/assistants/{bot['id']}/push", json={})

    assert fault.fired == 1
    assert response.status_code == 503, response.get_json()
    assert [d["field"] for d in _report(api, bot["id"])["differences"]] == ["instructions"]
    finish_outbox(app)
    assert api.post(f"/assistants/{bot['id']}/push", json={}).status_code == 200
    assert_nothing_orphaned_and_in_sync(app, api, openai_client)


@pytest.mark.parametrize("kind, retries", [("reset", 0), ("reset", 2), ("timeout", 0)])
def test_a_lost_read_during_a_pull_changes_nothing(kind, retries, faulty_app, openai_standin,
                                                   openai_client):
    app, api = faulty_app(retries, kind)
    bot = seed(api)
    openai_client.post(f"/assistants/{bot['openai_id']}", body={"instructions": "Be terse."},
                       cast_to=object, options=BETA)
    before = _local(api, bot["id"])
    fault = arm(openai_standin, kind, False, method="GET",
                path_prefix=f"/v1/assistants/{bot['openai_id']}")

    response = api.post(f"/assistants/{bot['id']}/pull", json={})

    assert fault.fired == 1
    if retries:
        assert response.status_code == 200, response.get_json()
        assert _local(api, bot["id"])["instructions"] == "Be terse."
    else:
        assert response.status_code == 503, response.get_json()
        assert _local(api, bot["id"]) == before
        assert api.post(f"/assistants/{bot['id']}/pull", json={}).status_code == 200
    assert finish_outbox(app) == []  # a pull changes nothing in OpenAI
    assert_nothing_orphaned_and_in_sync(app, api, openai_client)


# -- migrate-backend ------------------------------------------------------------------------------

def _migrate(app, *args):
    return app.test_cli_runner().invoke(args=["assistants", "migrate-backend", *args])


def _backend_of(app, assistant_id: int) -> str:
    plugin = app.extensions["ocs_assistants"]
    with app.app_context():
        return plugin.db.session.get(Assistant, assistant_id).backend


def _store_lost_before_migration(api, openai_client):
    bot = seed(api)
    openai_client.vector_stores.delete(bot["vector_store_id"])
    return bot, "/v1/vector_stores"


def _file_detached_before_migration(api, openai_client):
    bot = seed(api)
    openai_client.vector_stores.files.delete(bot["files"][0]["openai_id"],
                                             vector_store_id=bot["vector_store_id"])
    return bot, f"/v1/vector_stores/{bot['vector_store_id']}/files"


MIGRATION_DRIFTS = {"store-lost": _store_lost_before_migration,
                    "file-detached": _file_detached_before_migration}


@pytest.mark.parametrize("kind, after_processing, retries", CREATE_FAULTS)
@pytest.mark.parametrize("drift", list(MIGRATION_DRIFTS))
def test_a_lost_answer_during_migration_leaves_nothing_behind(
        drift, kind, after_processing, retries, faulty_app, openai_standin, openai_client):
    app, api = faulty_app(retries, kind)
    bot, path = MIGRATION_DRIFTS[drift](api, openai_client)
    before = _local(api, bot["id"])
    fault = arm(openai_standin, kind, after_processing, method="POST", path_prefix=path)

    result = _migrate(app, "--to", "responses")

    assert fault.fired == 1
    if drift == "store-lost":  # the client cannot tell whether OpenAI made it
        assert operations.SWEEP_LOST_CREATE in finish_outbox(app)
    if retries:
        assert result.exit_code == 0, result.output
        assert _backend_of(app, bot["id"]) == "responses"
    else:  # reported, and the assistant is left exactly as it was
        assert result.exit_code == 1, result.output
        assert "FAILED, left unchanged" in result.output
        assert _backend_of(app, bot["id"]) == "assistants"
        assert _local(api, bot["id"]) == before
        finish_outbox(app)
        assert_nothing_orphaned_and_in_sync(app, api, openai_client, but=[bot["id"]])
        assert _migrate(app, "--to", "responses").exit_code == 0  # OpenAI back: it moves
    assert "delete_assistant" in finish_outbox(app)
    assert bot["openai_id"] not in remote_assistant_ids(openai_client)
    assert_nothing_orphaned_and_in_sync(app, api, openai_client)


@pytest.mark.parametrize("kind, after_processing, retries", DELETE_FAULTS)
def test_a_failed_delete_of_the_old_assistant_is_retried_by_the_outbox(
        kind, after_processing, retries, faulty_app, openai_standin, openai_client):
    app, api = faulty_app(retries, kind)
    bot = seed(api)
    fault = arm(openai_standin, kind, after_processing, method="DELETE",
                path_prefix=f"/v1/assistants/{bot['openai_id']}")

    result = _migrate(app, "--to", "responses")

    assert result.exit_code == 0, result.output
    assert fault.fired == 1
    assert _backend_of(app, bot["id"]) == "responses"
    assert finish_outbox(app) == ["delete_assistant"]
    assert bot["openai_id"] not in remote_assistant_ids(openai_client)
    assert_nothing_orphaned_and_in_sync(app, api, openai_client)


def test_migrating_back_to_assistants_is_refused_and_changes_nothing(
        faulty_app, openai_standin, openai_client):
    app, api = faulty_app(0)
    bot = seed(api)
    before = _local(api, bot["id"])
    requests_before = len(openai_standin.requests)

    result = _migrate(app, "--to", "assistants")

    assert result.exit_code == 2, result.output
    assert "Only --to responses is supported" in result.output
    assert len(openai_standin.requests) == requests_before  # nothing asked of OpenAI
    assert _local(api, bot["id"]) == before
    assert finish_outbox(app) == []
    assert_nothing_orphaned_and_in_sync(app, api, openai_client)


# -- a release the host rolls back ----------------------------------------------------------------

def _release_in_host_transaction(app, working_id: int, *, commit: bool):
    """Fire ``ocs_release`` in the host's transaction, then commit it or roll it back (the
    host's next step failed). Returns the version's id (committed) or the error the release
    raised (``None`` if it did not raise)."""
    plugin = app.extensions["ocs_assistants"]
    with app.app_context():
        try:
            mapping = plugin.hook.ocs_release(assistant_ids=[working_id], team_id=1,
                                              release_label="doomed")
        except RemoteError as exc:
            plugin.db.session.rollback()
            return exc
        if commit:
            plugin.db.session.commit()
            return mapping[working_id]
        plugin.db.session.rollback()
    return None


@pytest.mark.parametrize("kind, after_processing, retries", CREATE_FAULTS)
def test_a_lost_clone_of_a_release_the_host_rolls_back_is_swept(
        kind, after_processing, retries, faulty_app, openai_standin, openai_client):
    app, api = faulty_app(retries, kind)
    bot = seed(api)
    before = _local(api, bot["id"])
    # a clone is one request: the assistant with its new store inline
    fault = arm(openai_standin, kind, after_processing, method="POST",
                path_prefix="/v1/assistants")

    error = _release_in_host_transaction(app, bot["id"], commit=False)

    assert fault.fired == 1
    if retries:
        assert error is None
    else:
        assert isinstance(error, RemoteError) and error.status == 503, error
    assert _local(api, bot["id"]) == before  # no version: the host rolled back
    assert operations.SWEEP_RELEASE_CLONE in finish_outbox(app)
    assert_nothing_orphaned_and_in_sync(app, api, openai_client)


@pytest.mark.parametrize("after_processing", [False, True], ids=["before", "after"])
def test_a_release_the_host_commits_keeps_its_clone_and_sweeps_the_lost_one(
        after_processing, faulty_app, openai_standin, openai_client):
    app, api = faulty_app(2)
    bot = seed(api)
    fault = arm(openai_standin, "reset", after_processing, method="POST",
                path_prefix="/v1/assistants")

    version_id = _release_in_host_transaction(app, bot["id"], commit=True)

    assert fault.fired == 1
    assert _local(api, bot["id"])["versions"] == [version_id]
    finish_outbox(app)
    assert _local(api, version_id)["openai_id"] in remote_assistant_ids(openai_client)
    assert_nothing_orphaned_and_in_sync(app, api, openai_client)


def test_a_sweep_whose_delete_fails_is_retried_until_the_clone_is_gone(
        faulty_app, openai_standin, openai_client):
    app, api = faulty_app(0)
    bot = seed(api)
    fault = arm(openai_standin, "reset", False, method="DELETE", path_prefix="/v1/assistants/")

    assert _release_in_host_transaction(app, bot["id"], commit=False) is None

    assert fault.fired == 1
    plugin = app.extensions["ocs_assistants"]
    with app.app_context():
        (sweep,) = plugin.db.session.execute(sa.select(RemoteOperation)).scalars()
        assert (sweep.kind, sweep.status) == (operations.SWEEP_RELEASE_CLONE, "pending")
        assert sweep.last_error
    assert finish_outbox(app) == [operations.SWEEP_RELEASE_CLONE]
    assert_nothing_orphaned_and_in_sync(app, api, openai_client)
