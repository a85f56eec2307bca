"""POST /api/assistants/<id>/pull and /push: each ends in sync, for every kind of drift."""
from __future__ import annotations

import pytest

from ocs_assistant_plugin.models import Assistant
from sync_helpers import (
    FIELD_DRIFTS,
    LOOKUP,
    NORMALISED_LOOKUP,
    assert_in_sync,
    baseline,
    delete_remote,
    local,
    modify_remote,
    read_remote,
    remote_file_exists,
    sync_action,
    upload_remote,
)

#: field -> the local value after pulling FIELD_DRIFTS[field] (as the Assistant JSON shows it).
PULLED = {
    "name": "Renamed",
    "description": "Now described",
    "instructions": "Be terse.",
    "model": "gpt-4o-mini",
    "temperature": 0.3,
    "top_p": 0.9,
    "response_format": {"type": "json_object"},
    "builtin_tools": ["code_interpreter", "file_search"],
    "function_tools": [{**NORMALISED_LOOKUP, "description": "Find a word"}],
}
PUSH_STAMPS = ("pushed_at", "updated_at")


def without(data: dict, keys=PUSH_STAMPS) -> dict:
    return {k: v for k, v in data.items() if k not in keys}


def store_ids(client, vector_store_id: str) -> set[str]:
    return {f.id for f in client.vector_stores.files.list(vector_store_id, limit=100)}


# -- pull ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("field", list(FIELD_DRIFTS))
def test_pull_takes_each_changed_field_from_openai(api, openai_client, field):
    assistant = api.create(**baseline())
    modify_remote(openai_client, assistant["openai_id"], **FIELD_DRIFTS[field][0])
    in_openai = read_remote(openai_client, assistant["openai_id"])

    report = sync_action(api, assistant["id"], "pull")

    assert_in_sync(report)
    assert local(api, assistant["id"])[field] == PULLED[field]
    assert read_remote(openai_client, assistant["openai_id"]) == in_openai  # untouched


def test_pull_records_files_only_in_openai_as_remote_only(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=["code_interpreter", "file_search"]))
    api.upload(assistant["id"], "file_search", "kept.txt")
    store = local(api, assistant["id"])["vector_store_id"]
    added = upload_remote(openai_client, "added.txt", b"12345")
    openai_client.vector_stores.files.create(store, file_id=added)

    assert_in_sync(sync_action(api, assistant["id"], "pull"))

    files = local(api, assistant["id"])["files"]
    assert [(f["filename"], f["openai_id"], f["tool"], f["remote_only"], f["bytes"])
            for f in files if f["openai_id"] == added] == [
        ("added.txt", added, "file_search", True, 5)]
    assert len(files) == 2


def test_pull_drops_local_files_openai_no_longer_has(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=["file_search"]))
    gone = api.upload(assistant["id"], "file_search", "gone.txt").get_json()
    kept = api.upload(assistant["id"], "file_search", "kept.txt").get_json()
    store = local(api, assistant["id"])["vector_store_id"]
    openai_client.vector_stores.files.delete(gone["openai_id"], vector_store_id=store)

    assert_in_sync(sync_action(api, assistant["id"], "pull"))

    assert [f["id"] for f in local(api, assistant["id"])["files"]] == [kept["id"]]


def test_pull_takes_a_replaced_vector_store(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=["file_search"]))
    record = api.upload(assistant["id"], "file_search").get_json()
    new_store = openai_client.vector_stores.create(file_ids=[record["openai_id"]]).id
    modify_remote(openai_client, assistant["openai_id"],
                  tool_resources={"file_search": {"vector_store_ids": [new_store]}})

    assert_in_sync(sync_action(api, assistant["id"], "pull"))

    assert local(api, assistant["id"])["vector_store_id"] == new_store


def test_pull_of_every_change_at_once_ends_in_sync(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=["code_interpreter", "file_search"]))
    gone = api.upload(assistant["id"], "file_search", "gone.txt").get_json()
    store = local(api, assistant["id"])["vector_store_id"]
    openai_client.vector_stores.files.delete(gone["openai_id"], vector_store_id=store)
    added = upload_remote(openai_client, "added.txt")
    openai_client.vector_stores.files.create(store, file_id=added)
    change = {}
    for body, _, _ in FIELD_DRIFTS.values():
        change.update(body)
    modify_remote(openai_client, assistant["openai_id"], **change)

    assert_in_sync(sync_action(api, assistant["id"], "pull"))


