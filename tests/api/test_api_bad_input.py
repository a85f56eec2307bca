"""Bad input to POST /api/assistants: a 400 naming the field, and nothing changes anywhere."""
from __future__ import annotations

import pytest

from plugin_host import snapshot

VALID = {"name": "Bot", "model": "gpt-4o"}


@pytest.mark.parametrize("body, field", [
    ({"name": "Bot"}, "model"),
    ({"model": "gpt-4o"}, "name"),
    ({**VALID, "name": "x" * 257}, "name"),
    ({**VALID, "temperature": 3}, "temperature"),
    ({**VALID, "temperature": -0.1}, "temperature"),
    ({**VALID, "temperature": "hot"}, "temperature"),
    ({**VALID, "top_p": 1.5}, "top_p"),
    ({**VALID, "builtin_tools": ["web_browser"]}, "builtin_tools"),
    ({**VALID, "builtin_tools": ["file_search", "file_search"]}, "builtin_tools"),
    ({**VALID, "builtin_tools": "file_search"}, "builtin_tools"),
    ({**VALID, "description": "d" * 513}, "description"),
    ({**VALID, "instructions": "i" * 256_001}, "instructions"),
    ({**VALID, "response_format": "json"}, "response_format"),
    ({**VALID, "response_format": {"type": "xml"}}, "response_format.type"),
    ({**VALID, "response_format": {"type": "json_schema"}}, "response_format.json_schema"),
    ({**VALID, "function_tools": [{"name": "has space"}]}, "function_tools.0.name"),
    ({**VALID, "function_tools": [{"description": "no name"}]}, "function_tools.0.name"),
    ({**VALID, "function_tools": [{"name": "f", "parameters": {"type": "string"}}]},
     "function_tools.0.parameters"),
    ({**VALID, "function_tools": [{"name": "f"}, {"name": "f"}]}, "function_tools"),
    ({**VALID, "function_tools": [{"name": "f", "colour": "red"}]}, "function_tools.0.colour"),
    ({**VALID, "tools": []}, "tools"),
])
def test_bad_field_is_named_and_nothing_changes(api, openai_client, openai_standin, body, field):
    before = snapshot(api, openai_client)
    openai_standin.reset_counts()

    response = api.post("/assistants", json=body)

    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input"
    assert field in error["fields"], error
    assert all(isinstance(m, str) for messages in error["fields"].values() for m in messages)
    assert field.split(".")[0] in error["message"]
    assert openai_standin.count() == 0
    assert snapshot(api, openai_client) == before


@pytest.mark.parametrize("kwargs", [
    {"data": "name=Bot&model=gpt-4o", "content_type": "application/x-www-form-urlencoded"},
    {"data": "{not json", "content_type": "application/json"},
    {"data": '["a", "list"]', "content_type": "application/json"},
    {"data": '"text"', "content_type": "application/json"},
    {},
])
def test_non_json_body_names_the_body(api, openai_client, openai_standin, kwargs):
    before = snapshot(api, openai_client)
    openai_standin.reset_counts()

    response = api.post("/assistants", **kwargs)

    assert response.status_code == 400
    assert "body" in response.get_json()["error"]["fields"]
    assert openai_standin.count() == 0
    assert snapshot(api, openai_client) == before


def test_every_bad_field_is_reported_at_once(api):
    response = api.post("/assistants", json={"name": "", "temperature": 9, "top_p": -1})

    assert set(response.get_json()["error"]["fields"]) == {"name", "model", "temperature", "top_p"}
