"""``POST /v1/responses``: validated like OpenAI, answered with a deterministic, spec-shaped reply.

Every response and every stream event the SDK receives here is also checked against the spec by
the ``openai_client`` fixture's conformance hook (asserted clean at teardown).
"""
from __future__ import annotations

import httpx2
import openai
import pytest

from ocs_assistant_plugin.testing import validate_response
from ocs_assistant_plugin.testing.openapi import stream_event_schema_name
from ocs_assistant_plugin.testing.sse import parse_events

POLICY = b"Shipping takes five days.\nRefunds are paid within 30 days of the refund request.\n"
MENU = b"The canteen serves soup and bread on Mondays.\n"


@pytest.fixture
def store(openai_client, upload):
    """A vector store holding menu.txt then policy.txt."""
    menu = upload(MENU, "menu.txt")
    policy = upload(POLICY, "policy.txt")
    store = openai_client.vector_stores.create(file_ids=[menu.id, policy.id])
    return {"id": store.id, "menu": menu.id, "policy": policy.id}


def _file_search(store_id: str) -> list[dict]:
    return [{"type": "file_search", "vector_store_ids": [store_id]}]


def test_reply_repeats_the_input(openai_client):
    response = openai_client.responses.create(model="gpt-4o", input="Hello there")

    assert response.id.startswith("resp_")
    assert (response.object, response.status, response.model) == ("response", "completed",
                                                                   "gpt-4o")
    assert response.output_text == 'You said: "Hello there"'
    validate_response("responses", "Response", response.model_dump(mode="json",
                                                                    exclude_unset=True))


def test_request_settings_are_echoed(openai_client, upload):
    file = upload()
    response = openai_client.responses.create(
        model="gpt-4o", instructions="Be brief.", input="hi", temperature=0.3,
        metadata={"assistant": "42"},
        tools=[{"type": "code_interpreter", "container": {"type": "auto", "file_ids": [file.id]}},
               {"type": "function", "name": "get_weather", "parameters": {"type": "object"},
                "strict": False}])

    assert response.instructions == "Be brief."
    assert (response.temperature, response.metadata) == (0.3, {"assistant": "42"})
    assert [t.type for t in response.tools] == ["code_interpreter", "function"]


def test_file_search_cites_the_file_sharing_most_words(openai_client, store):
    response = openai_client.responses.create(
        model="gpt-4o", input="How are refunds paid after a refund request?",
        tools=_file_search(store["id"]))

    assert response.output_text == (
        'You said: "How are refunds paid after a refund request?" From policy.txt: '
        '"Refunds are paid within 30 days of the refund request."')
    search, message = response.output
    assert (search.type, search.status, search.queries) == (
        "file_search_call", "completed", ["How are refunds paid after a refund request?"])
    [annotation] = message.content[0].annotations
    assert (annotation.type, annotation.file_id, annotation.filename) == (
        "file_citation", store["policy"], "policy.txt")
    assert annotation.index == len(response.output_text)


def test_the_other_file_is_cited_when_it_shares_more_words(openai_client, store):
    response = openai_client.responses.create(
        model="gpt-4o", input="What soup does the canteen serve?", tools=_file_search(store["id"]))

    [annotation] = response.output[1].content[0].annotations
    assert annotation.file_id == store["menu"]
    assert response.output_text.endswith(
        'From menu.txt: "The canteen serves soup and bread on Mondays."')


def test_nothing_is_cited_when_no_file_shares_a_word(openai_client, store):
    response = openai_client.responses.create(
        model="gpt-4o", input="Zebra?", tools=_file_search(store["id"]))

    assert response.output_text == 'You said: "Zebra?"'
    assert response.output[1].content[0].annotations == []


def test_a_deleted_file_is_not_cited(openai_client, store):
    openai_client.files.delete(store["policy"])

    response = openai_client.responses.create(
        model="gpt-4o", input="refund request", tools=_file_search(store["id"]))

    assert response.output[1].content[0].annotations == []


def test_input_messages_are_read_as_the_user_text(openai_client):
    response = openai_client.responses.create(
        model="gpt-4o",
        input=[{"role": "developer", "content": "Answer in French."},
               {"role": "user", "content": "Bonjour"}])

    assert response.output_text == 'You said: "Bonjour"'


