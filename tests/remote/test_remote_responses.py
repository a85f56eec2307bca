"""The responses backend: store and files remote, configuration local, requests valid."""
from __future__ import annotations

import dataclasses
from importlib import resources

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ocs_assistant_plugin.errors import ConfigurationError, Conflict, InvalidInput, RemoteNotFound
from ocs_assistant_plugin.remote import (
    AssistantSpec,
    AssistantsGateway,
    KnownFiles,
    ResponsesGateway,
    build_request,
    gateway_for,
    normalize_spec,
)

SPEC_URI = "urn:openai:responses-subset"

FULL = AssistantSpec(
    model="gpt-4o", name="Tutor", instructions="Teach.", temperature=0.4, top_p=0.8,
    response_format={"type": "json_schema",
                     "json_schema": {"name": "answer", "description": "An answer",
                                     "schema": {"type": "object",
                                                "properties": {"a": {"type": "string"}}},
                                     "strict": True}},
    builtin_tools=("code_interpreter", "file_search"),
    function_tools=({"name": "lookup", "description": "Look up",
                     "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
                     "strict": False},
                    {"name": "ping"}),
    code_interpreter_file_ids=("file-ci1", "file-ci2"),
    file_search_file_ids=("file-fs1",),
    vector_store_id="vs_123",
)


@pytest.fixture(scope="module")
def create_response_validator():
    text = (resources.files("ocs_assistant_plugin.testing") / "spec"
            / "openapi-responses-subset.yaml").read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    registry = Registry().with_resource(SPEC_URI, Resource(document, specification=DRAFT202012))
    return Draft202012Validator({"$ref": f"{SPEC_URI}#/components/schemas/CreateResponse"},
                                registry=registry)


def assert_valid(validator, request: dict) -> None:
    errors = sorted(validator.iter_errors(request), key=lambda e: e.path)
    assert not errors, [f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors]


def test_build_request_maps_every_field():
    request = build_request(FULL)

    assert request == {
        "model": "gpt-4o",
        "instructions": "Teach.",
        "temperature": 0.4,
        "top_p": 0.8,
        "tools": [
            {"type": "file_search", "vector_store_ids": ["vs_123"]},
            {"type": "code_interpreter",
             "container": {"type": "auto", "file_ids": ["file-ci1", "file-ci2"]}},
            {"type": "function", "name": "lookup", "description": "Look up",
             "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
             "strict": False},
            {"type": "function", "name": "ping",
             "parameters": {"type": "object", "properties": {}}, "strict": False},
        ],
        "text": {"format": {"type": "json_schema", "name": "answer", "description": "An answer",
                            "schema": {"type": "object", "properties": {"a": {"type": "string"}}},
                            "strict": True}},
    }


@pytest.mark.parametrize("spec", [
    FULL,
    AssistantSpec(model="gpt-4o-mini"),
    AssistantSpec(model="gpt-4o", response_format={"type": "json_object"},
                  builtin_tools=("code_interpreter",)),
    AssistantSpec(model="gpt-4o", response_format={"type": "text"}, temperature=0, top_p=1),
    AssistantSpec(model="gpt-4o", response_format="auto",
                  function_tools=({"name": "f", "strict": True,
                                   "parameters": {"type": "object", "properties": {},
                                                  "additionalProperties": False}},)),
], ids=["full", "minimal", "json_object", "text", "strict_function"])
def test_build_request_is_a_valid_create_response(spec, create_response_validator):
    request = build_request(spec)
    assert_valid(create_response_validator, {**request, "input": "Hello"})


def test_the_validator_rejects_a_wrong_shape(create_response_validator):
    wrong = {"model": "gpt-4o", "input": "Hi",
             "tools": [{"type": "function", "function": {"name": "f"}}]}  # Assistants shape
    assert list(create_response_validator.iter_errors(wrong))


def test_build_request_defaults_leave_openai_defaults_alone():
    request = build_request(AssistantSpec(model="gpt-4o", response_format="auto"))
    assert request == {"model": "gpt-4o"}


def test_build_request_refuses_file_search_without_a_store():
    with pytest.raises(Conflict) as caught:
        build_request(AssistantSpec(model="gpt-4o", builtin_tools=("file_search",)))
    assert "push it first" in caught.value.message


def test_build_request_refuses_a_json_schema_without_a_name():
    with pytest.raises(InvalidInput) as caught:
        build_request(AssistantSpec(model="gpt-4o", response_format={
            "type": "json_schema", "json_schema": {"schema": {"type": "object"}}}))
    assert "response_format" in caught.value.fields


def test_request_is_accepted_by_responses_create(responses_gateway, upload_many, openai_client):
    ci = tuple(f.openai_id for f in upload_many(1, "ci"))
    fs = tuple(f.openai_id for f in upload_many(2, "fs"))
    spec = AssistantSpec(model="gpt-4o", instructions="Teach.", temperature=0.5,
                         builtin_tools=("file_search", "code_interpreter"),
                         function_tools=({"name": "ping"},),
                         code_interpreter_file_ids=ci, file_search_file_ids=fs)
    pushed = responses_gateway.push(spec)
    kwargs = responses_gateway.build_request(
        dataclasses.replace(spec, vector_store_id=pushed.vector_store_id))

    response = openai_client.responses.create(input="What do the files say?", **kwargs)

    assert response.id
    assert response.model == "gpt-4o"


