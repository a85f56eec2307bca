"""POST /api/assistants: validated, created in OpenAI, saved."""
from __future__ import annotations

from plugin_host import remote_assistant, remote_store_ids

FULL_INPUT = {
    "name": "Support bot",
    "model": "gpt-4o",
    "description": "Answers support questions",
    "instructions": "Be kind. Cite the manual.",
    "temperature": 0.4,
    "top_p": 0.9,
    "response_format": {"type": "json_schema", "json_schema": {
        "name": "answer", "schema": {"type": "object", "properties": {"text": {"type": "string"}}},
        "strict": True}},
    "builtin_tools": ["code_interpreter", "file_search"],
    "function_tools": [{"name": "lookup_order", "description": "Find an order",
                        "parameters": {"type": "object",
                                       "properties": {"id": {"type": "string"}},
                                       "required": ["id"]},
                        "strict": False}],
}


def test_created_assistant_exists_in_openai_with_the_same_fields(api, openai_client):
    response = api.post("/assistants", json=FULL_INPUT)

    assert response.status_code == 201
    body = response.get_json()
    for field, value in FULL_INPUT.items():
        assert body[field] == value, field
    assert body["team_id"] == 1 and body["is_version"] is False and body["archived"] is False
    assert body["backend"] == "assistants" and body["files"] == [] and body["versions"] == []

    remote = remote_assistant(openai_client, body["openai_id"])
    assert remote["name"] == "Support bot"
    assert remote["model"] == "gpt-4o"
    assert remote["description"] == "Answers support questions"
    assert remote["instructions"] == "Be kind. Cite the manual."
    assert remote["temperature"] == 0.4 and remote["top_p"] == 0.9
    assert remote["response_format"] == FULL_INPUT["response_format"]
    types = [t["type"] for t in remote["tools"]]
    assert sorted(types) == ["code_interpreter", "file_search", "function"]
    function = next(t["function"] for t in remote["tools"] if t["type"] == "function")
    assert function["name"] == "lookup_order"
    assert function["parameters"] == FULL_INPUT["function_tools"][0]["parameters"]
    # file_search is on, so the assistant got its vector store
    assert remote["tool_resources"]["file_search"]["vector_store_ids"] == [body["vector_store_id"]]
    assert body["vector_store_id"] in remote_store_ids(openai_client)


def test_created_assistant_is_saved_and_readable(api):
    created = api.create(name="Saved", instructions="Hi")

    response = api.get(f"/assistants/{created['id']}")

    assert response.status_code == 200
    assert response.get_json() == created
    assert [a["id"] for a in api.assistants()] == [created["id"]]


def test_create_without_file_search_makes_one_request_and_no_vector_store(api, openai_client,
                                                                          openai_standin):
    created = api.create(name="Plain")

    assert openai_standin.count("POST", "/v1/assistants") == 1
    assert openai_standin.count(path_prefix="/v1/vector_stores") == 0
    assert created["vector_store_id"] is None
    assert remote_assistant(openai_client, created["openai_id"])["tools"] == []


def test_optional_fields_default_to_empty_and_unset(api, openai_client):
    created = api.create(name="Minimal", model="gpt-4o-mini")

    assert created["description"] == "" and created["instructions"] == ""
    assert created["temperature"] is None and created["top_p"] is None
    assert created["response_format"] is None
    assert created["builtin_tools"] == [] and created["function_tools"] == []
    remote = remote_assistant(openai_client, created["openai_id"])
    assert remote["model"] == "gpt-4o-mini" and remote["instructions"] is None


def test_response_format_auto_and_text_are_pushed(api, openai_client):
    auto = api.create(name="Auto", response_format="auto")
    text = api.create(name="Text", response_format={"type": "text"})

    assert remote_assistant(openai_client, auto["openai_id"])["response_format"] == "auto"
    assert remote_assistant(openai_client, text["openai_id"])["response_format"] == {"type": "text"}
