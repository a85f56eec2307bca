"""Per-file fixes under /api/assistants/<id>/sync/: each changes one file and ends in sync.

- ``files/<file_id>/upload``: make a local file present in OpenAI (multipart ``file`` optional);
- ``files/<file_id>/remove``: drop a local file from its tool;
- ``remote-files/<openai_id>/keep``: record a file only in OpenAI here (remote-only);
- ``remote-files/<openai_id>/remove``: detach a file only in OpenAI (the File is kept).
"""
from __future__ import annotations

import io

import pytest

from sync_helpers import (
    assert_in_sync,
    baseline,
    file_fix,
    local,
    modify_remote,
    read_remote,
    remote_file_exists,
    sync_action,
    sync_report,
    upload_remote,
)

BOTH = ["code_interpreter", "file_search"]


def store_ids(client, vector_store_id: str) -> set[str]:
    return {f.id for f in client.vector_stores.files.list(vector_store_id, limit=100)}


def multipart(content: bytes, filename: str) -> dict:
    return {"data": {"file": (io.BytesIO(content), filename)},
            "content_type": "multipart/form-data"}


def only_instructions_differ(report: dict) -> None:
    assert report["state"] == "out_of_sync"
    assert report["differences"] == [{"field": "instructions", "local": "Be kind.",
                                      "remote": "Changed in OpenAI."}]
    assert report["files_missing_locally"] == [] and report["files_missing_remotely"] == []


# -- upload ----------------------------------------------------------------------------------------

def test_upload_fix_attaches_a_detached_file_again_and_leaves_other_drift(
        api, openai_client, openai_standin):
    assistant = api.create(**baseline(builtin_tools=BOTH))
    record = api.upload(assistant["id"], "file_search").get_json()
    store = local(api, assistant["id"])["vector_store_id"]
    openai_client.vector_stores.files.delete(record["openai_id"], vector_store_id=store)
    modify_remote(openai_client, assistant["openai_id"], instructions="Changed in OpenAI.")
    openai_standin.reset_counts()

    report = file_fix(api, assistant["id"], f"files/{record['id']}/upload")

    only_instructions_differ(report)
    assert store_ids(openai_client, store) == {record["openai_id"]}
    assert openai_standin.count(method="POST", path_prefix="/v1/files") == 0  # nothing uploaded
    assert local(api, assistant["id"])["files"] == [record]


def test_upload_fix_uploads_the_stored_content_of_a_file_deleted_in_openai(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=BOTH))
    record = api.upload(assistant["id"], "code_interpreter", "data.csv", b"a,b\n").get_json()
    openai_client.files.delete(record["openai_id"])

    assert_in_sync(file_fix(api, assistant["id"], f"files/{record['id']}/upload"))

    [again] = local(api, assistant["id"])["files"]
    assert again["id"] == record["id"] and again["openai_id"] != record["openai_id"]
    assert openai_client.files.content(again["openai_id"]).read() == b"a,b\n"
    remote = read_remote(openai_client, assistant["openai_id"])
    assert remote["tool_resources"]["code_interpreter"]["file_ids"] == [again["openai_id"]]


def test_upload_fix_of_a_remote_only_file_gone_in_openai_needs_the_file(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=BOTH))
    store = api.get(f"/assistants/{assistant['id']}").get_json()["vector_store_id"]
    added = upload_remote(openai_client, "manual.pdf", b"%PDF old")
    openai_client.vector_stores.files.create(store, file_id=added)
    sync_action(api, assistant["id"], "pull")
    [record] = local(api, assistant["id"])["files"]
    openai_client.files.delete(added)
    assert sync_report(api, assistant["id"])["files_missing_remotely"] == [
        {"id": record["id"], "filename": "manual.pdf", "openai_id": added, "tool": "file_search"}]

    error = file_fix(api, assistant["id"], f"files/{record['id']}/upload", expect=400)["error"]
    assert list(error["fields"]) == ["file"]
    assert local(api, assistant["id"])["files"] == [record]

    report = file_fix(api, assistant["id"], f"files/{record['id']}/upload",
                      **multipart(b"%PDF new", "manual-v2.pdf"))

    assert_in_sync(report)
    [fixed] = local(api, assistant["id"])["files"]
    assert fixed["id"] == record["id"] and fixed["remote_only"] is False
    assert fixed["filename"] == "manual-v2.pdf" and fixed["bytes"] == len(b"%PDF new")
    assert store_ids(openai_client, store) == {fixed["openai_id"]}


