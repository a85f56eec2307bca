"""AssistantsGateway.push: the assistant object, its tools and its vector store."""
from __future__ import annotations

import dataclasses

import pytest

from ocs_assistant_plugin.errors import RemoteUnavailable
from ocs_assistant_plugin.remote import AssistantSpec

WEATHER = {
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"]},
    "strict": True,
}


def base_spec(**changes) -> AssistantSpec:
    spec = AssistantSpec(model="gpt-4o", name="Helper", description="Helps",
                         instructions="Be kind.", temperature=0.3, top_p=0.9,
                         response_format={"type": "json_object"},
                         builtin_tools=("code_interpreter",), function_tools=(WEATHER,))
    return dataclasses.replace(spec, **changes)


def test_push_creates_assistant_with_all_fields(assistants, read_assistant, openai_standin):
    result = assistants.push(base_spec())

    assert result.openai_id.startswith("asst_")
    assert result.vector_store_id is None and not result.created_vector_store
    assert openai_standin.count(method="POST", path_prefix="/v1/assistants") == 1
    remote = read_assistant(result.openai_id)
    assert (remote.model, remote.name, remote.description, remote.instructions) == (
        "gpt-4o", "Helper", "Helps", "Be kind.")
    assert (remote.temperature, remote.top_p) == (0.3, 0.9)
    assert remote.response_format.type == "json_object"
    types = sorted(t.type for t in remote.tools)
    assert types == ["code_interpreter", "function"]
    function = next(t for t in remote.tools if t.type == "function").function
    assert function.name == "get_weather"
    assert function.description == "Weather for a city"
    assert function.parameters == WEATHER["parameters"]
    assert function.strict is True


def test_push_update_changes_fields_in_place(assistants, read_assistant, openai_standin):
    first = assistants.push(base_spec())
    openai_standin.reset_counts()

    second = assistants.push(
        base_spec(name="Renamed", instructions="Be brief.", temperature=None, top_p=None,
                  response_format=None, builtin_tools=(), function_tools=()),
        first.openai_id)

    assert second.openai_id == first.openai_id
    assert openai_standin.count() == 1  # no store involved: one update request
    remote = read_assistant(first.openai_id)
    assert (remote.name, remote.instructions) == ("Renamed", "Be brief.")
    assert remote.tools == []
    assert remote.temperature in (None, 1.0) and remote.top_p in (None, 1.0)
    assert remote.response_format in (None, "auto")


def test_file_search_files_land_in_a_new_store(assistants, upload_many, read_assistant,
                                               store_file_ids):
    files = upload_many(3)
    ids = tuple(f.openai_id for f in files)

    result = assistants.push(base_spec(builtin_tools=("file_search",), file_search_file_ids=ids),
                             store_name="Helper store")

    assert result.created_vector_store and result.vector_store_id.startswith("vs_")
    assert store_file_ids(result.vector_store_id) == set(ids)
    remote = read_assistant(result.openai_id)
    assert remote.tool_resources.file_search.vector_store_ids == [result.vector_store_id]
    assert "file_search" in {t.type for t in remote.tools}


def test_file_search_without_files_still_gets_a_store(assistants, store_file_ids):
    result = assistants.push(base_spec(builtin_tools=("file_search",)))

    assert result.created_vector_store
    assert store_file_ids(result.vector_store_id) == set()


def test_removing_a_file_detaches_it_but_keeps_the_file(assistants, upload_many, store_file_ids,
                                                        openai_client, openai_standin):
    a, b, c = (f.openai_id for f in upload_many(3))
    spec = base_spec(builtin_tools=("file_search",), file_search_file_ids=(a, b))
    first = assistants.push(spec)
    openai_standin.reset_counts()

    second = assistants.push(
        dataclasses.replace(spec, vector_store_id=first.vector_store_id,
                            file_search_file_ids=(a, c)),
        first.openai_id)

    assert second.vector_store_id == first.vector_store_id and not second.created_vector_store
    assert store_file_ids(first.vector_store_id) == {a, c}
    assert openai_client.files.retrieve(b).id == b  # detached, not deleted
    assert openai_standin.count(method="DELETE", path_prefix="/v1/files") == 0
    detaches = f"/v1/vector_stores/{first.vector_store_id}/files/"
    assert openai_standin.count(method="DELETE", path_prefix=detaches) == 1


def test_push_sets_code_interpreter_file_ids(assistants, upload_many, read_assistant):
    ids = tuple(f.openai_id for f in upload_many(2))

    result = assistants.push(base_spec(code_interpreter_file_ids=ids))

    remote = read_assistant(result.openai_id)
    assert sorted(remote.tool_resources.code_interpreter.file_ids) == sorted(ids)

    assistants.push(base_spec(code_interpreter_file_ids=ids[:1]), result.openai_id)
    assert read_assistant(result.openai_id).tool_resources.code_interpreter.file_ids == [ids[0]]


def test_push_recreates_a_store_deleted_in_openai(assistants, upload_many, openai_client,
                                                  store_file_ids):
    ids = tuple(f.openai_id for f in upload_many(2))
    spec = base_spec(builtin_tools=("file_search",), file_search_file_ids=ids)
    first = assistants.push(spec)
    openai_client.vector_stores.delete(first.vector_store_id)

    second = assistants.push(dataclasses.replace(spec, vector_store_id=first.vector_store_id),
                             first.openai_id)

    assert second.created_vector_store and second.vector_store_id != first.vector_store_id
    assert store_file_ids(second.vector_store_id) == set(ids)


def test_failed_create_leaves_no_store_behind(assistants, upload_many, openai_client, openai_standin):
    ids = tuple(f.openai_id for f in upload_many(2))
    openai_standin.inject_fault(status=500, times=5, method="POST", path_prefix="/v1/assistants")

    with pytest.raises(RemoteUnavailable):
        assistants.push(base_spec(builtin_tools=("file_search",), file_search_file_ids=ids))

    assert openai_standin.count(method="POST", path_prefix="/v1/vector_stores") == 1
    assert openai_standin.count(method="DELETE", path_prefix="/v1/vector_stores/") == 1
    assert list(openai_client.vector_stores.list()) == []


def test_delete_removes_the_assistant_and_tolerates_404(assistants, openai_standin):
    result = assistants.push(base_spec())

    assistants.delete(result.openai_id)
    assistants.delete(result.openai_id)  # already gone: still fine

    assert openai_standin.count(method="DELETE", path_prefix="/v1/assistants/") == 2
