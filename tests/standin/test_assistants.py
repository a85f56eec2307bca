"""Assistants: create, retrieve, modify, delete, and what the objects look like."""
from __future__ import annotations

import openai
import pytest

pytestmark = pytest.mark.filterwarnings("ignore:^deprecated$:DeprecationWarning")


def test_create_returns_spec_defaults(openai_client):
    assistant = openai_client.beta.assistants.create(model="gpt-4o")

    assert assistant.id.startswith("asst_")
    assert assistant.object == "assistant"
    assert (assistant.name, assistant.description, assistant.instructions) == (None, None, None)
    assert assistant.tools == []
    assert assistant.metadata == {}
    assert (assistant.temperature, assistant.top_p) == (1.0, 1.0)
    assert assistant.response_format == "auto"


def test_create_keeps_every_given_field(openai_client, upload):
    file = upload()
    store = openai_client.vector_stores.create(name="kb")
    assistant = openai_client.beta.assistants.create(
        model="gpt-4o-mini", name="Tutor", description="Helps", instructions="Be kind.",
        tools=[{"type": "code_interpreter"}, {"type": "file_search"},
               {"type": "function", "function": {"name": "get_weather",
                                                 "parameters": {"type": "object"}}}],
        tool_resources={"code_interpreter": {"file_ids": [file.id]},
                        "file_search": {"vector_store_ids": [store.id]}},
        metadata={"team": "math"}, temperature=0.2, top_p=0.9,
        response_format={"type": "json_object"})

    again = openai_client.beta.assistants.retrieve(assistant.id)
    assert again == assistant
    assert again.name == "Tutor" and again.instructions == "Be kind."
    assert [t.type for t in again.tools] == ["code_interpreter", "file_search", "function"]
    assert again.tools[2].function.name == "get_weather"
    assert again.tool_resources.code_interpreter.file_ids == [file.id]
    assert again.tool_resources.file_search.vector_store_ids == [store.id]
    assert again.metadata == {"team": "math"}
    assert (again.temperature, again.top_p) == (0.2, 0.9)
    assert again.response_format.type == "json_object"


def test_vector_stores_helper_creates_a_store_with_the_files(openai_client, upload):
    files = [upload(f"doc {i}".encode(), f"doc{i}.txt") for i in range(3)]
    assistant = openai_client.beta.assistants.create(
        model="gpt-4o", tools=[{"type": "file_search"}],
        tool_resources={"file_search": {"vector_stores": [{
            "file_ids": [f.id for f in files], "metadata": {"origin": "helper"},
            "chunking_strategy": {"type": "static", "static": {
                "max_chunk_size_tokens": 400, "chunk_overlap_tokens": 100}}}]}})

    (store_id,) = assistant.tool_resources.file_search.vector_store_ids
    store = openai_client.vector_stores.retrieve(store_id)
    assert store.metadata == {"origin": "helper"}
    assert store.file_counts.completed == store.file_counts.total == 3
    attached = openai_client.vector_stores.files.list(store_id)
    assert sorted(f.id for f in attached) == sorted(f.id for f in files)
    assert {f.chunking_strategy.static.max_chunk_size_tokens for f in attached} == {400}


def test_vector_stores_helper_accepts_more_files_than_a_plain_store_create(openai_client,
                                                                          upload):
    """The helper's ``file_ids`` limit is the spec's 100,000,000, not vector_stores' 500."""
    file = upload()
    store_files = [file.id] * 600  # the same id 600 times: attached once
    assistant = openai_client.beta.assistants.create(
        model="gpt-4o",
        tool_resources={"file_search": {"vector_stores": [{"file_ids": store_files}]}})

    (store_id,) = assistant.tool_resources.file_search.vector_store_ids
    assert openai_client.vector_stores.retrieve(store_id).file_counts.total == 1


