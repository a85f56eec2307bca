"""A released version changed in OpenAI: reported, read-only here, restored from its snapshot."""
from __future__ import annotations

import pytest

from sync_helpers import (
    assert_in_sync,
    baseline,
    delete_remote,
    file_fix,
    local,
    modify_remote,
    read_remote,
    sync_action,
    sync_report,
    upload_remote,
)


@pytest.fixture
def version(api, openai_client, release_version):
    """A released version (with a file in each tool) of a working assistant: its JSON."""
    working = api.create(**baseline(builtin_tools=["code_interpreter", "file_search"]))
    api.upload(working["id"], "file_search", "guide.txt")
    api.upload(working["id"], "code_interpreter", "table.csv")
    version_id = release_version(working["id"])
    body = local(api, version_id)
    assert body["is_version"] and body["openai_id"] not in (None, working["openai_id"])
    return body


def test_a_released_version_starts_in_sync(api, version):
    report = sync_report(api, version["id"])

    assert_in_sync(report)
    assert report["is_version"] is True and report["openai_id"] == version["openai_id"]


def test_a_version_changed_in_openai_is_reported_with_restore_offered(api, openai_client,
                                                                      version):
    modify_remote(openai_client, version["openai_id"], instructions="Hacked.")

    report = sync_report(api, version["id"])

    assert report["state"] == "out_of_sync" and report["is_version"] is True
    assert report["differences"] == [{"field": "instructions", "local": "Be kind.",
                                      "remote": "Hacked."}]
    assert "was modified in OpenAI" in report["message"]
    assert "Restore" in report["message"] and "nothing changes here" in report["message"]


@pytest.mark.parametrize("action", ["pull", "push"])
def test_pull_and_push_of_a_version_are_refused(api, openai_client, version, action):
    modify_remote(openai_client, version["openai_id"], instructions="Hacked.")
    in_openai = read_remote(openai_client, version["openai_id"])

    error = sync_action(api, version["id"], action, expect=409)["error"]

    assert error["code"] == "conflict" and "read-only" in error["message"]
    assert "restore" in error["message"]
    assert local(api, version["id"]) == version
    assert read_remote(openai_client, version["openai_id"]) == in_openai


def test_file_fixes_of_a_version_are_refused(api, openai_client, version):
    store = version["vector_store_id"]
    added = upload_remote(openai_client, "added.txt")
    openai_client.vector_stores.files.create(store, file_id=added)
    record = version["files"][0]

    for path in (f"files/{record['id']}/upload", f"files/{record['id']}/remove",
                 f"remote-files/{added}/keep", f"remote-files/{added}/remove"):
        assert file_fix(api, version["id"], path, expect=409)["error"]["code"] == "conflict"
    assert local(api, version["id"]) == version


def test_restore_pushes_the_snapshot_back_and_changes_nothing_here(api, openai_client, version):
    store = version["vector_store_id"]
    added = upload_remote(openai_client, "added.txt")
    openai_client.vector_stores.files.create(store, file_id=added)
    guide = next(f for f in version["files"] if f["tool"] == "file_search")
    openai_client.vector_stores.files.delete(guide["openai_id"], vector_store_id=store)
    modify_remote(openai_client, version["openai_id"], instructions="Hacked.", name="Other",
                  temperature=0.1)

    report = sync_action(api, version["id"], "restore")

    assert_in_sync(report)
    assert local(api, version["id"]) == version
    remote = read_remote(openai_client, version["openai_id"])
    assert (remote["name"], remote["instructions"]) == (version["name"], "Be kind.")


def test_restore_of_a_version_deleted_in_openai_creates_it_again(api, openai_client, version):
    delete_remote(openai_client, version["openai_id"])
    assert sync_report(api, version["id"])["state"] == "remote_missing"

    report = sync_action(api, version["id"], "restore")

    assert_in_sync(report)
    after = local(api, version["id"])
    assert after["openai_id"] != version["openai_id"]
    # Only the OpenAI id changed (and so the row's updated_at).
    assert {**after, "openai_id": version["openai_id"], "updated_at": version["updated_at"]} == \
        version


def test_restore_of_a_working_assistant_is_refused(api):
    assistant = api.create(**baseline())

    error = sync_action(api, assistant["id"], "restore", expect=409)["error"]

    assert "restore is for versions" in error["message"]


def test_the_working_assistant_is_checked_apart_from_its_versions(api, openai_client, version):
    modify_remote(openai_client, version["openai_id"], instructions="Hacked.")

    assert_in_sync(sync_report(api, version["working_id"]))
