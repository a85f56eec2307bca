"""Vector stores, their files and file batches."""
from __future__ import annotations

import openai
import pytest


def test_create_store_with_files_counts_them(openai_client, upload):
    files = [upload(b"x" * n, f"{n}.txt") for n in (10, 20)]

    store = openai_client.vector_stores.create(name="kb", file_ids=[f.id for f in files],
                                               metadata={"owner": "me"})

    assert store.id.startswith("vs_")
    assert (store.object, store.name, store.status) == ("vector_store", "kb", "completed")
    assert store.metadata == {"owner": "me"}
    assert store.usage_bytes == 30
    counts = store.file_counts
    assert (counts.completed, counts.total, counts.in_progress, counts.failed,
            counts.cancelled) == (2, 2, 0, 0, 0)


def test_store_without_name_has_an_empty_name(openai_client):
    assert openai_client.vector_stores.create().name == ""


def test_update_store(openai_client):
    store = openai_client.vector_stores.create(name="old")

    updated = openai_client.vector_stores.update(
        store.id, name="new", metadata={"k": "v"},
        expires_after={"anchor": "last_active_at", "days": 2})

    assert (updated.name, updated.metadata) == ("new", {"k": "v"})
    assert updated.expires_after.days == 2
    assert updated.expires_at == updated.last_active_at + 2 * 86400
    assert openai_client.vector_stores.retrieve(store.id) == updated


def test_delete_store_keeps_its_files(openai_client, upload):
    file = upload()
    store = openai_client.vector_stores.create(file_ids=[file.id])

    deleted = openai_client.vector_stores.delete(store.id)

    assert (deleted.object, deleted.deleted) == ("vector_store.deleted", True)
    assert openai_client.files.retrieve(file.id).id == file.id
    with pytest.raises(openai.NotFoundError):
        openai_client.vector_stores.retrieve(store.id)


def test_deleting_a_file_removes_it_from_every_store(openai_client, upload):
    gone, kept = upload(b"gone", "gone.txt"), upload(b"kept", "kept.txt")
    stores = [openai_client.vector_stores.create(file_ids=[gone.id, kept.id])
              for _ in range(2)]

    openai_client.files.delete(gone.id)

    for store in stores:
        listed = openai_client.vector_stores.files.list(store.id)
        assert [f.id for f in listed.data] == [kept.id]
        refreshed = openai_client.vector_stores.retrieve(store.id)
        assert refreshed.file_counts.total == 1 and refreshed.usage_bytes == 4


def test_attach_retrieve_update_detach_a_file(openai_client, upload):
    store, file = openai_client.vector_stores.create(), upload(b"abc")

    attached = openai_client.vector_stores.files.create(
        vector_store_id=store.id, file_id=file.id, attributes={"lang": "en", "page": 3})
    assert (attached.id, attached.object, attached.status) == (file.id, "vector_store.file",
                                                               "completed")
    assert (attached.vector_store_id, attached.usage_bytes) == (store.id, 3)
    assert attached.last_error is None
    assert attached.chunking_strategy.static.max_chunk_size_tokens == 800

    updated = openai_client.vector_stores.files.update(file.id, vector_store_id=store.id,
                                                       attributes={"lang": "fr"})
    assert updated.attributes == {"lang": "fr"}
    assert openai_client.vector_stores.files.retrieve(
        file.id, vector_store_id=store.id).attributes == {"lang": "fr"}

    detached = openai_client.vector_stores.files.delete(file.id, vector_store_id=store.id)
    assert (detached.object, detached.deleted) == ("vector_store.file.deleted", True)
    assert openai_client.vector_stores.retrieve(store.id).file_counts.total == 0
    assert openai_client.files.retrieve(file.id).id == file.id  # the File stays


def test_attaching_twice_keeps_one_file(openai_client, upload):
    store, file = openai_client.vector_stores.create(), upload()

    for _ in range(2):
        openai_client.vector_stores.files.create(vector_store_id=store.id, file_id=file.id)

    assert openai_client.vector_stores.retrieve(store.id).file_counts.total == 1


def test_list_store_files_filter(openai_client, upload):
    file = upload()
    store = openai_client.vector_stores.create(file_ids=[file.id])

    completed = openai_client.vector_stores.files.list(store.id, filter="completed")
    in_progress = openai_client.vector_stores.files.list(store.id, filter="in_progress")

    assert [f.id for f in completed.data] == [file.id]
    assert in_progress.data == []
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.vector_stores.files.list(store.id, filter="done")
    assert caught.value.param == "filter"


def test_create_and_poll_helper_finishes_at_once(openai_client, upload):
    store, file = openai_client.vector_stores.create(), upload()

    attached = openai_client.vector_stores.files.create_and_poll(file_id=file.id,
                                                                 vector_store_id=store.id)

    assert attached.status == "completed"


