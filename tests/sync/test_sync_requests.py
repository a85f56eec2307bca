"""Few round trips: a check of an assistant with F store files makes at most ceil(F/100) + 2
requests (the assistant, the store's pages of 100, one file list for every filename)."""
from __future__ import annotations

import math

import pytest

from sync_helpers import (
    assert_in_sync,
    create_remote,
    store_with_files,
    sync_report,
    upload_many,
)


def imported(api, openai_client, file_count: int, *, extra_in_openai: int = 0):
    """An assistant made in OpenAI with ``file_count`` store files, imported here; then
    ``extra_in_openai`` more files are added to its store in OpenAI only."""
    ids = upload_many(openai_client, file_count + extra_in_openai)
    store = store_with_files(openai_client, ids[:file_count]) if file_count else \
        openai_client.vector_stores.create(name="empty").id
    remote = create_remote(openai_client, name="Big",
                           tools=[{"type": "file_search"}],
                           tool_resources={"file_search": {"vector_store_ids": [store]}})
    response = api.post("/assistants/import", json={"openai_assistant_id": remote["id"]})
    assert response.status_code == 201, response.get_json()
    assistant = response.get_json()
    assert len(assistant["files"]) == file_count
    if extra_in_openai:
        openai_client.vector_stores.file_batches.create(store, file_ids=ids[file_count:])
    return assistant


@pytest.mark.parametrize("file_count", [0, 1, 100, 101, 1000])
def test_check_request_budget(api, openai_client, openai_standin, file_count):
    assistant = imported(api, openai_client, file_count)
    openai_standin.reset_counts()

    report = sync_report(api, assistant["id"])

    assert_in_sync(report)
    budget = math.ceil(file_count / 100) + 2
    assert openai_standin.count() <= budget
    store_pages = openai_standin.count(path_prefix=f"/v1/vector_stores/{assistant['vector_store_id']}")
    assert store_pages == max(1, math.ceil(file_count / 100))


def test_filenames_of_files_missing_locally_cost_one_request(api, openai_client,
                                                            openai_standin):
    assistant = imported(api, openai_client, 150, extra_in_openai=60)
    openai_standin.reset_counts()

    report = sync_report(api, assistant["id"])

    assert len(report["files_missing_locally"]) == 60
    assert all(f["filename"].startswith("doc-") for f in report["files_missing_locally"])
    assert openai_standin.count(method="GET", path_prefix="/v1/files") == 1
    assert openai_standin.count() <= math.ceil(210 / 100) + 2