def test_modify_changes_only_the_given_fields(openai_client):
    assistant = openai_client.beta.assistants.create(model="gpt-4o", name="A",
                                                     instructions="Old", temperature=0.5)

    modified = openai_client.beta.assistants.update(assistant.id, instructions="New",
                                                    metadata={"v": "2"})

    assert modified.instructions == "New"
    assert modified.metadata == {"v": "2"}
    assert (modified.name, modified.temperature, modified.model) == ("A", 0.5, "gpt-4o")
    assert openai_client.beta.assistants.retrieve(assistant.id) == modified


def test_modify_to_null_restores_sampling_defaults(openai_client):
    assistant = openai_client.beta.assistants.create(model="gpt-4o", name="A", temperature=0.1,
                                                     top_p=0.2)

    modified = openai_client.beta.assistants.update(assistant.id, name=None, temperature=None,
                                                    top_p=None)

    assert modified.name is None
    assert (modified.temperature, modified.top_p) == (1.0, 1.0)


def test_modify_replaces_tool_resources(openai_client, upload):
    first, second = upload(b"1", "1.txt"), upload(b"2", "2.txt")
    store = openai_client.vector_stores.create()
    assistant = openai_client.beta.assistants.create(
        model="gpt-4o", tool_resources={"code_interpreter": {"file_ids": [first.id]},
                                        "file_search": {"vector_store_ids": [store.id]}})

    modified = openai_client.beta.assistants.update(
        assistant.id, tool_resources={"code_interpreter": {"file_ids": [second.id]}})

    assert modified.tool_resources.code_interpreter.file_ids == [second.id]
    assert modified.tool_resources.file_search is None


def test_delete_then_retrieve_is_not_found(openai_client):
    assistant = openai_client.beta.assistants.create(model="gpt-4o")

    deleted = openai_client.beta.assistants.delete(assistant.id)

    assert (deleted.id, deleted.object, deleted.deleted) == (assistant.id, "assistant.deleted",
                                                            True)
    with pytest.raises(openai.NotFoundError) as caught:
        openai_client.beta.assistants.retrieve(assistant.id)
    assert caught.value.body == {"message": f"No assistant found with id '{assistant.id}'.",
                                 "type": "invalid_request_error", "param": None, "code": None}


@pytest.mark.parametrize("call", ["retrieve", "update", "delete"])
def test_unknown_assistant_id_is_404(openai_client, call):
    with pytest.raises(openai.NotFoundError) as caught:
        getattr(openai_client.beta.assistants, call)("asst_missing")

    assert caught.value.status_code == 404
    assert "asst_missing" in caught.value.message


FILE_MISSING = "No file found with id 'file-missing'."


@pytest.mark.parametrize("tool_resources, param, message", [
    ({"code_interpreter": {"file_ids": ["file-missing"]}},
     "tool_resources.code_interpreter.file_ids", FILE_MISSING),
    ({"file_search": {"vector_store_ids": ["vs_missing"]}},
     "tool_resources.file_search.vector_store_ids",
     "No vector store found with id 'vs_missing'."),
    ({"file_search": {"vector_stores": [{"file_ids": ["file-missing"]}]}},
     "tool_resources.file_search.vector_stores[0].file_ids", FILE_MISSING),
])
def test_unknown_referenced_ids_are_refused_and_create_nothing(openai_client, tool_resources,
                                                               param, message):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.beta.assistants.create(model="gpt-4o", tool_resources=tool_resources)

    assert caught.value.param == param
    assert caught.value.body["message"] == message
    assert openai_client.beta.assistants.list().data == []
    assert openai_client.vector_stores.list().data == []


def test_refused_modify_changes_nothing(openai_client):
    assistant = openai_client.beta.assistants.create(model="gpt-4o", name="Keep")

    with pytest.raises(openai.BadRequestError):
        openai_client.beta.assistants.update(assistant.id, name="x" * 257)
    with pytest.raises(openai.BadRequestError):
        openai_client.beta.assistants.update(
            assistant.id, name="Changed",
            tool_resources={"code_interpreter": {"file_ids": ["file-missing"]}})

    assert openai_client.beta.assistants.retrieve(assistant.id).name == "Keep"