def test_pull_of_an_assistant_deleted_in_openai_is_refused(api, openai_client):
    assistant = api.create(**baseline())
    delete_remote(openai_client, assistant["openai_id"])
    before = local(api, assistant["id"])

    error = sync_action(api, assistant["id"], "pull", expect=409)["error"]

    assert error["code"] == "conflict" and "deleted" in error["message"]
    assert local(api, assistant["id"]) == before


def test_pull_of_an_assistant_never_pushed_is_refused(api, db_session):
    with db_session() as session:
        row = Assistant(team_id=1, name="Draft", model="gpt-4o")
        session.add(row)
        session.commit()
        assistant_id = row.id

    error = sync_action(api, assistant_id, "pull", expect=409)["error"]

    assert "never been created in OpenAI" in error["message"]


# -- push ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("field", list(FIELD_DRIFTS))
def test_push_overwrites_each_changed_field_in_openai(api, openai_client, field):
    assistant = api.create(**baseline())
    before = local(api, assistant["id"])
    modify_remote(openai_client, assistant["openai_id"], **FIELD_DRIFTS[field][0])

    report = sync_action(api, assistant["id"], "push")

    assert_in_sync(report)
    after = local(api, assistant["id"])
    assert without(after) == without(before)
    assert after["pushed_at"] > before["pushed_at"]


def test_push_detaches_files_only_in_openai_without_deleting_them(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=["code_interpreter", "file_search"]))
    kept = api.upload(assistant["id"], "file_search", "kept.txt").get_json()
    store = local(api, assistant["id"])["vector_store_id"]
    added = upload_remote(openai_client, "added.txt")
    openai_client.vector_stores.files.create(store, file_id=added)
    coded = upload_remote(openai_client, "added.csv")
    modify_remote(openai_client, assistant["openai_id"],
                  tool_resources={"code_interpreter": {"file_ids": [coded]},
                                  "file_search": {"vector_store_ids": [store]}})

    assert_in_sync(sync_action(api, assistant["id"], "push"))

    assert store_ids(openai_client, store) == {kept["openai_id"]}
    remote = read_remote(openai_client, assistant["openai_id"])
    assert remote["tool_resources"]["code_interpreter"]["file_ids"] == []
    assert remote_file_exists(openai_client, added) and remote_file_exists(openai_client, coded)


def test_push_attaches_a_detached_file_again_without_uploading(api, openai_client,
                                                               openai_standin):
    assistant = api.create(**baseline(builtin_tools=["file_search"]))
    record = api.upload(assistant["id"], "file_search").get_json()
    store = local(api, assistant["id"])["vector_store_id"]
    openai_client.vector_stores.files.delete(record["openai_id"], vector_store_id=store)
    openai_standin.reset_counts()

    assert_in_sync(sync_action(api, assistant["id"], "push"))

    assert store_ids(openai_client, store) == {record["openai_id"]}
    assert openai_standin.count(method="POST", path_prefix="/v1/files") == 0


@pytest.mark.parametrize("tool", ["code_interpreter", "file_search"])
def test_push_uploads_a_file_deleted_in_openai_again(api, openai_client, tool):
    assistant = api.create(**baseline(builtin_tools=["code_interpreter", "file_search"]))
    record = api.upload(assistant["id"], tool, "data.csv", b"x,y\n1,2\n").get_json()
    openai_client.files.delete(record["openai_id"])

    assert_in_sync(sync_action(api, assistant["id"], "push"))

    [again] = local(api, assistant["id"])["files"]
    assert again["id"] == record["id"] and again["filename"] == "data.csv"
    assert again["openai_id"] != record["openai_id"]
    assert openai_client.files.content(again["openai_id"]).read() == b"x,y\n1,2\n"


def test_push_refuses_when_a_remote_only_file_is_gone_in_openai(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=["file_search"]))
    api.upload(assistant["id"], "file_search")
    store = local(api, assistant["id"])["vector_store_id"]
    added = upload_remote(openai_client, "only-in-openai.txt")
    openai_client.vector_stores.files.create(store, file_id=added)
    sync_action(api, assistant["id"], "pull")
    openai_client.files.delete(added)
    modify_remote(openai_client, assistant["openai_id"], name="Changed")
    before = local(api, assistant["id"])

    error = sync_action(api, assistant["id"], "push", expect=409)["error"]

    assert "only-in-openai.txt" in error["message"]
    assert error["fields"] == {"files": [f"only-in-openai.txt ({added}): upload it again or "
                                         "remove it"]}
    assert local(api, assistant["id"]) == before
    assert read_remote(openai_client, assistant["openai_id"])["name"] == "Changed"


