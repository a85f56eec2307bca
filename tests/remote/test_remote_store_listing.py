"""RemoteStorage.list_store: every page of a store asked for at once from remembered cursors,
and still exactly OpenAI's listing when the store changed since or a cursor is refused."""
from __future__ import annotations

import pytest

from ocs_assistant_plugin.errors import RemoteNotFound
from ocs_assistant_plugin.remote import StoreListing


@pytest.fixture
def store(openai_client, openai_standin):
    """``store(n)`` -> (store id, its n file ids in listing order)."""
    def make(count: int):
        ids = openai_standin.seed_files(count)
        store_id = openai_client.vector_stores.create(file_ids=ids[:500]).id
        if ids[500:]:
            openai_client.vector_stores.file_batches.create(store_id, file_ids=ids[500:])
        return store_id, ids
    return make


def sdk_listing(openai_client, store_id: str) -> list[str]:
    return [f.id for f in openai_client.vector_stores.files.list(store_id, order="asc")]


def page_requests(openai_standin, store_id: str) -> list:
    return [r for r in openai_standin.requests
            if r.path == f"/v1/vector_stores/{store_id}/files"]


def test_without_cursors_the_pages_follow_one_another(storage, store, openai_standin):
    store_id, ids = store(250)
    openai_standin.reset_counts()

    listing = storage.list_store(store_id)

    assert listing == StoreListing(store_id, tuple(ids))
    pages = page_requests(openai_standin, store_id)
    assert [p.query.get("after") for p in pages] == [None, [ids[99]], [ids[199]]]
    assert all(a.finished < b.started for a, b in zip(pages, pages[1:]))


def test_with_the_cursors_of_the_last_listing_every_page_goes_out_at_once(storage, store,
                                                                          openai_standin):
    store_id, ids = store(450)
    cursors = StoreListing(store_id, tuple(ids)).page_cursors
    assert cursors == (ids[99], ids[199], ids[299], ids[399])
    openai_standin.reset_counts()
    openai_standin.latency = 0.5

    listing = storage.list_store(store_id, cursors)

    assert listing.file_ids == tuple(ids)
    pages = page_requests(openai_standin, store_id)
    assert len(pages) == 5 == openai_standin.count()
    assert max(p.started for p in pages) < min(p.finished for p in pages)


def test_files_detached_anywhere_cost_no_request_more(storage, store, openai_client,
                                                      openai_standin):
    store_id, ids = store(450)
    cursors = StoreListing(store_id, tuple(ids)).page_cursors
    for gone in (ids[0], ids[99], ids[250], ids[449]):  # a first, a cursor, a middle, the last
        openai_client.vector_stores.files.delete(gone, vector_store_id=store_id)
    openai_standin.reset_counts()

    listing = storage.list_store(store_id, cursors)

    assert len(page_requests(openai_standin, store_id)) == 5
    assert list(listing.file_ids) == sdk_listing(openai_client, store_id)
    assert len(listing.file_ids) == 446


def test_files_added_since_are_listed_page_by_page_after_the_last_one(storage, store,
                                                                       openai_client,
                                                                       openai_standin):
    store_id, ids = store(150)
    cursors = StoreListing(store_id, tuple(ids)).page_cursors
    added = openai_standin.seed_files(120)
    openai_client.vector_stores.file_batches.create(store_id, file_ids=added)
    openai_standin.reset_counts()

    listing = storage.list_store(store_id, cursors)

    assert listing.file_ids == tuple(ids + added)
    walked = page_requests(openai_standin, store_id)[2:]
    assert [p.query["after"] for p in walked] == [[added[49]]]  # the 70 after the last page


def test_a_refused_cursor_is_not_used_and_the_listing_stays_exact(storage, store,
                                                                  openai_standin):
    store_id, ids = store(250)
    openai_standin.reset_counts()

    listing = storage.list_store(store_id, ("file-neverexisted", ids[199]))

    assert listing.file_ids == tuple(ids)
    statuses = sorted((p.query.get("after", [""])[0], p.status)
                      for p in page_requests(openai_standin, store_id))
    assert statuses == sorted([("", 200), ("file-neverexisted", 400), (ids[199], 200),
                               (ids[99], 200)])  # the page after ids[99] was asked for then


def test_a_store_openai_no_longer_has_is_remote_not_found(storage, store, openai_client):
    store_id, ids = store(150)
    openai_client.vector_stores.delete(store_id)

    with pytest.raises(RemoteNotFound):
        storage.list_store(store_id, StoreListing(store_id, tuple(ids)).page_cursors)
