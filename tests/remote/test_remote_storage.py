"""RemoteStorage: files and vector stores, within OpenAI's limits and with few requests."""
from __future__ import annotations

import io

import pytest

from ocs_assistant_plugin.errors import RemoteUnavailable
from ocs_assistant_plugin.remote.storage import StoreFilesChange


def test_upload_file_from_bytes_and_from_a_file_object(storage, openai_client, openai_standin):
    first = storage.upload_file("notes.txt", b"hello")
    second = storage.upload_file("data.csv", io.BytesIO(b"a,b\n1,2\n"))

    assert (first.filename, first.bytes) == ("notes.txt", 5)
    assert second.filename == "data.csv"
    assert openai_client.files.retrieve(first.openai_id).purpose == "assistants"
    assert openai_standin.count(method="POST", path_prefix="/v1/files") == 2


def test_file_names_asks_for_each_file_by_id_never_the_project_list(storage, upload_many,
                                                                     openai_standin):
    files = upload_many(30)
    openai_standin.seed_files(500)  # the rest of the project: never read
    openai_standin.reset_counts()

    names = storage.file_names([f.openai_id for f in files])

    assert names == {f.openai_id: f for f in files}
    assert sorted(r.path for r in openai_standin.requests) == sorted(
        f"/v1/files/{f.openai_id}" for f in files)


def test_file_names_of_many_files_for_an_import_reads_the_project_list_once(
        storage, openai_client, openai_standin):
    ids = openai_standin.seed_files(600, filename="doc-{index:04d}.txt")
    openai_standin.reset_counts()

    names = storage.file_names(ids, may_list_project=True)

    assert [names[i].filename for i in ids] == [f"doc-{n:04d}.txt" for n in range(600)]
    assert openai_standin.count() == 1
    assert openai_standin.count(method="GET", path_prefix="/v1/files") == 1


def test_an_import_reads_at_most_one_page_of_the_project_per_thousand_files(
        storage, openai_standin):
    ids = openai_standin.seed_files(600)
    openai_standin.seed_files(10000)  # newer: the first page of the project shows none of ``ids``
    openai_standin.reset_counts()

    names = storage.file_names(ids, may_list_project=True)

    assert set(names) == set(ids)
    assert len([r for r in openai_standin.requests if r.path == "/v1/files"]) == 1
    assert openai_standin.count(path_prefix="/v1/files/") == 600  # the rest by id


def test_file_names_of_one_file_is_one_request(storage, upload_many, openai_standin):
    (only,) = upload_many(1)
    openai_standin.reset_counts()

    assert storage.file_names([only.openai_id]) == {only.openai_id: only}
    assert openai_standin.count() == 1


def test_file_names_leaves_out_unknown_ids(storage, upload_many, openai_standin):
    files = upload_many(3)
    openai_standin.reset_counts()

    names = storage.file_names([files[0].openai_id, "file-gone1", files[2].openai_id, "file-gone2"])

    assert list(names) == [files[0].openai_id, files[2].openai_id]
    assert openai_standin.count(method="GET") == 4  # each by id: a missing one by its own 404


def test_file_names_finds_files_of_another_purpose_by_id(storage, upload_many, openai_client,
                                                         openai_standin):
    (mine,) = upload_many(1)
    other = openai_client.files.create(file=("other.jsonl", b"{}"), purpose="user_data")
    openai_standin.reset_counts()

    names = storage.file_names([mine.openai_id, other.id])

    assert names[other.id].filename == "other.jsonl" and names[mine.openai_id] == mine
    assert openai_standin.count() == 2  # the list (purpose=assistants), then the one it missed


def test_file_names_of_nothing_asks_nothing(storage, openai_standin):
    assert storage.file_names([]) == {}
    assert openai_standin.count() == 0