def test_push_points_the_assistant_back_at_its_own_store(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=["file_search"]))
    record = api.upload(assistant["id"], "file_search").get_json()
    store = local(api, assistant["id"])["vector_store_id"]
    other = openai_client.vector_stores.create(name="other").id
    modify_remote(openai_client, assistant["openai_id"],
                  tool_resources={"file_search": {"vector_store_ids": [other]}})

    assert_in_sync(sync_action(api, assistant["id"], "push"))

    remote = read_remote(openai_client, assistant["openai_id"])
    assert remote["tool_resources"]["file_search"]["vector_store_ids"] == [store]
    assert store_ids(openai_client, store) == {record["openai_id"]}
    assert openai_client.vector_stores.retrieve(other).id == other  # left alone


def test_push_makes_a_new_store_for_one_deleted_in_openai(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=["file_search"]))
    record = api.upload(assistant["id"], "file_search").get_json()
    store = local(api, assistant["id"])["vector_store_id"]
    openai_client.vector_stores.delete(store)

    assert_in_sync(sync_action(api, assistant["id"], "push"))

    new_store = local(api, assistant["id"])["vector_store_id"]
    assert new_store != store
    assert store_ids(openai_client, new_store) == {record["openai_id"]}


def test_push_creates_an_assistant_deleted_in_openai_again(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=["file_search"]))
    api.upload(assistant["id"], "file_search")
    delete_remote(openai_client, assistant["openai_id"])

    report = sync_action(api, assistant["id"], "push")

    assert_in_sync(report)
    after = local(api, assistant["id"])
    assert after["openai_id"] != assistant["openai_id"] and report["openai_id"] == after["openai_id"]
    assert read_remote(openai_client, after["openai_id"])["name"] == "Helper"
    assert after["vector_store_id"] == local(api, assistant["id"])["vector_store_id"]


def test_push_creates_an_assistant_never_pushed(api, openai_client, db_session):
    with db_session() as session:
        row = Assistant(team_id=1, name="Draft", model="gpt-4o", function_tools=[LOOKUP])
        session.add(row)
        session.commit()
        assistant_id = row.id

    report = sync_action(api, assistant_id, "push")

    assert_in_sync(report)
    assert read_remote(openai_client, report["openai_id"])["name"] == "Draft"


def test_push_of_every_change_at_once_ends_in_sync(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=["code_interpreter", "file_search"]))
    gone = api.upload(assistant["id"], "file_search", "gone.txt").get_json()
    deleted = api.upload(assistant["id"], "code_interpreter", "deleted.csv").get_json()
    store = local(api, assistant["id"])["vector_store_id"]
    openai_client.vector_stores.files.delete(gone["openai_id"], vector_store_id=store)
    openai_client.files.delete(deleted["openai_id"])
    added = upload_remote(openai_client, "added.txt")
    openai_client.vector_stores.files.create(store, file_id=added)
    change = {}
    for body, _, _ in FIELD_DRIFTS.values():
        change.update(body)
    modify_remote(openai_client, assistant["openai_id"], **change)

    assert_in_sync(sync_action(api, assistant["id"], "push"))


@pytest.mark.parametrize("action", ["pull", "push"])
def test_a_fix_while_openai_fails_answers_503_and_changes_nothing(api, openai_client,
                                                                  openai_standin, action):
    assistant = api.create(**baseline())
    modify_remote(openai_client, assistant["openai_id"], name="Renamed")
    before = local(api, assistant["id"])
    in_openai = read_remote(openai_client, assistant["openai_id"])
    openai_standin.inject_fault(status=500, times=None)

    error = sync_action(api, assistant["id"], action, expect=503)["error"]

    assert error["code"] == "remote_unavailable"
    openai_standin.clear_faults()
    assert local(api, assistant["id"]) == before
    assert read_remote(openai_client, assistant["openai_id"]) == in_openai


def test_pull_and_push_of_an_assistant_in_sync_change_nothing(api, openai_client):
    assistant = api.create(**baseline())
    before = local(api, assistant["id"])

    assert_in_sync(sync_action(api, assistant["id"], "pull"))
    assert local(api, assistant["id"]) == before
    assert_in_sync(sync_action(api, assistant["id"], "push"))
    assert without(local(api, assistant["id"])) == without(before)
