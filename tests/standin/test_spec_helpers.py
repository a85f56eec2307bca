"""The spec helpers hosts and the plugin's tests use: validators and response conformance."""
from __future__ import annotations

import httpx2
import pytest

from ocs_assistant_plugin.testing import (SpecConformance, SpecViolation, load_spec,
                                          spec_validator, validate_response)

VALID_REQUEST = {
    "model": "gpt-4o", "instructions": "Be brief.", "input": "hello", "temperature": 0.5,
    "tools": [{"type": "file_search", "vector_store_ids": ["vs_1"]},
              {"type": "code_interpreter", "container": {"type": "auto", "file_ids": []}}],
}


def test_both_documents_load_with_their_components():
    assert "AssistantObject" in load_spec("assistants")["components"]["schemas"]
    assert "CreateResponse" in load_spec("responses")["components"]["schemas"]
    with pytest.raises(ValueError):
        load_spec("chat")


def test_validate_response_accepts_a_valid_create_response_request():
    validate_response("responses", "CreateResponse", VALID_REQUEST)


def test_validate_response_names_what_is_wrong():
    with pytest.raises(SpecViolation) as caught:
        validate_response("responses", "CreateResponse", {**VALID_REQUEST, "top_p": 3})

    assert "CreateResponse" in str(caught.value) and "top_p" in str(caught.value)


def test_spec_validator_finds_the_document_by_schema_name():
    assert spec_validator("CreateResponse").is_valid(VALID_REQUEST)
    assert not spec_validator("AssistantObject").is_valid({"id": "asst_1"})
    with pytest.raises(KeyError):
        spec_validator("NoSuchSchema")


MESSAGE_WITH_PARTS = {"type": "message", "role": "user",
                      "content": [{"type": "input_text", "text": "hello"}]}


def test_a_discriminated_one_of_holds_when_overlapping_branches_both_match():
    # InputItem's EasyInputMessage and Item (InputMessage) both describe this message.
    validate_response("responses", "CreateResponse",
                      {**VALID_REQUEST, "input": [MESSAGE_WITH_PARTS]})
    assert spec_validator("InputItem", "responses").is_valid(MESSAGE_WITH_PARTS)


def test_a_discriminated_one_of_still_refuses_what_no_branch_allows():
    for item in ({**MESSAGE_WITH_PARTS, "content": [{"type": "input_txt", "text": "hello"}]},
                 {"type": "message", "role": "user"}, {"type": "bogus", "content": "hi"}):
        assert not spec_validator("InputItem", "responses").is_valid(item), item


def test_a_one_of_without_a_discriminator_still_means_exactly_one():
    both = {"model": "gpt-4o", "tool_resources": {"file_search": {
        "vector_store_ids": ["vs_1"], "vector_stores": [{"file_ids": []}]}}}

    assert not spec_validator("CreateAssistantRequest").is_valid(both)
    for one in ("vector_store_ids", "vector_stores"):
        only = {"model": "gpt-4o", "tool_resources": {"file_search": {
            one: both["tool_resources"]["file_search"][one]}}}
        assert spec_validator("CreateAssistantRequest").is_valid(only), one


def _response(method: str, url: str, status: int, body) -> httpx2.Response:
    return httpx2.Response(status, json=body, request=httpx2.Request(method, url))


def test_conformance_flags_a_response_that_breaks_the_spec():
    conformance = SpecConformance()

    conformance(_response("GET", "http://x/v1/assistants/asst_1", 200, {"id": "asst_1"}))
    conformance(_response("GET", "http://x/v1/files", 404, {"error": {"message": "m"}}))

    assert conformance.checked == 2
    assert [where for where, _ in conformance.violations] == ["GET /v1/assistants/asst_1",
                                                              "GET /v1/files"]
    with pytest.raises(AssertionError, match="2 response"):
        conformance.assert_clean()


def test_conformance_accepts_spec_shaped_responses():
    conformance = SpecConformance()
    envelope = {"object": "list", "data": [], "first_id": "", "last_id": "", "has_more": False}

    conformance(_response("GET", "http://x/v1/vector_stores", 200, envelope))
    conformance(_response("DELETE", "http://x/v1/files/file-1", 200,
                          {"id": "file-1", "object": "file", "deleted": True}))

    assert conformance.checked == 2
    conformance.assert_clean()


def _stream(body: str) -> httpx2.Response:
    return httpx2.Response(200, content=body.encode(),
                           headers={"content-type": "text/event-stream"},
                           request=httpx2.Request("POST", "http://x/v1/responses"))


def test_conformance_checks_each_stream_event_against_its_type():
    conformance = SpecConformance()
    good = ('{"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0, '
            '"content_index": 0, "delta": "Hi", "logprobs": [], "sequence_number": 3}')
    missing_delta = ('{"type": "response.output_text.delta", "item_id": "msg_1", '
                     '"output_index": 0, "content_index": 0, "logprobs": [], '
                     '"sequence_number": 4}')

    conformance(_stream(f"event: response.output_text.delta\ndata: {good}\n\n"
                        f"event: response.output_text.delta\ndata: {missing_delta}\n\n"
                        f"event: response.output_text.done\ndata: {good}\n\n"))

    assert conformance.checked == 3
    messages = [str(violation) for _, violation in conformance.violations]
    assert len(messages) == 2
    assert "ResponseTextDeltaEvent" in messages[0] and "delta" in messages[0]
    assert "response.output_text.done" in messages[1]


def test_parse_events_follows_the_event_stream_rules():
    from ocs_assistant_plugin.testing.sse import parse_events

    events = parse_events(": comment\r\nevent: delta\r\ndata: {\"text\": 1}\r\n\r\n"
                          "data: line one\ndata:line two\n\n"
                          "event: done\ndata: unterminated")

    assert [(e.event, e.data) for e in events] == [("delta", '{"text": 1}'),
                                                   ("message", "line one\nline two")]
    assert events[0].json() == {"text": 1}
