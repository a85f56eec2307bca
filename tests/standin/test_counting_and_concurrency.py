"""Request counting, the request log, and many clients at once."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import openai
import pytest

pytestmark = pytest.mark.filterwarnings("ignore:^deprecated$:DeprecationWarning")


def test_count_by_method_and_path_prefix(openai_client, openai_standin, upload):
    file = upload()
    store = openai_client.vector_stores.create(file_ids=[file.id])
    openai_client.vector_stores.files.list(store.id)
    openai_client.vector_stores.retrieve(store.id)
    openai_client.beta.assistants.list()

    assert openai_standin.count() == 5
    assert openai_standin.count("POST") == 2
    assert openai_standin.count("get", "/v1/vector_stores") == 2
    assert openai_standin.count(path_prefix=f"/v1/vector_stores/{store.id}/files") == 1
    assert openai_standin.count("DELETE") == 0
    assert [(r.method, r.path) for r in openai_standin.requests] == [
        ("POST", "/v1/files"), ("POST", "/v1/vector_stores"),
        ("GET", f"/v1/vector_stores/{store.id}/files"),
        ("GET", f"/v1/vector_stores/{store.id}"), ("GET", "/v1/assistants")]


def test_refused_requests_are_counted_too(openai_client, openai_standin):
    openai_standin.inject_fault(status=500)
    for call in (openai_client.files.list, lambda: openai_client.files.list(limit=0),
                 lambda: openai_client.files.retrieve("file-missing")):
        with pytest.raises(openai.APIStatusError):
            call()

    assert openai_standin.count("GET", "/v1/files") == 3
    assert [r.status for r in openai_standin.requests] == [500, 400, 404]


def test_reset_counts_keeps_the_data(openai_client, openai_standin, upload):
    upload()

    openai_standin.reset_counts()

    assert openai_standin.count() == 0
    assert len(openai_client.files.list().data) == 1
    assert openai_standin.count() == 1


def test_query_is_recorded(openai_client, openai_standin):
    openai_client.files.list(purpose="assistants", limit=5)

    (request,) = openai_standin.requests
    assert request.query == {"purpose": ["assistants"], "limit": ["5"]}


def test_eight_threads_uploading_25_files_each(openai_client, openai_standin):
    def upload_25(worker: int) -> list[str]:
        return [openai_client.files.create(file=(f"{worker}-{i}.txt", f"{worker}:{i}".encode()),
                                           purpose="assistants").id for i in range(25)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = [file_id for batch in pool.map(upload_25, range(8)) for file_id in batch]

    assert len(set(ids)) == 200
    assert openai_standin.count("POST", "/v1/files") == 200
    listed = openai_client.files.list()
    assert sorted(f.id for f in listed.data) == sorted(ids)
    assert openai_client.files.content(ids[-1]).read() == b"7:24"


def test_parallel_attach_keeps_counts_accurate(openai_client, upload):
    files = [upload(f"{i}".encode(), f"{i}.txt").id for i in range(40)]
    store = openai_client.vector_stores.create()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda fid: openai_client.vector_stores.files.create(
            vector_store_id=store.id, file_id=fid), files))

    refreshed = openai_client.vector_stores.retrieve(store.id)
    assert refreshed.file_counts.total == refreshed.file_counts.completed == 40


def test_the_log_orders_arrivals_and_answers_on_one_counter(openai_client, openai_standin):
    openai_standin.latency = 0.2  # both requests arrive before either is answered
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda _: openai_client.files.list(), range(2)))
    openai_client.files.list()  # sent after both were answered

    first, second, third = openai_standin.requests
    assert {first.started, second.started} == {1, 2}
    assert {first.finished, second.finished} == {3, 4}
    assert (third.started, third.finished) == (5, 6)


def test_the_log_records_the_bytes_of_each_answer(openai_client, openai_standin, upload):
    file = upload(b"hello", "hello.txt")
    openai_standin.reset_counts()

    raw = openai_client.files.with_raw_response.retrieve(file.id)
    with pytest.raises(openai.NotFoundError):
        openai_client.files.retrieve("file-missing")

    found, missing = openai_standin.requests
    assert found.bytes_sent == len(raw.http_response.content) > 0
    assert missing.status == 404 and missing.bytes_sent > 0


def test_seeded_files_are_ordinary_files_and_cost_no_request(openai_client, openai_standin):
    ids = openai_standin.seed_files(3, filename="seed-{index}.md", content=b"abc")

    assert openai_standin.count() == 0
    assert [openai_client.files.retrieve(i).filename for i in ids] == [
        "seed-0.md", "seed-1.md", "seed-2.md"]
    assert [f.id for f in openai_client.files.list(order="asc").data] == ids
    store = openai_client.vector_stores.create(file_ids=ids[:2])
    assert store.file_counts.completed == 2 and store.usage_bytes == 6
    openai_client.files.delete(ids[2])
    assert len(openai_client.files.list().data) == 2


def test_seeding_refuses_a_purpose_openai_does_not_know(openai_standin):
    with pytest.raises(ValueError, match="purpose"):
        openai_standin.seed_files(1, purpose="nonsense")
    assert openai_standin.seed_files(0) == []