def test_upload_fix_with_new_content_replaces_the_file_and_deletes_the_unused_old_one(
        api, openai_client):
    assistant = api.create(**baseline(builtin_tools=BOTH))
    store = local(api, assistant["id"])["vector_store_id"]
    added = upload_remote(openai_client, "notes.txt", b"old")
    openai_client.vector_stores.files.create(store, file_id=added)
    sync_action(api, assistant["id"], "pull")
    [record] = local(api, assistant["id"])["files"]

    assert_in_sync(file_fix(api, assistant["id"], f"files/{record['id']}/upload",
                            **multipart(b"new", "notes.txt")))

    [fixed] = local(api, assistant["id"])["files"]
    assert fixed["openai_id"] != added and fixed["remote_only"] is False
    assert not remote_file_exists(openai_client, added)


def test_upload_fix_of_an_empty_file_is_refused(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=BOTH))
    record = api.upload(assistant["id"], "file_search").get_json()

    error = file_fix(api, assistant["id"], f"files/{record['id']}/upload", expect=400,
                     **multipart(b"", "empty.txt"))["error"]

    assert list(error["fields"]) == ["file"]


# -- remove ----------------------------------------------------------------------------------------

def test_remove_fix_drops_a_local_file_missing_in_openai(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=BOTH))
    gone = api.upload(assistant["id"], "file_search", "gone.txt").get_json()
    kept = api.upload(assistant["id"], "file_search", "kept.txt").get_json()
    store = local(api, assistant["id"])["vector_store_id"]
    openai_client.vector_stores.files.delete(gone["openai_id"], vector_store_id=store)
    modify_remote(openai_client, assistant["openai_id"], instructions="Changed in OpenAI.")

    report = file_fix(api, assistant["id"], f"files/{gone['id']}/remove")

    only_instructions_differ(report)
    assert local(api, assistant["id"])["files"] == [kept]
    assert not remote_file_exists(openai_client, gone["openai_id"])  # nothing else used it


def test_remove_fix_of_an_attached_file_detaches_it(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=BOTH))
    record = api.upload(assistant["id"], "code_interpreter", "a.csv").get_json()

    assert_in_sync(file_fix(api, assistant["id"], f"files/{record['id']}/remove"))

    remote = read_remote(openai_client, assistant["openai_id"])
    assert remote["tool_resources"]["code_interpreter"]["file_ids"] == []
    assert local(api, assistant["id"])["files"] == []


# -- files only in OpenAI --------------------------------------------------------------------------

def test_keep_fix_records_a_file_only_in_openai_as_remote_only(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=BOTH))
    store = local(api, assistant["id"])["vector_store_id"]
    added = upload_remote(openai_client, "added.txt")
    openai_client.vector_stores.files.create(store, file_id=added)
    modify_remote(openai_client, assistant["openai_id"], instructions="Changed in OpenAI.")

    report = file_fix(api, assistant["id"], f"remote-files/{added}/keep")

    only_instructions_differ(report)
    [record] = local(api, assistant["id"])["files"]
    assert (record["openai_id"], record["filename"], record["tool"], record["remote_only"]) == (
        added, "added.txt", "file_search", True)


def test_remove_fix_detaches_a_file_only_in_openai_and_keeps_the_file(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=BOTH))
    coded = upload_remote(openai_client, "added.csv")
    store = local(api, assistant["id"])["vector_store_id"]
    modify_remote(openai_client, assistant["openai_id"], instructions="Changed in OpenAI.",
                  tool_resources={"code_interpreter": {"file_ids": [coded]},
                                  "file_search": {"vector_store_ids": [store]}})

    report = file_fix(api, assistant["id"], f"remote-files/{coded}/remove",
                      query_string={"tool": "code_interpreter"})

    only_instructions_differ(report)
    remote = read_remote(openai_client, assistant["openai_id"])
    assert remote["tool_resources"]["code_interpreter"]["file_ids"] == []
    assert remote_file_exists(openai_client, coded)
    assert local(api, assistant["id"])["files"] == []


