"""GET /api/assistants/<id>/sync and the edit hook: the right state and the exact report.

Every drift is made in the stand-in through the real SDK, as an admin working in OpenAI would.
"""
from __future__ import annotations

import hashlib

import openai
import pytest

from ocs_assistant_plugin.errors import NotFound
from ocs_assistant_plugin.models import Assistant, AssistantFile, FileContent
from plugin_host import ApiClient
from sync_helpers import (
    FIELD_DRIFTS,
    FOUND_A_WORD,
    LOOKUP,
    assert_in_sync,
    baseline,
    delete_remote,
    local,
    modify_remote,
    sync_report,
    upload_remote,
)

def test_an_untouched_assistant_is_in_sync(api, openai_client):
    assistant = api.create(
        name="Tutor", instructions="Teach.", temperature=None, top_p=1,
        response_format={"type": "json_schema", "json_schema": {
            "name": "answer", "strict": True,
            "schema": {"type": "object", "properties": {"text": {"type": "string"}},
                       "required": ["text"], "additionalProperties": False}}},
        builtin_tools=["file_search", "code_interpreter"],
        function_tools=[{"name": "ping"}, LOOKUP])
    for tool, name in [("file_search", "a.txt"), ("file_search", "b.txt"),
                       ("code_interpreter", "c.csv")]:
        assert api.upload(assistant["id"], tool, name).status_code == 201

    report = sync_report(api, assistant["id"])

    assert report == {"state": "in_sync", "assistant_id": assistant["id"],
                      "openai_id": assistant["openai_id"], "is_version": False,
                      "differences": [], "files_missing_locally": [],
                      "files_missing_remotely": [],
                      "message": f"Assistant {assistant['id']} matches OpenAI."}


@pytest.mark.parametrize("field", list(FIELD_DRIFTS))
def test_each_field_changed_in_openai_is_reported_with_both_values(api, openai_client, field):
    change, local_value, remote_value = FIELD_DRIFTS[field]
    assistant = api.create(**baseline())
    modify_remote(openai_client, assistant["openai_id"], **change)

    report = sync_report(api, assistant["id"])

    assert report["state"] == "out_of_sync"
    assert report["differences"] == [{"field": field, "local": local_value,
                                      "remote": remote_value}]
    assert report["files_missing_locally"] == [] and report["files_missing_remotely"] == []
    assert f"({field})" in report["message"]
    assert "Pull" in report["message"] and "push" in report["message"]


def test_every_field_changed_at_once_is_reported_in_field_order(api, openai_client):
    assistant = api.create(**baseline())
    change = {}
    for body, _, _ in FIELD_DRIFTS.values():
        change.update(body)
    change["tools"] = [{"type": "code_interpreter"}, {"type": "file_search"},
                       {"type": "function", "function": FOUND_A_WORD}]
    modify_remote(openai_client, assistant["openai_id"], **change)

    report = sync_report(api, assistant["id"])

    assert report["state"] == "out_of_sync"
    assert report["differences"] == [
        {"field": field, "local": local_value, "remote": remote_value}
        for field, (_, local_value, remote_value) in FIELD_DRIFTS.items()]
    assert "9 fields differ" in report["message"]


def test_what_openai_normalises_is_not_a_difference(api, openai_client):
    assistant = api.create(name="Plain", function_tools=[{"name": "ping"}])
    # The same configuration spelled as OpenAI might: explicit defaults, keys in another order.
    modify_remote(openai_client, assistant["openai_id"], temperature=1.0, top_p=1.0,
                  response_format="auto", description="",
                  tools=[{"type": "function", "function": {
                      "strict": False, "parameters": {"properties": {}, "type": "object"},
                      "name": "ping"}}])

    assert_in_sync(sync_report(api, assistant["id"]))


def test_a_file_added_in_openai_is_missing_locally_with_its_filename(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=["code_interpreter", "file_search"]))
    api.upload(assistant["id"], "file_search", "kept.txt")
    store = local(api, assistant["id"])["vector_store_id"]
    searched = upload_remote(openai_client, "added-to-store.txt")
    openai_client.vector_stores.files.create(store, file_id=searched)
    coded = upload_remote(openai_client, "added-to-code.csv")
    modify_remote(openai_client, assistant["openai_id"],
                  tool_resources={"code_interpreter": {"file_ids": [coded]},
                                  "file_search": {"vector_store_ids": [store]}})

    report = sync_report(api, assistant["id"])

    assert report["state"] == "out_of_sync"
    assert report["differences"] == [] and report["files_missing_remotely"] == []
    assert report["files_missing_locally"] == [
        {"openai_id": coded, "filename": "added-to-code.csv", "tool": "code_interpreter"},
        {"openai_id": searched, "filename": "added-to-store.txt", "tool": "file_search"}]
    assert "2 files in OpenAI missing here" in report["message"]