def test_create_vector_store_up_to_500_files_is_one_request(storage, upload_many, store_file_ids,
                                                            openai_standin):
    ids = [f.openai_id for f in upload_many(500)]
    openai_standin.reset_counts()

    store_id = storage.create_vector_store("five hundred", ids)

    assert openai_standin.count() == 1
    assert store_file_ids(store_id) == set(ids)


def test_create_vector_store_over_500_files_adds_the_rest_in_a_batch(
        storage, upload_many, store_file_ids, openai_standin):
    ids = [f.openai_id for f in upload_many(503)]
    openai_standin.reset_counts()

    store_id = storage.create_vector_store("five hundred and three", ids)

    assert openai_standin.count(method="POST", path_prefix="/v1/vector_stores") == 2
    assert openai_standin.count(
        method="POST", path_prefix=f"/v1/vector_stores/{store_id}/file_batches") == 1
    assert store_file_ids(store_id) == set(ids)


def test_failed_batch_deletes_the_new_store(storage, upload_many, openai_client, openai_standin):
    ids = [f.openai_id for f in upload_many(501)]  # 500 inline, then one more attach that fails
    openai_standin.inject_fault(status=500, times=10, method="POST",
                                path_prefix="/v1/vector_stores/")

    with pytest.raises(RemoteUnavailable):
        storage.create_vector_store("doomed", ids)

    assert list(openai_client.vector_stores.list()) == []


def test_list_vector_store_file_ids_reads_every_page(storage, upload_many, openai_standin):
    ids = [f.openai_id for f in upload_many(201)]
    store_id = storage.create_vector_store("pages", ids)
    openai_standin.reset_counts()

    listed = storage.list_vector_store_file_ids(store_id)

    assert sorted(listed) == sorted(ids)
    assert openai_standin.count() == 3  # 100 + 100 + 1


def test_set_vector_store_files_attaches_and_detaches(storage, upload_many, store_file_ids,
                                                      openai_client, openai_standin):
    a, b, c, d, e = (f.openai_id for f in upload_many(5))
    store_id = storage.create_vector_store("s", [a, b, c])
    openai_standin.reset_counts()

    change = storage.set_vector_store_files(store_id, [a, d, e])

    # 1 list + 1 batch for the two new files + 2 detaches
    assert openai_standin.count() == 4
    assert openai_standin.count(method="POST",
                                path_prefix=f"/v1/vector_stores/{store_id}/file_batches") == 1
    assert change == StoreFilesChange(attached=(d, e), detached=(b, c))
    assert store_file_ids(store_id) == {a, d, e}
    assert {openai_client.files.retrieve(i).id for i in (b, c)} == {b, c}  # Files kept


def test_set_vector_store_files_attaches_a_single_file_directly(storage, upload_many, store_file_ids,
                                                                openai_standin):
    a, b = (f.openai_id for f in upload_many(2))
    store_id = storage.create_vector_store("s", [a])
    openai_standin.reset_counts()

    assert storage.set_vector_store_files(store_id, [a, b]) == StoreFilesChange(attached=(b,))
    assert openai_standin.count(method="POST",
                                path_prefix=f"/v1/vector_stores/{store_id}/files") == 1
    assert store_file_ids(store_id) == {a, b}


def test_set_vector_store_files_when_nothing_changes_only_lists(storage, upload_many, openai_standin):
    ids = [f.openai_id for f in upload_many(3)]
    store_id = storage.create_vector_store("s", ids)
    openai_standin.reset_counts()

    assert storage.set_vector_store_files(store_id, reversed(ids)) == StoreFilesChange()
    assert openai_standin.count() == 1


def test_delete_file_and_store(storage, upload_many, openai_client, store_file_ids):
    a, b = (f.openai_id for f in upload_many(2))
    store_id = storage.create_vector_store("s", [a, b])

    storage.delete_file(a)
    assert store_file_ids(store_id) == {b}  # deleting a File removes it from its stores
    storage.delete_vector_store(store_id)

    assert [f.id for f in openai_client.files.list()] == [b]
    assert list(openai_client.vector_stores.list()) == []
