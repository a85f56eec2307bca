"""clone: a release's new assistant and new store in one request, reusing the files."""
from __future__ import annotations

import pytest

from ocs_assistant_plugin.remote import AssistantSpec


@pytest.mark.parametrize("file_count", [0, 5, 600])
def test_clone_is_one_request_and_reuses_the_files(file_count, assistants, upload_many,
                                                   openai_standin, read_assistant,
                                                   store_file_ids, openai_client):
    ids = tuple(f.openai_id for f in upload_many(file_count))
    ci = tuple(f.openai_id for f in upload_many(1, "ci"))
    spec = AssistantSpec(model="gpt-4o", name="Bot v2", instructions="Hi",
                         builtin_tools=("file_search", "code_interpreter"),
                         code_interpreter_file_ids=ci, file_search_file_ids=ids,
                         vector_store_id="vs_of_the_working_copy")
    files_before = openai_standin.count(method="POST", path_prefix="/v1/files")
    openai_standin.reset_counts()

    result = assistants.clone(spec, store_name="Bot v2 store")

    assert openai_standin.count() == 1
    assert openai_standin.count(method="POST", path_prefix="/v1/assistants") == 1
    assert files_before == file_count + 1
    assert result.created_vector_store
    assert result.vector_store_id and result.vector_store_id != spec.vector_store_id
    remote = read_assistant(result.openai_id)
    assert remote.name == "Bot v2"
    assert remote.tool_resources.file_search.vector_store_ids == [result.vector_store_id]
    assert remote.tool_resources.code_interpreter.file_ids == list(ci)
    assert store_file_ids(result.vector_store_id) == set(ids)
    assert len(list(openai_client.files.list())) == file_count + 1  # nothing uploaded again
    # the one-request helper cannot name a store: the name travels in its metadata
    assert openai_client.vector_stores.retrieve(result.vector_store_id).metadata == {
        "name": "Bot v2 store"}


def test_clone_without_file_search_creates_no_store(assistants, openai_standin, read_assistant):
    spec = AssistantSpec(model="gpt-4o", name="Plain")

    result = assistants.clone(spec)

    assert openai_standin.count() == 1
    assert result.vector_store_id is None and not result.created_vector_store
    assert read_assistant(result.openai_id).name == "Plain"


def test_clone_leaves_the_original_untouched(assistants, upload_many, store_file_ids):
    ids = tuple(f.openai_id for f in upload_many(3))
    original = assistants.push(AssistantSpec(model="gpt-4o", name="Bot",
                                             builtin_tools=("file_search",),
                                             file_search_file_ids=ids))

    copy = assistants.clone(AssistantSpec(model="gpt-4o", name="Bot v1",
                                          builtin_tools=("file_search",),
                                          file_search_file_ids=ids,
                                          vector_store_id=original.vector_store_id))

    assert copy.openai_id != original.openai_id
    assert store_file_ids(original.vector_store_id) == set(ids)
    assert assistants.fetch(original.openai_id).spec.name == "Bot"


def test_sweep_deletes_only_what_carries_the_tag(assistants, upload_many, openai_standin,
                                                 openai_client):
    ids = tuple(f.openai_id for f in upload_many(2))
    spec = AssistantSpec(model="gpt-4o", name="Bot v3", builtin_tools=("file_search",),
                         file_search_file_ids=ids)
    kept = assistants.clone(spec, tag="b" * 32)
    untagged = assistants.clone(spec)
    swept = assistants.clone(spec, tag="a" * 32)
    openai_standin.reset_counts()

    deleted = assistants.sweep_clone("a" * 32, since=0)

    assert deleted == [swept.vector_store_id, swept.openai_id]
    # one page of assistants, the store's metadata checked, then two deletions
    assert openai_standin.count() == 4
    stores = {s.id for s in openai_client.vector_stores.list()}
    assert stores == {kept.vector_store_id, untagged.vector_store_id}
    assert assistants.sweep_clone("a" * 32, since=0) == []  # again: nothing left, done


def test_sweep_stops_at_the_first_assistant_older_than_since(assistants, openai_standin):
    spec = AssistantSpec(model="gpt-4o", name="Bot v4")
    made = assistants.clone(spec, tag="c" * 32)
    openai_standin.reset_counts()

    assert assistants.sweep_clone("c" * 32, since=4102444800) == []  # 2100: all are older

    assert openai_standin.count() == 1
    assert assistants.retrieve(made.openai_id)["metadata"] == {"ocs_release": "c" * 32}