def test_files_removed_in_openai_are_missing_remotely(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=["code_interpreter", "file_search"]))
    detached = api.upload(assistant["id"], "file_search", "detached.txt").get_json()
    kept = api.upload(assistant["id"], "file_search", "kept.txt").get_json()
    deleted = api.upload(assistant["id"], "code_interpreter", "deleted.csv").get_json()
    store = local(api, assistant["id"])["vector_store_id"]
    openai_client.vector_stores.files.delete(detached["openai_id"], vector_store_id=store)
    openai_client.files.delete(deleted["openai_id"])  # the assistant still lists its id

    report = sync_report(api, assistant["id"])

    assert report["state"] == "out_of_sync"
    assert report["differences"] == [] and report["files_missing_locally"] == []
    assert report["files_missing_remotely"] == [
        {"id": f["id"], "filename": f["filename"], "openai_id": f["openai_id"], "tool": f["tool"]}
        for f in (detached, deleted)]
    assert kept["openai_id"] in {f.id for f in openai_client.vector_stores.files.list(store)}


def test_a_local_file_never_pushed_is_missing_remotely(app, api, db_session):
    assistant = api.create(**baseline())
    with db_session() as session:
        record = AssistantFile(assistant_id=assistant["id"], tool="code_interpreter",
                               filename="draft.csv", openai_id="file-neverpushed", bytes=3,
                               content=FileContent(sha256=hashlib.sha256(b"a,b").hexdigest(),
                                                   size=3, data=b"a,b"))
        session.add(record)
        session.commit()
        record_id = record.id

    report = sync_report(api, assistant["id"])

    assert report["state"] == "out_of_sync"
    assert report["files_missing_remotely"] == [
        {"id": record_id, "filename": "draft.csv", "openai_id": "file-neverpushed",
         "tool": "code_interpreter"}]


def test_an_assistant_never_pushed_is_not_pushed(api, db_session, openai_standin):
    with db_session() as session:
        row = Assistant(team_id=1, name="Draft", model="gpt-4o")
        session.add(row)
        session.commit()
        assistant_id = row.id
    openai_standin.reset_counts()

    report = sync_report(api, assistant_id)

    assert report == {"state": "not_pushed", "assistant_id": assistant_id, "openai_id": None,
                      "is_version": False, "differences": [], "files_missing_locally": [],
                      "files_missing_remotely": [],
                      "message": f"Assistant {assistant_id} has never been created in OpenAI: "
                                 "push it to create it."}
    assert openai_standin.count() == 0


def test_a_replaced_vector_store_is_a_difference(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=["file_search"]))
    record = api.upload(assistant["id"], "file_search").get_json()
    old_store = local(api, assistant["id"])["vector_store_id"]
    new_store = openai_client.vector_stores.create(name="other",
                                                   file_ids=[record["openai_id"]]).id
    modify_remote(openai_client, assistant["openai_id"],
                  tool_resources={"file_search": {"vector_store_ids": [new_store]}})

    report = sync_report(api, assistant["id"])

    assert report["state"] == "out_of_sync"
    assert report["differences"] == [{"field": "vector_store_id", "local": old_store,
                                      "remote": new_store}]
    assert report["files_missing_locally"] == [] and report["files_missing_remotely"] == []


def test_a_deleted_vector_store_leaves_its_files_missing_remotely(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=["file_search"]))
    record = api.upload(assistant["id"], "file_search").get_json()
    store = local(api, assistant["id"])["vector_store_id"]
    openai_client.vector_stores.delete(store)

    report = sync_report(api, assistant["id"])

    assert report["differences"] == [{"field": "vector_store_id", "local": store,
                                      "remote": None}]
    assert [f["id"] for f in report["files_missing_remotely"]] == [record["id"]]


