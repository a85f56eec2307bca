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