@pytest.mark.parametrize("message", [
    {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Bonjour"}]},
    {"role": "user", "content": [{"type": "input_text", "text": "Bonjour"}]},
    {"type": "message", "role": "user", "content": "Bonjour"},
], ids=["typed-with-parts", "untyped-with-parts", "typed-with-text"])
def test_every_spec_shape_of_an_input_message_is_accepted(openai_client, message):
    response = openai_client.responses.create(
        model="gpt-4o",
        input=[{"type": "message", "role": "system",
                "content": [{"type": "input_text", "text": "Answer in French."}]}, message])

    assert response.output_text == 'You said: "Bonjour"'


def test_an_input_message_with_an_unknown_content_part_is_refused(openai_client):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.responses.create(model="gpt-4o", input=[
            {"type": "message", "role": "user", "content": [{"type": "input_txt", "text": "x"}]}])

    assert caught.value.param.startswith("input[0]")


def test_usage_counts_words_of_instructions_input_and_reply(openai_client):
    response = openai_client.responses.create(model="gpt-4o", instructions="Be brief.",
                                              input="one two three")

    assert response.usage.input_tokens == 5
    assert response.usage.output_tokens == len('You said: "one two three"'.split())
    assert response.usage.total_tokens == response.usage.input_tokens + \
        response.usage.output_tokens


def test_previous_response_id_continues_the_conversation(openai_client):
    first = openai_client.responses.create(model="gpt-4o", input="one two")
    second = openai_client.responses.create(model="gpt-4o", input="three",
                                            previous_response_id=first.id)
    third = openai_client.responses.create(model="gpt-4o", input="four",
                                           previous_response_id=second.id)

    assert second.previous_response_id == first.id
    assert second.output_text == 'You said: "three" (turn 2)'
    assert third.output_text == 'You said: "four" (turn 3)'
    assert second.usage.input_tokens == first.usage.total_tokens + 1


def test_unknown_previous_response_id_is_refused(openai_client):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.responses.create(model="gpt-4o", input="hi",
                                       previous_response_id="resp_missing")

    assert caught.value.param == "previous_response_id"
    assert caught.value.code == "previous_response_not_found"
    assert "resp_missing" in caught.value.message


def test_an_unstored_response_cannot_be_continued(openai_client):
    first = openai_client.responses.create(model="gpt-4o", input="hi", store=False)

    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.responses.create(model="gpt-4o", input="again",
                                       previous_response_id=first.id)

    assert caught.value.code == "previous_response_not_found"


def test_stream_sends_the_spec_events_in_order(openai_client, store):
    events = list(openai_client.responses.create(
        model="gpt-4o", input="refund request", tools=_file_search(store["id"]), stream=True))

    kinds = [event.type for event in events]
    deltas = [event.delta for event in events if event.type == "response.output_text.delta"]
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert kinds[2:7] == ["response.output_item.added", "response.file_search_call.in_progress",
                          "response.file_search_call.searching",
                          "response.file_search_call.completed", "response.output_item.done"]
    assert kinds[7:9] == ["response.output_item.added", "response.content_part.added"]
    assert kinds[9:9 + len(deltas)] == ["response.output_text.delta"] * len(deltas)
    assert kinds[9 + len(deltas):] == [
        "response.output_text.annotation.added", "response.output_text.done",
        "response.content_part.done", "response.output_item.done", "response.completed"]
    assert [event.sequence_number for event in events] == list(range(len(events)))
    completed = events[-1].response
    assert "".join(deltas) == completed.output_text
    assert completed.output[1].content[0].annotations[0].file_id == store["policy"]
    assert events[0].response.status == "in_progress" and completed.status == "completed"


def test_streamed_and_plain_replies_say_the_same(openai_client, store):
    plain = openai_client.responses.create(model="gpt-4o", input="soup",
                                           tools=_file_search(store["id"]))
    events = list(openai_client.responses.create(model="gpt-4o", input="soup",
                                                 tools=_file_search(store["id"]), stream=True))

    assert events[-1].response.output_text == plain.output_text
    assert events[-1].response.usage.output_tokens == plain.usage.output_tokens


def test_each_raw_stream_event_matches_its_spec_schema(openai_standin, store):
    raw = httpx2.post(f"{openai_standin.base_url}/responses",
                      headers={"Authorization": f"Bearer {openai_standin.api_key}"},
                      json={"model": "gpt-4o", "input": "refund", "stream": True,
                            "tools": _file_search(store["id"])})

    assert raw.status_code == 200
    assert raw.headers["content-type"].startswith("text/event-stream")
    events = parse_events(raw.text)
    assert len(events) > 10
    for event in events:
        data = event.json()
        assert event.event == data["type"]
        validate_response("responses", stream_event_schema_name(data["type"]), data)


def test_a_streamed_response_can_be_continued(openai_client):
    events = list(openai_client.responses.create(model="gpt-4o", input="hi", stream=True))
    follow_up = openai_client.responses.create(model="gpt-4o", input="more",
                                               previous_response_id=events[-1].response.id)

    assert follow_up.output_text == 'You said: "more" (turn 2)'


def test_an_injected_failure_answers_before_any_event(openai_standin, openai_client):
    openai_standin.inject_fault(status=500, path_prefix="/v1/responses")

    with pytest.raises(openai.InternalServerError):
        openai_client.responses.create(model="gpt-4o", input="hi", stream=True)


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
    ({"stream": "yes"}, "stream"),
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


def test_a_cut_stream_delivers_some_events_then_breaks(openai_standin, store):
    openai_standin.inject_fault(kind="cut", path_prefix="/v1/responses")
    # Without the conformance hook, which reads a whole body before the SDK sees any of it.
    client = openai.OpenAI(api_key=openai_standin.api_key, base_url=openai_standin.base_url,
                           max_retries=0, timeout=5)

    received = []
    with client, pytest.raises(openai.APIConnectionError):
        for event in client.responses.create(
                model="gpt-4o", input="refund request", tools=_file_search(store["id"]),
                stream=True):
            received.append(event.type)

    assert received[0] == "response.created" and "response.output_text.delta" in received
    assert "response.completed" not in received
    assert [r.status for r in openai_standin.requests if r.path == "/v1/responses"] == [0]


def test_a_cut_answer_was_still_carried_out(openai_standin, openai_client):
    openai_standin.inject_fault(kind="cut", path_prefix="/v1/responses")

    with pytest.raises(openai.APIConnectionError):
        openai_client.responses.create(model="gpt-4o", input="hi")

    with openai_standin.lock:
        assert len(openai_standin.state.responses) == 1


# -- failures OpenAI reports inside its answer: the stream_error and response_failed faults -----


def test_a_stream_error_sends_half_the_text_then_an_error_event(openai_standin, openai_client,
                                                                openai_spec_conformance):
    openai_standin.inject_fault(kind="stream_error")

    events = list(openai_client.responses.create(model="gpt-4o", input="one two three four",
                                                 stream=True))

    kinds = [event.type for event in events]
    assert kinds[:4] == ["response.created", "response.in_progress",
                         "response.output_item.added", "response.content_part.added"]
    deltas = kinds[4:-1]
    assert deltas == ["response.output_text.delta"] * 3  # of the reply's 6 words
    error = events[-1]
    assert (error.type, error.code, error.param) == ("error", "server_error", None)
    assert error.message == "An error occurred while the response was being generated."
    assert [event.sequence_number for event in events] == list(range(len(events)))
    assert openai_spec_conformance.checked == len(events)  # each event checked against the spec


def test_a_response_failed_fault_streams_a_failed_response(openai_standin, openai_client,
                                                           openai_spec_conformance):
    openai_standin.inject_fault(kind="response_failed", message="The model is overloaded.")

    events = list(openai_client.responses.create(model="gpt-4o", input="hi", stream=True))

    assert [event.type for event in events] == ["response.created", "response.in_progress",
                                                "response.failed"]
    failed = events[-1].response
    assert (failed.status, failed.error.code, failed.error.message) == (
        "failed", "server_error", "The model is overloaded.")
    assert failed.output == [] and failed.id == events[0].response.id
    assert [event.sequence_number for event in events] == [0, 1, 2]
    assert openai_spec_conformance.checked == 3


def test_a_plain_request_gets_the_failed_response(openai_standin, openai_client,
                                                  openai_spec_conformance):
    openai_standin.inject_fault(kind="response_failed")

    failed = openai_client.responses.create(model="gpt-4o", input="hi")

    assert (failed.status, failed.error.code, failed.error.message) == (
        "failed", "server_error", "The model failed to generate a response.")
    assert failed.output == [] and failed.usage is None
    assert openai_spec_conformance.checked == 1


def test_a_plain_request_gets_a_stream_errors_status(openai_standin, openai_client):
    openai_standin.inject_fault(kind="stream_error", status=503, message="Overloaded.")

    with pytest.raises(openai.InternalServerError) as caught:
        openai_client.responses.create(model="gpt-4o", input="hi")

    assert caught.value.status_code == 503 and caught.value.message.endswith("Overloaded.")


@pytest.mark.parametrize("kind", ["stream_error", "response_failed"])
def test_each_raw_event_of_a_reported_failure_matches_its_spec_schema(openai_standin, store,
                                                                      kind):
    openai_standin.inject_fault(kind=kind)
    raw = httpx2.post(f"{openai_standin.base_url}/responses",
                      headers={"Authorization": f"Bearer {openai_standin.api_key}"},
                      json={"model": "gpt-4o", "input": "refund request", "stream": True,
                            "tools": _file_search(store["id"])})

    assert raw.status_code == 200
    events = parse_events(raw.text)
    assert events[-1].event == {"stream_error": "error", "response_failed": "response.failed"}[kind]
    assert "response.completed" not in [event.event for event in events]
    for event in events:
        data = event.json()
        assert event.event == data["type"]
        validate_response("responses", stream_event_schema_name(data["type"]), data)


@pytest.mark.parametrize("kind", ["stream_error", "response_failed"])
def test_a_failed_response_cannot_be_continued(openai_standin, openai_client, kind):
    openai_standin.inject_fault(kind=kind)
    events = list(openai_client.responses.create(model="gpt-4o", input="hi", stream=True))

    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.responses.create(model="gpt-4o", input="more",
                                       previous_response_id=events[0].response.id)

    assert caught.value.code == "previous_response_not_found"


def test_a_refused_request_gets_its_refusal_not_the_reported_failure(openai_standin,
                                                                     openai_client):
    openai_standin.inject_fault(kind="stream_error")

    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.responses.create(model="gpt-4o", input="hi", temperature=5, stream=True)

    assert caught.value.param == "temperature"
