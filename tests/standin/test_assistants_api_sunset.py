"""``OpenAIStandIn(assistants_api=False)``: the Assistants paths answer as OpenAI does since it
switched that API off; files, vector stores and responses work as before."""
from __future__ import annotations

import openai
import pytest

from ocs_assistant_plugin.testing import OpenAIStandIn

BETA = {"headers": {"OpenAI-Beta": "assistants=v2"}}


@pytest.fixture(scope="module")
def sunset_standin():
    with OpenAIStandIn(assistants_api=False) as standin:
        yield standin


@pytest.fixture
def sunset_client(sunset_standin, make_openai_client):
    return make_openai_client(sunset_standin)


@pytest.mark.parametrize("method, path", [
    ("POST", "/assistants"), ("GET", "/assistants"), ("GET", "/assistants/asst_1"),
    ("POST", "/assistants/asst_1"), ("DELETE", "/assistants/asst_1"), ("POST", "/threads"),
])
def test_assistants_paths_answer_invalid_url_like_openai(sunset_client, method, path):
    call = getattr(sunset_client, method.lower())
    body = {"body": {"model": "gpt-4o"}} if method == "POST" else {}
    with pytest.raises(openai.NotFoundError) as error:
        call(path, cast_to=object, options=BETA, **body)

    assert error.value.status_code == 404
    assert error.value.body == {"message": f"Invalid URL ({method} /v1{path})",
                                "type": "invalid_request_error", "param": None, "code": None}


def test_files_vector_stores_and_responses_work(sunset_client, sunset_standin):
    sunset_standin.reset_counts()
    file = sunset_client.files.create(file=("policy.txt", b"Refunds take five days."),
                                      purpose="assistants")
    store = sunset_client.vector_stores.create(name="Policies", file_ids=[file.id])
    assert [f.id for f in sunset_client.vector_stores.files.list(store.id)] == [file.id]

    reply = sunset_client.responses.create(
        model="gpt-4o", input="How long do refunds take?",
        tools=[{"type": "file_search", "vector_store_ids": [store.id]}])

    assert "How long do refunds take?" in reply.output_text
    assert [r.status for r in sunset_standin.requests] == [200, 200, 200, 200]


def test_the_assistants_api_can_be_switched_off_while_running(openai_standin, openai_client):
    created = openai_client.post("/assistants", body={"model": "gpt-4o"}, cast_to=object,
                                 options=BETA)
    openai_standin.assistants_api = False

    with pytest.raises(openai.NotFoundError, match="Invalid URL"):
        openai_client.get(f"/assistants/{created['id']}", cast_to=object, options=BETA)

    openai_standin.reset()  # back to what it was made with
    assert openai_standin.assistants_api is True