def test_a_file_in_both_tools_in_openai_needs_the_tool(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=BOTH))
    store = local(api, assistant["id"])["vector_store_id"]
    both = upload_remote(openai_client, "both.txt")
    openai_client.vector_stores.files.create(store, file_id=both)
    modify_remote(openai_client, assistant["openai_id"],
                  tool_resources={"code_interpreter": {"file_ids": [both]},
                                  "file_search": {"vector_store_ids": [store]}})

    error = file_fix(api, assistant["id"], f"remote-files/{both}/keep", expect=400)["error"]
    assert list(error["fields"]) == ["tool"]

    file_fix(api, assistant["id"], f"remote-files/{both}/keep",
             query_string={"tool": "file_search"})
    assert_in_sync(file_fix(api, assistant["id"], f"remote-files/{both}/keep",
                            query_string={"tool": "code_interpreter"}))


@pytest.mark.parametrize("path, status, field", [
    ("files/999999/upload", 404, None),
    ("files/999999/remove", 404, None),
    ("remote-files/file-unknown/keep", 404, None),
    ("remote-files/file-unknown/remove", 404, None),
    ("remote-files/file-unknown/keep?tool=retrieval", 400, "tool"),
    ("remote-files/file-unknown/remove?tool=retrieval", 400, "tool"),
    ("remote-files/file-unknown/remove?tool=file_search&extra=1", 400, "extra"),
])
def test_bad_file_fixes_are_refused_and_change_nothing(api, openai_client, path, status, field):
    assistant = api.create(**baseline(builtin_tools=BOTH))
    api.upload(assistant["id"], "file_search")
    before = local(api, assistant["id"])
    in_openai = read_remote(openai_client, assistant["openai_id"])

    error = file_fix(api, assistant["id"], path, expect=status)["error"]

    if field:
        assert list(error["fields"]) == [field]
    assert local(api, assistant["id"]) == before
    assert read_remote(openai_client, assistant["openai_id"]) == in_openai


def test_a_file_known_here_is_not_a_remote_only_file(api, openai_client):
    assistant = api.create(**baseline(builtin_tools=BOTH))
    record = api.upload(assistant["id"], "file_search").get_json()

    error = file_fix(api, assistant["id"], f"remote-files/{record['openai_id']}/remove",
                     expect=409)["error"]

    assert "not missing here" in error["message"]


# -- shared files ---------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["files_route", "sync_fix"])
def test_a_pulled_remote_only_file_shared_with_another_assistant_is_not_deleted(
        api, openai_client, how):
    other = api.create(**baseline(name="Other", builtin_tools=["file_search"]))
    shared = api.upload(other["id"], "file_search", "shared.txt").get_json()
    assistant = api.create(**baseline(builtin_tools=["file_search"]))
    store = local(api, assistant["id"])["vector_store_id"]
    openai_client.vector_stores.files.create(store, file_id=shared["openai_id"])
    sync_action(api, assistant["id"], "pull")
    [pulled] = local(api, assistant["id"])["files"]
    assert pulled["remote_only"] is True and pulled["openai_id"] == shared["openai_id"]

    if how == "files_route":
        response = api.delete(f"/assistants/{assistant['id']}/files/{pulled['id']}")
        assert response.status_code == 204
        assert_in_sync(sync_report(api, assistant["id"]))
    else:
        assert_in_sync(file_fix(api, assistant["id"], f"files/{pulled['id']}/remove"))

    assert remote_file_exists(openai_client, shared["openai_id"])
    assert store_ids(openai_client, store) == set()
    assert_in_sync(sync_report(api, other["id"]))


@pytest.mark.parametrize("how", ["files_route", "sync_fix"])
def test_a_pulled_remote_only_file_used_nowhere_else_is_deleted_when_removed(
        api, openai_client, how):
    assistant = api.create(**baseline(builtin_tools=["file_search"]))
    store = local(api, assistant["id"])["vector_store_id"]
    added = upload_remote(openai_client, "alone.txt")
    openai_client.vector_stores.files.create(store, file_id=added)
    sync_action(api, assistant["id"], "pull")
    [pulled] = local(api, assistant["id"])["files"]

    if how == "files_route":
        assert api.delete(f"/assistants/{assistant['id']}/files/{pulled['id']}").status_code == 204
    else:
        file_fix(api, assistant["id"], f"files/{pulled['id']}/remove")

    assert not remote_file_exists(openai_client, added)
