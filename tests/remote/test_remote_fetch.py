"""AssistantsGateway.fetch: the assistant, every store file across pages, every filename."""
from __future__ import annotations

import dataclasses
import math

import pytest

from ocs_assistant_plugin.errors import RemoteNotFound
from ocs_assistant_plugin.remote import (AssistantSpec, KnownFiles, normalize_spec,
                                         spec_differences, specs_equal)

SCHEMA_FORMAT = {"type": "json_schema",
                 "json_schema": {"name": "answer", "strict": True,
                                 "schema": {"type": "object",
                                            "properties": {"text": {"type": "string"}},
                                            "required": ["text"],
                                            "additionalProperties": False}}}
LOOKUP = {"name": "lookup", "description": "Look a word up",
          "parameters": {"type": "object", "required": ["word"],
                         "properties": {"word": {"type": "string"}}}}
PING = {"name": "ping"}


def test_untouched_pushed_assistant_fetches_back_equal(assistants, upload_many):
    ci = tuple(f.openai_id for f in upload_many(2, "ci"))
    fs = tuple(f.openai_id for f in upload_many(3, "fs"))
    spec = AssistantSpec(model="gpt-4o", name="Tutor", description="", instructions="Teach.",
                         temperature=None, top_p=0.5, response_format=SCHEMA_FORMAT,
                         builtin_tools=("file_search", "code_interpreter"),
                         function_tools=(PING, LOOKUP),
                         code_interpreter_file_ids=ci, file_search_file_ids=fs)
    pushed = assistants.push(spec)

    fetched = assistants.fetch(pushed.openai_id)

    local = dataclasses.replace(spec, vector_store_id=pushed.vector_store_id)
    assert fetched.openai_id == pushed.openai_id
    assert fetched.spec == normalize_spec(local)
    assert spec_differences(local, fetched.spec) == []
    assert {f.filename for f in fetched.files["code_interpreter"]} == {"ci-0000.txt", "ci-0001.txt"}
    assert {f.filename for f in fetched.files["file_search"]} == {
        "fs-0000.txt", "fs-0001.txt", "fs-0002.txt"}


def test_fetch_reports_a_change_made_in_openai(assistants, openai_client):
    spec = AssistantSpec(model="gpt-4o", name="Tutor", instructions="Teach.")
    pushed = assistants.push(spec)
    openai_client.post(f"/assistants/{pushed.openai_id}", cast_to=object,
                       body={"instructions": "Changed in OpenAI", "temperature": 0.2},
                       options={"headers": {"OpenAI-Beta": "assistants=v2"}})

    fetched = assistants.fetch(pushed.openai_id)

    assert spec_differences(spec, fetched.spec) == [
        ("instructions", "Teach.", "Changed in OpenAI"), ("temperature", 1.0, 0.2)]


def test_fetch_returns_filenames_for_250_store_files_across_pages(assistants, upload_many,
                                                                  openai_standin):
    files = upload_many(250)
    pushed = assistants.push(AssistantSpec(model="gpt-4o", builtin_tools=("file_search",),
                                           file_search_file_ids=tuple(f.openai_id for f in files)))
    openai_standin.reset_counts()

    fetched = assistants.fetch(pushed.openai_id)

    assert {(f.openai_id, f.filename) for f in fetched.files["file_search"]} == {
        (f.openai_id, f.filename) for f in files}
    store_pages = openai_standin.count(
        method="GET", path_prefix=f"/v1/vector_stores/{pushed.vector_store_id}/files")
    assert store_pages == 3


@pytest.mark.parametrize("file_count", [0, 1, 100, 101, 250])
def test_fetch_request_budget(file_count, assistants, upload_many, openai_standin):
    ids = tuple(f.openai_id for f in upload_many(file_count))
    pushed = assistants.push(AssistantSpec(model="gpt-4o", builtin_tools=("file_search",),
                                           file_search_file_ids=ids))
    openai_standin.reset_counts()

    fetched = assistants.fetch(pushed.openai_id)

    assert len(fetched.files["file_search"]) == file_count
    assert all(f.filename for f in fetched.files["file_search"])
    # the assistant, the store's pages, then (fewer than 500 files) each file by its own request
    pages = max(1, math.ceil(file_count / 100))
    assert openai_standin.count() == 1 + pages + file_count
    assert openai_standin.count(path_prefix="/v1/files/") == file_count


def test_fetch_state_with_known_filenames_reads_what_fetch_reads_without_naming_files(
        assistants, upload_many, openai_standin):
    files = upload_many(3)
    spec = AssistantSpec(model="gpt-4o", builtin_tools=("file_search",),
                         file_search_file_ids=tuple(f.openai_id for f in files))
    pushed = assistants.push(spec)
    local = dataclasses.replace(spec, vector_store_id=pushed.vector_store_id)
    openai_standin.reset_counts()

    state = assistants.fetch_state(local, pushed.openai_id,
                                   KnownFiles(filenames={f.openai_id: f.filename for f in files}))

    assert openai_standin.count() == 2  # the assistant and the store's one page, side by side
    assert openai_standin.count(path_prefix="/v1/files") == 0
    fetched = assistants.fetch(pushed.openai_id)
    assert state.spec == fetched.spec
    assert ({(f.openai_id, f.filename) for f in state.files["file_search"]}
            == {(f.openai_id, f.filename) for f in fetched.files["file_search"]})


def test_fetch_state_on_the_assistants_backend_is_fetch(assistants):
    spec = AssistantSpec(model="gpt-4o", name="A")
    pushed = assistants.push(spec)

    assert assistants.fetch_state(spec, pushed.openai_id) == assistants.fetch(pushed.openai_id)


def test_fetch_names_a_deleted_code_interpreter_file_with_an_empty_filename(
        assistants, upload_many, openai_client):
    kept, gone = (f.openai_id for f in upload_many(2))
    pushed = assistants.push(AssistantSpec(model="gpt-4o", builtin_tools=("code_interpreter",),
                                           code_interpreter_file_ids=(kept, gone)))
    openai_client.files.delete(gone)

    fetched = assistants.fetch(pushed.openai_id)

    by_id = {f.openai_id: f.filename for f in fetched.files["code_interpreter"]}
    assert by_id == {kept: "doc-0000.txt", gone: ""}


def test_fetch_reads_a_store_deleted_in_openai_as_no_store(assistants, upload_many, openai_client):
    ids = tuple(f.openai_id for f in upload_many(2))
    spec = AssistantSpec(model="gpt-4o", builtin_tools=("file_search",), file_search_file_ids=ids)
    pushed = assistants.push(spec)
    openai_client.vector_stores.delete(pushed.vector_store_id)

    local = dataclasses.replace(spec, vector_store_id=pushed.vector_store_id)
    for fetched in (assistants.fetch(pushed.openai_id),
                    assistants.fetch_state(local, pushed.openai_id)):
        assert fetched.spec.vector_store_id is None
        assert fetched.spec.file_search_file_ids == () and fetched.files["file_search"] == ()
        local = dataclasses.replace(spec, vector_store_id=pushed.vector_store_id)
        assert not specs_equal(local, fetched.spec)


def test_fetch_of_an_unknown_assistant_is_remote_not_found(assistants):
    with pytest.raises(RemoteNotFound) as caught:
        assistants.fetch("asst_doesnotexist")
    assert caught.value.remote_status == 404
    assert "asst_doesnotexist" in caught.value.message
