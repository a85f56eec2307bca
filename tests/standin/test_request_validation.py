"""Request bodies are validated against the spec like OpenAI does: 400, ``param`` names the
field, ``code`` says what is wrong, and nothing changes."""
from __future__ import annotations

import openai
import pytest

pytestmark = pytest.mark.filterwarnings("ignore:^deprecated$:DeprecationWarning")

CODE_TOOL = {"type": "code_interpreter"}


@pytest.mark.parametrize("fields, param, code", [
    ({"name": "x" * 257}, "name", "string_above_max_length"),
    ({"description": "x" * 513}, "description", "string_above_max_length"),
    ({"instructions": "x" * 256001}, "instructions", "string_above_max_length"),
    ({"tools": [CODE_TOOL] * 129}, "tools", "array_above_max_length"),
    ({"tool_resources": {"code_interpreter": {"file_ids": ["file-a"] * 21}}},
     "tool_resources.code_interpreter.file_ids", "array_above_max_length"),
    ({"tool_resources": {"file_search": {"vector_store_ids": ["vs_a", "vs_b"]}}},
     "tool_resources.file_search.vector_store_ids", "array_above_max_length"),
    ({"tool_resources": {"file_search": {"vector_stores": [{}, {}]}}},
     "tool_resources.file_search.vector_stores", "array_above_max_length"),
    ({"tool_resources": {"file_search": {"vector_store_ids": [], "vector_stores": []}}},
     "tool_resources.file_search", "invalid_value"),
    ({"temperature": 2.5}, "temperature", "decimal_above_max_value"),
    ({"temperature": -1}, "temperature", "integer_below_min_value"),
    ({"top_p": 1.5}, "top_p", "decimal_above_max_value"),
    ({"top_p": -0.1}, "top_p", "decimal_below_min_value"),
    ({"name": 42}, "name", "invalid_type"),
    ({"tools": [{"type": "browser"}]}, "tools[0].type", "invalid_value"),
    ({"tools": [{"type": "function"}]}, "tools[0].function", "missing_required_parameter"),
    ({"tools": [{"type": "function", "function": {"name": "has space"}}]},
     "tools[0].function.name", "invalid_value"),
    ({"tools": [{"type": "file_search", "file_search": {"max_num_results": 51}}]},
     "tools[0].file_search.max_num_results", "integer_above_max_value"),
    ({"response_format": {"type": "json_schema"}}, "response_format.json_schema",
     "missing_required_parameter"),
    ({"reasoning_effort": "extreme"}, "reasoning_effort", "invalid_value"),
    ({"metadata": {f"k{i}": "v" for i in range(17)}}, "metadata",
     "object_above_max_properties"),
    ({"metadata": {"k": "v" * 513}}, "metadata.k", "string_above_max_length"),
])
def test_create_assistant_limits(openai_client, fields, param, code):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.beta.assistants.create(model="gpt-4o", **fields)

    error = caught.value
    assert (error.status_code, error.param, error.code) == (400, param, code)
    assert error.type == "invalid_request_error"
    assert openai_client.beta.assistants.list().data == []


def test_limit_messages_read_like_openai(openai_client):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.beta.assistants.create(model="gpt-4o", name="x" * 257)

    assert caught.value.body == {
        "message": "Invalid 'name': string too long. Expected a string with maximum length 256,"
                   " but got a string with length 257 instead.",
        "type": "invalid_request_error", "param": "name", "code": "string_above_max_length"}


def test_values_at_the_limits_are_accepted(openai_client):
    assistant = openai_client.beta.assistants.create(
        model="gpt-4o", name="x" * 256, description="d" * 512, instructions="i" * 256000,
        tools=[CODE_TOOL] * 128, temperature=2, top_p=0,
        metadata={f"k{i}": "v" * 512 for i in range(16)})

    assert len(assistant.tools) == 128
    assert (assistant.temperature, assistant.top_p) == (2, 0)


def test_missing_model_is_refused(openai_client):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.post("/assistants", body={"name": "no model"}, cast_to=object)

    assert (caught.value.param, caught.value.code) == ("model", "missing_required_parameter")
    assert caught.value.message.endswith("Missing required parameter: 'model'.")


def test_unknown_field_is_refused(openai_client):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.beta.assistants.create(model="gpt-4o", extra_body={"colour": "blue"})

    assert (caught.value.param, caught.value.code) == ("colour", "unknown_parameter")
    assert openai_client.beta.assistants.list().data == []


def test_non_json_body_is_refused(openai_client):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.post("/assistants", content=b"{not json", cast_to=object,
                           options={"headers": {"Content-Type": "application/json"}})

    assert "could not parse the JSON body" in caught.value.message


def test_json_that_is_not_an_object_is_refused(openai_client):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.post("/vector_stores", content=b"[1, 2]", cast_to=object,
                           options={"headers": {"Content-Type": "application/json"}})

    assert caught.value.code == "invalid_type"


