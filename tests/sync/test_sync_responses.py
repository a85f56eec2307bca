"""The sync check on the ``responses`` backend: the configuration is local, so what is compared
is the vector store and the files (DESIGN 1.4)."""
from __future__ import annotations

import pytest

from sync_helpers import assert_in_sync, local, sync_action, sync_report, upload_remote


@pytest.fixture
def app_config():
    return {"OCS_ASSISTANTS_BACKEND": "responses"}


@pytest.fixture
def assistant(api):
    created = api.create(name="Local", builtin_tools=["file_search", "code_interpreter"])
    assert created["backend"] == "responses" and created["openai_id"] is None
    return created


def test_a_responses_assistant_with_its_files_is_in_sync(api, assistant):
    api.upload(assistant["id"], "file_search", "a.txt")
    api.upload(assistant["id"], "code_interpreter", "b.csv")

    report = sync_report(api, assistant["id"])

    assert_in_sync(report)
    assert report["openai_id"] is None


def test_files_changed_in_openai_are_reported_and_fixed_by_push(api, openai_client, assistant):
    gone = api.upload(assistant["id"], "file_search", "gone.txt").get_json()
    deleted = api.upload(assistant["id"], "code_interpreter", "deleted.csv").get_json()
    store = local(api, assistant["id"])["vector_store_id"]
    openai_client.vector_stores.files.delete(gone["openai_id"], vector_store_id=store)
    openai_client.files.delete(deleted["openai_id"])
    added = upload_remote(openai_client, "added.txt")
    openai_client.vector_stores.files.create(store, file_id=added)

    report = sync_report(api, assistant["id"])

    assert report["state"] == "out_of_sync" and report["differences"] == []
    assert report["files_missing_locally"] == [
        {"openai_id": added, "filename": "added.txt", "tool": "file_search"}]
    assert [f["id"] for f in report["files_missing_remotely"]] == [gone["id"], deleted["id"]]

    assert_in_sync(sync_action(api, assistant["id"], "push"))


def test_a_deleted_store_is_reported_and_pushed_again(api, openai_client, assistant):
    record = api.upload(assistant["id"], "file_search").get_json()
    store = local(api, assistant["id"])["vector_store_id"]
    openai_client.vector_stores.delete(store)

    report = sync_report(api, assistant["id"])

    assert report["differences"] == [{"field": "vector_store_id", "local": store,
                                      "remote": None}]
    assert [f["id"] for f in report["files_missing_remotely"]] == [record["id"]]
    assert_in_sync(sync_action(api, assistant["id"], "push"))
    assert local(api, assistant["id"])["vector_store_id"] != store


def test_pull_records_a_file_added_in_openai(api, openai_client, assistant):
    api.upload(assistant["id"], "file_search")
    store = local(api, assistant["id"])["vector_store_id"]
    added = upload_remote(openai_client, "added.txt")
    openai_client.vector_stores.files.create(store, file_id=added)

    assert_in_sync(sync_action(api, assistant["id"], "pull"))

    assert added in {f["openai_id"] for f in local(api, assistant["id"])["files"]
                     if f["remote_only"]}