def test_file_batch_attaches_all_files(openai_client, upload):
    store = openai_client.vector_stores.create()
    files = [upload(f"{i}".encode(), f"{i}.txt") for i in range(3)]

    batch = openai_client.vector_stores.file_batches.create(
        store.id, file_ids=[f.id for f in files], attributes={"source": "batch"})

    assert batch.id.startswith("vsfb_")
    assert (batch.object, batch.status, batch.vector_store_id) == (
        "vector_store.files_batch", "completed", store.id)
    assert (batch.file_counts.completed, batch.file_counts.total) == (3, 3)
    assert openai_client.vector_stores.file_batches.retrieve(
        batch.id, vector_store_id=store.id) == batch
    listed = openai_client.vector_stores.file_batches.list_files(batch.id,
                                                                 vector_store_id=store.id)
    assert sorted(f.id for f in listed.data) == sorted(f.id for f in files)
    assert {tuple(f.attributes.items()) for f in listed.data} == {(("source", "batch"),)}
    assert openai_client.vector_stores.retrieve(store.id).file_counts.total == 3


def test_file_batch_with_per_file_options(openai_client, upload):
    store, file = openai_client.vector_stores.create(), upload()

    openai_client.vector_stores.file_batches.create(store.id, files=[{
        "file_id": file.id, "attributes": {"page": 1},
        "chunking_strategy": {"type": "static", "static": {"max_chunk_size_tokens": 200,
                                                           "chunk_overlap_tokens": 50}}}])

    attached = openai_client.vector_stores.files.retrieve(file.id, vector_store_id=store.id)
    assert attached.attributes == {"page": 1}
    assert attached.chunking_strategy.static.max_chunk_size_tokens == 200


def test_file_batch_lists_only_its_own_files(openai_client, upload):
    earlier, mine = upload(b"a", "a.txt"), upload(b"b", "b.txt")
    store = openai_client.vector_stores.create(file_ids=[earlier.id])

    batch = openai_client.vector_stores.file_batches.create(store.id, file_ids=[mine.id])

    listed = openai_client.vector_stores.file_batches.list_files(batch.id,
                                                                 vector_store_id=store.id)
    assert [f.id for f in listed.data] == [mine.id]


def test_file_batch_files_paginate(openai_client, upload):
    store = openai_client.vector_stores.create()
    files = [upload(f"{i}".encode(), f"{i}.txt") for i in range(5)]
    batch = openai_client.vector_stores.file_batches.create(store.id,
                                                            file_ids=[f.id for f in files])

    first = openai_client.vector_stores.file_batches.list_files(
        batch.id, vector_store_id=store.id, limit=2, order="asc")
    assert [f.id for f in first.data] == [files[0].id, files[1].id]
    assert first.has_more is True
    every = list(first)  # the SDK follows the pages with ``after``
    assert [f.id for f in every] == [f.id for f in files]


def test_cancel_a_completed_batch_returns_it_unchanged(openai_client, upload):
    store, file = openai_client.vector_stores.create(), upload()
    batch = openai_client.vector_stores.file_batches.create(store.id, file_ids=[file.id])

    cancelled = openai_client.vector_stores.file_batches.cancel(batch.id,
                                                               vector_store_id=store.id)

    assert cancelled == batch


def test_create_and_poll_batch_helper_finishes_at_once(openai_client, upload):
    store, file = openai_client.vector_stores.create(), upload()

    batch = openai_client.vector_stores.file_batches.create_and_poll(store.id,
                                                                     file_ids=[file.id])

    assert batch.file_counts.in_progress == 0 and batch.file_counts.completed == 1


@pytest.mark.parametrize("call", [
    lambda c: c.vector_stores.retrieve("vs_missing"),
    lambda c: c.vector_stores.update("vs_missing", name="x"),
    lambda c: c.vector_stores.delete("vs_missing"),
    lambda c: c.vector_stores.files.list("vs_missing"),
    lambda c: c.vector_stores.files.create(vector_store_id="vs_missing", file_id="file-x"),
    lambda c: c.vector_stores.file_batches.create("vs_missing", file_ids=["file-x"]),
], ids=["retrieve", "update", "delete", "list-files", "attach", "batch"])
def test_unknown_store_is_404(openai_client, call):
    with pytest.raises(openai.NotFoundError) as caught:
        call(openai_client)

    assert caught.value.body["message"] == "No vector store found with id 'vs_missing'."


def test_file_not_in_store_is_404(openai_client, upload):
    store, file = openai_client.vector_stores.create(), upload()

    with pytest.raises(openai.NotFoundError) as caught:
        openai_client.vector_stores.files.retrieve(file.id, vector_store_id=store.id)

    assert store.id in caught.value.message


def test_batch_of_another_store_is_404(openai_client, upload):
    file = upload()
    store, other = openai_client.vector_stores.create(), openai_client.vector_stores.create()
    batch = openai_client.vector_stores.file_batches.create(store.id, file_ids=[file.id])

    with pytest.raises(openai.NotFoundError):
        openai_client.vector_stores.file_batches.retrieve(batch.id, vector_store_id=other.id)