@pytest.mark.parametrize("fields, param, code", [
    ({"name": "x" * 257}, "name", "string_above_max_length"),
    ({"tools": [CODE_TOOL] * 129}, "tools", "array_above_max_length"),
    ({"temperature": 3}, "temperature", "integer_above_max_value"),
    ({"top_p": 2}, "top_p", "integer_above_max_value"),
    ({"tool_resources": {"code_interpreter": {"file_ids": ["f"] * 21}}},
     "tool_resources.code_interpreter.file_ids", "array_above_max_length"),
    ({"model": None}, "model", "invalid_type"),
])
def test_modify_assistant_limits(openai_client, fields, param, code):
    assistant = openai_client.beta.assistants.create(model="gpt-4o", name="Before")

    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.beta.assistants.update(assistant.id, **fields)

    assert (caught.value.param, caught.value.code) == (param, code)
    assert openai_client.beta.assistants.retrieve(assistant.id) == assistant


def test_modify_has_no_vector_stores_helper(openai_client):
    assistant = openai_client.beta.assistants.create(model="gpt-4o")

    openai_client.beta.assistants.update(
        assistant.id, tool_resources={"file_search": {"vector_stores": [{"file_ids": []}]}})

    assert openai_client.vector_stores.list().data == []


@pytest.mark.parametrize("fields, param, code", [
    ({"file_ids": ["file-a"] * 501}, "file_ids", "array_above_max_length"),
    ({"expires_after": {"anchor": "last_active_at", "days": 366}}, "expires_after.days",
     "integer_above_max_value"),
    ({"expires_after": {"anchor": "created_at", "days": 1}}, "expires_after.anchor",
     "invalid_value"),
    ({"chunking_strategy": {"type": "static", "static": {"max_chunk_size_tokens": 99,
                                                         "chunk_overlap_tokens": 0}}},
     "chunking_strategy.static.max_chunk_size_tokens", "integer_below_min_value"),
    ({"chunking_strategy": {"type": "static", "static": {"max_chunk_size_tokens": 800,
                                                         "chunk_overlap_tokens": 401}}},
     "chunking_strategy.static.chunk_overlap_tokens", "invalid_value"),
    ({"chunking_strategy": {"type": "static"}}, "chunking_strategy.static",
     "missing_required_parameter"),
    ({"metadata": {"k": 1}}, "metadata.k", "invalid_type"),
    ({"file_ids": ["file-missing"]}, "file_ids", "invalid_value"),
])
def test_create_vector_store_limits(openai_client, fields, param, code):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.vector_stores.create(**fields)

    assert (caught.value.param, caught.value.code) == (param, code)
    assert openai_client.vector_stores.list().data == []


def test_update_vector_store_accepts_nulls_the_spec_marks_nullable(openai_client):
    store = openai_client.vector_stores.create(
        name="kb", expires_after={"anchor": "last_active_at", "days": 7})

    updated = openai_client.vector_stores.update(store.id, name=None, expires_after=None)

    assert updated.name == ""
    assert updated.expires_after is None and updated.expires_at is None


@pytest.mark.parametrize("fields, param, code", [
    ({"file_ids": []}, "file_ids", "empty_array"),
    ({"file_ids": ["file-a"] * 2001}, "file_ids", "array_above_max_length"),
    ({"files": []}, "files", "empty_array"),
    ({"file_ids": ["file-missing"]}, "file_ids", "invalid_value"),
    ({"files": [{"file_id": "file-missing"}]}, "files[0].file_id", "invalid_value"),
    ({"files": [{"attributes": {}}]}, "files[0].file_id", "missing_required_parameter"),
])
def test_create_file_batch_limits(openai_client, fields, param, code):
    store = openai_client.vector_stores.create()

    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.vector_stores.file_batches.create(store.id, **fields)

    assert (caught.value.param, caught.value.code) == (param, code)
    assert openai_client.vector_stores.retrieve(store.id).file_counts.total == 0


def test_file_batch_needs_file_ids_or_files(openai_client):
    store = openai_client.vector_stores.create()

    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.vector_stores.file_batches.create(store.id)

    assert caught.value.code == "missing_required_parameter"
    assert "'file_ids' or 'files'" in caught.value.message


def test_file_batch_refuses_file_ids_and_files_together(openai_client, upload):
    store, file = openai_client.vector_stores.create(), upload()

    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.vector_stores.file_batches.create(store.id, file_ids=[file.id],
                                                        files=[{"file_id": file.id}])

    assert caught.value.param == "files"


@pytest.mark.parametrize("attributes, param, code", [
    ({f"k{i}": i for i in range(17)}, "attributes", "object_above_max_properties"),
    ({"k" * 65: "v"}, "attributes", "invalid_key"),
    ({"k": "v" * 513}, "attributes.k", "string_above_max_length"),
    ({"k": ["a", "list"]}, "attributes.k", "invalid_type"),
])
def test_vector_store_file_attribute_limits(openai_client, upload, attributes, param, code):
    store, file = openai_client.vector_stores.create(), upload()
    openai_client.vector_stores.files.create(vector_store_id=store.id, file_id=file.id)

    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.vector_stores.files.update(file.id, vector_store_id=store.id,
                                                 attributes=attributes)

    assert (caught.value.param, caught.value.code) == (param, code)


def test_attach_unknown_file_is_refused(openai_client):
    store = openai_client.vector_stores.create()

    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.vector_stores.files.create(vector_store_id=store.id,
                                                 file_id="file-missing")

    assert caught.value.param == "file_id"
    assert caught.value.body["message"] == "No file found with id 'file-missing'."
