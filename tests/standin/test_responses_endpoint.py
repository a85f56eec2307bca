"""``POST /v1/responses``: validated like OpenAI, answered with a canned reply naming the tools."""
from __future__ import annotations

import openai
import pytest


def test_reply_names_the_tools_it_was_given(openai_client, upload):
    file = upload()
    store = openai_client.vector_stores.create(file_ids=[file.id])

    response = openai_client.responses.create(
        model="gpt-4o", instructions="Be brief.", input="What is in my files?",
        tools=[{"type": "file_search", "vector_store_ids": [store.id]},
               {"type": "code_interpreter",
                "container": {"type": "auto", "file_ids": [file.id]}}],
        temperature=0.3, metadata={"assistant": "42"})

    assert response.id.startswith("resp_")
    assert (response.object, response.status, response.model) == ("response", "completed",
                                                                   "gpt-4o")
    assert response.output_text == "stand-in reply using tools: file_search, code_interpreter"
    assert response.instructions == "Be brief."
    assert (response.temperature, response.metadata) == (0.3, {"assistant": "42"})
    assert [t.type for t in response.tools] == ["file_search", "code_interpreter"]


def test_reply_without_tools(openai_client):
    response = openai_client.responses.create(model="gpt-4o", input="hi")

    assert response.output_text == "stand-in reply using no tools"


def test_function_tools_are_named(openai_client):
    response = openai_client.responses.create(
        model="gpt-4o", input="weather?",
        tools=[{"type": "function", "name": "get_weather", "parameters": {"type": "object"},
                "strict": False}])

    assert response.output_text == "stand-in reply using tools: get_weather"


@pytest.mark.parametrize("fields, param", [
    ({"temperature": "hot"}, "temperature"),
    ({"input": 5}, "input"),
    ({"tools": [{"type": "file_search"}]}, "tools[0].vector_store_ids"),
    ({"tools": [{"type": "file_search", "vector_store_ids": ["vs_missing"]}]},
     "tools[0].vector_store_ids"),
    ({"tools": [{"type": "code_interpreter", "container": {"type": "auto",
                                                          "file_ids": ["file-missing"]}}]},
     "tools[0].container.file_ids"),
    ({"top_p": 2}, "top_p"),
    ({"stream": True}, "stream"),
])
def test_invalid_bodies_are_refused(openai_client, fields, param):
    body = {"model": "gpt-4o", "input": "hi", **fields}
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.post("/responses", body=body, cast_to=object)

    assert caught.value.param == param
    assert caught.value.type == "invalid_request_error"


def test_model_is_required(openai_client):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.responses.create(input="hi")

    assert caught.value.param == "model"