def test_an_assistant_deleted_in_openai_is_remote_missing(api, openai_client):
    assistant = api.create(**baseline())
    delete_remote(openai_client, assistant["openai_id"])

    report = sync_report(api, assistant["id"])

    assert report["state"] == "remote_missing"
    assert report["openai_id"] == assistant["openai_id"]
    assert report["differences"] == []
    assert "deleted" in report["message"] and "Push" in report["message"]


def test_changes_of_every_kind_are_reported_together(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=["code_interpreter", "file_search"]))
    gone = api.upload(assistant["id"], "file_search", "gone.txt").get_json()
    store = local(api, assistant["id"])["vector_store_id"]
    openai_client.vector_stores.files.delete(gone["openai_id"], vector_store_id=store)
    added = upload_remote(openai_client, "added.txt")
    openai_client.vector_stores.files.create(store, file_id=added)
    modify_remote(openai_client, assistant["openai_id"], instructions="Changed.", top_p=0.1)

    report = sync_report(api, assistant["id"])

    assert report["state"] == "out_of_sync"
    assert report["differences"] == [
        {"field": "instructions", "local": "Be kind.", "remote": "Changed."},
        {"field": "top_p", "local": 0.5, "remote": 0.1}]
    assert report["files_missing_locally"] == [
        {"openai_id": added, "filename": "added.txt", "tool": "file_search"}]
    assert report["files_missing_remotely"] == [
        {"id": gone["id"], "filename": "gone.txt", "openai_id": gone["openai_id"],
         "tool": "file_search"}]
    assert report["message"] == (
        f"Assistant {assistant['id']} differs from OpenAI: 2 fields differ (instructions, "
        "top_p); 1 file in OpenAI missing here; 1 file here missing in OpenAI. Pull to take "
        "OpenAI's version, push to overwrite OpenAI with this one, or fix each file.")


# -- OpenAI failing: an error state, never a 500 ---------------------------------------------------

def test_openai_answering_500_is_an_error_state(api, openai_standin):
    assistant = api.create(**baseline())
    openai_standin.inject_fault(status=500, times=None)

    report = sync_report(api, assistant["id"])

    assert report["state"] == "error"
    assert "OpenAI answered 500" in report["message"]
    assert report["message"].startswith(f"Could not compare assistant {assistant['id']}")


def test_openai_timing_out_is_an_error_state(make_app, openai_client, openai_standin):
    api = ApiClient(make_app(client=openai_client.with_options(timeout=0.3)))
    assistant = api.create(**baseline())
    openai_standin.inject_fault(kind="timeout", times=None, method="GET")

    report = sync_report(api, assistant["id"])

    assert report["state"] == "error"
    assert "timed out" in report["message"]


def test_refused_credentials_are_an_error_state(make_app, openai_standin):
    api = ApiClient(make_app())
    assistant = api.create(**baseline())
    wrong = openai.OpenAI(api_key="sk-wrong", base_url=openai_standin.base_url, max_retries=0)
    try:
        report = sync_report(ApiClient(make_app(client=wrong)), assistant["id"])
    finally:
        wrong.close()

    # A new app on the same database: the assistant is there, OpenAI refuses the key.
    assert report["state"] == "error"
    assert "refused the credentials" in report["message"]


# -- the edit hook -------------------------------------------------------------------------------

def test_the_edit_hook_returns_the_report_as_a_dict(app, plugin, api, openai_client):
    assistant = api.create(**baseline())
    modify_remote(openai_client, assistant["openai_id"], name="Renamed")

    with app.app_context():
        report = plugin.hook.ocs_assistant_edit_opened(assistant_id=assistant["id"], team_id=1)

    assert report == sync_report(api, assistant["id"])
    assert report["differences"] == [{"field": "name", "local": "Helper", "remote": "Renamed"}]


def test_the_edit_hook_does_not_find_another_teams_assistant(app, plugin, api):
    assistant = api.create(**baseline())

    with app.app_context(), pytest.raises(NotFound):
        plugin.hook.ocs_assistant_edit_opened(assistant_id=assistant["id"], team_id=2)


def test_the_edit_hook_reports_openai_failures_instead_of_raising(app, plugin, api,
                                                                  openai_standin):
    assistant = api.create(**baseline())
    openai_standin.inject_fault(status=503, times=None)

    with app.app_context():
        report = plugin.hook.ocs_assistant_edit_opened(assistant_id=assistant["id"], team_id=1)

    assert report["state"] == "error" and "503" in report["message"]
