"""The `responses` backend: the configuration stays here, only store and files live in OpenAI."""
from __future__ import annotations

import pytest

from ocs_assistant_plugin.errors import NotFound
from plugin_host import ApiClient, remote_assistant_ids, store_file_ids


@pytest.fixture
def responses_api(make_app):
    return ApiClient(make_app(OCS_ASSISTANTS_BACKEND="responses"))


def test_create_keeps_no_remote_assistant_but_a_vector_store(responses_api, openai_client):
    created = responses_api.create(name="Local", builtin_tools=["file_search"])

    assert created["backend"] == "responses" and created["openai_id"] is None
    assert created["vector_store_id"]
    assert remote_assistant_ids(openai_client) == set()


def test_uploads_and_edits_work_without_a_remote_assistant(responses_api, openai_client):
    created = responses_api.create(name="Local", builtin_tools=["file_search", "code_interpreter"])

    doc = responses_api.upload(created["id"], "file_search", "doc.txt", b"doc").get_json()
    data = responses_api.upload(created["id"], "code_interpreter", "d.csv", b"1").get_json()
    patched = responses_api.patch(f"/assistants/{created['id']}", json={"instructions": "Hi"})

    assert patched.status_code == 200 and patched.get_json()["openai_id"] is None
    assert store_file_ids(openai_client, created["vector_store_id"]) == {doc["openai_id"]}
    assert {f["openai_id"] for f in patched.get_json()["files"]} == {doc["openai_id"],
                                                                      data["openai_id"]}
    assert remote_assistant_ids(openai_client) == set()


def test_responses_request_is_accepted_by_responses_create(responses_api, openai_client):
    app = responses_api.app
    created = responses_api.create(
        name="Local", instructions="Be brief.", temperature=0.3,
        builtin_tools=["file_search", "code_interpreter"],
        function_tools=[{"name": "lookup", "parameters": {"type": "object", "properties": {}}}],
        response_format={"type": "json_object"})
    data = responses_api.upload(created["id"], "code_interpreter", "d.csv", b"1").get_json()

    with app.app_context():
        request = app.extensions["ocs_assistants"].responses_request(created["id"])
    response = openai_client.responses.create(input="Hello", **request)

    assert request["model"] == "gpt-4o" and request["instructions"] == "Be brief."
    assert request["temperature"] == 0.3 and request["text"] == {"format": {"type": "json_object"}}
    tools = {t["type"]: t for t in request["tools"]}
    assert tools["file_search"]["vector_store_ids"] == [created["vector_store_id"]]
    assert tools["code_interpreter"]["container"]["file_ids"] == [data["openai_id"]]
    assert tools["function"]["name"] == "lookup"
    assert response.output_text == 'You said: "Hello"'
    assert [t.type for t in response.tools] == ["file_search", "code_interpreter", "function"]


def test_responses_request_for_an_unknown_assistant_is_not_found(app):
    with app.app_context(), pytest.raises(NotFound):
        app.extensions["ocs_assistants"].responses_request(999)