def test_push_keeps_only_the_store_remotely(responses_gateway, upload_many, store_file_ids,
                                            openai_standin):
    ids = tuple(f.openai_id for f in upload_many(2))
    spec = AssistantSpec(model="gpt-4o", name="R", builtin_tools=("file_search",),
                         file_search_file_ids=ids)

    first = responses_gateway.push(spec, store_name="R store")
    second = responses_gateway.push(dataclasses.replace(
        spec, file_search_file_ids=ids[:1], vector_store_id=first.vector_store_id))

    assert first.openai_id is None and first.created_vector_store
    assert second.vector_store_id == first.vector_store_id and not second.created_vector_store
    assert store_file_ids(first.vector_store_id) == {ids[0]}
    assert openai_standin.count(path_prefix="/v1/assistants") == 0


def test_push_without_files_or_file_search_asks_nothing(responses_gateway, openai_standin):
    result = responses_gateway.push(AssistantSpec(model="gpt-4o"))
    assert (result.openai_id, result.vector_store_id) == (None, None)
    assert openai_standin.count() == 0


def test_fetch_state_reads_the_store_and_code_interpreter_files(responses_gateway, upload_many,
                                                                openai_client, openai_standin):
    ci_kept, ci_gone = (f.openai_id for f in upload_many(2, "ci"))
    fs_files = upload_many(150, "fs")
    fs = tuple(f.openai_id for f in fs_files)
    spec = AssistantSpec(model="gpt-4o", name="R",
                         builtin_tools=("file_search", "code_interpreter"),
                         code_interpreter_file_ids=(ci_kept, ci_gone), file_search_file_ids=fs)
    pushed = responses_gateway.push(spec)
    local = dataclasses.replace(spec, vector_store_id=pushed.vector_store_id)
    openai_client.files.delete(ci_gone)
    openai_standin.reset_counts()

    state = responses_gateway.fetch_state(
        local, known=KnownFiles(filenames={f.openai_id: f.filename for f in fs_files}))

    assert state.openai_id is None
    assert state.spec == normalize_spec(
        dataclasses.replace(local, code_interpreter_file_ids=(ci_kept,)))
    assert {f.filename for f in state.files["code_interpreter"]} == {"ci-0000.txt"}
    assert len(state.files["file_search"]) == 150
    assert all(f.filename.startswith("fs-") for f in state.files["file_search"])
    # 2 store pages and each code_interpreter file (one confirming 404); the 150 store files'
    # names are known here, so none is asked for
    assert openai_standin.count() == 2 + 2
    assert openai_standin.count("GET", "/v1/files") == 2


def test_fetch_state_of_a_deleted_store_is_remote_not_found(responses_gateway, openai_client):
    pushed = responses_gateway.push(AssistantSpec(model="gpt-4o", builtin_tools=("file_search",)))
    openai_client.vector_stores.delete(pushed.vector_store_id)

    with pytest.raises(RemoteNotFound):
        responses_gateway.fetch_state(AssistantSpec(model="gpt-4o", builtin_tools=("file_search",),
                                                    vector_store_id=pushed.vector_store_id))


def test_fetch_has_no_assistant_to_read(responses_gateway):
    with pytest.raises(ConfigurationError) as caught:
        responses_gateway.fetch("asst_x")
    assert "fetch_state" in caught.value.message


def test_clone_gives_a_new_store_with_the_same_files(responses_gateway, upload_many, store_file_ids,
                                                     openai_standin):
    ids = tuple(f.openai_id for f in upload_many(5))
    spec = AssistantSpec(model="gpt-4o", builtin_tools=("file_search",), file_search_file_ids=ids,
                         vector_store_id="vs_working")
    openai_standin.reset_counts()

    result = responses_gateway.clone(spec, store_name="v2")

    assert result.openai_id is None and result.created_vector_store
    assert store_file_ids(result.vector_store_id) == set(ids)
    assert openai_standin.count(method="POST") == 1


def test_a_tagged_clone_store_is_found_by_its_sweep(responses_gateway, upload_many, openai_client):
    ids = tuple(f.openai_id for f in upload_many(1))
    spec = AssistantSpec(model="gpt-4o", builtin_tools=("file_search",), file_search_file_ids=ids)
    kept = responses_gateway.clone(spec, store_name="v2", tag="k" * 32)
    swept = responses_gateway.clone(spec, store_name="v3", tag="s" * 32)

    assert responses_gateway.sweep_clone("s" * 32, since=0) == [swept.vector_store_id]
    assert [s.id for s in openai_client.vector_stores.list()] == [kept.vector_store_id]
    assert openai_client.vector_stores.retrieve(kept.vector_store_id).metadata == {
        "ocs_release": "k" * 32}


def test_delete_asks_nothing(responses_gateway, openai_standin):
    responses_gateway.delete(None)
    assert openai_standin.count() == 0


def test_gateway_for_each_backend(openai_client):
    assert isinstance(gateway_for("assistants", openai_client), AssistantsGateway)
    responses = gateway_for("responses", openai_client, concurrency=3)
    assert isinstance(responses, ResponsesGateway) and responses.storage.concurrency == 3


def test_gateway_for_an_unknown_backend_names_it(openai_client):
    with pytest.raises(ConfigurationError) as caught:
        gateway_for("chat", openai_client)
    assert "'chat'" in caught.value.message and "assistants, responses" in caught.value.message
