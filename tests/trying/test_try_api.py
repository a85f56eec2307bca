"""POST /api/assistants/<id>/try: the answer as JSON or streamed as server-sent events."""
from __future__ import annotations

import jsonschema
import pytest

from ocs_assistant_plugin import hookimpl
from ocs_assistant_plugin.testing.sse import parse_events
from plugin_host import ApiClient, add_assistant_row, as_json_schema, snapshot

STREAM = {"Accept": "text/event-stream"}
REFUND_QUESTION = "How is a refund paid after a refund request?"


def try_path(assistant_id: int) -> str:
    return f"/assistants/{assistant_id}/try"


def streamed(response) -> list[tuple[str, dict]]:
    """The answer's events, parsed by the event-stream rules."""
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    return [(event.event, event.json()) for event in parse_events(response.get_data())]


def test_try_answers_with_text_citations_and_usage(try_api, helpdesk, sent):
    response = try_api.post(try_path(helpdesk["id"]), json={"input": REFUND_QUESTION})

    assert response.status_code == 200
    result = response.get_json()
    assert result["response_id"].startswith("resp_")
    assert result["output_text"] == (
        f'You said: "{REFUND_QUESTION}" From policy.txt: '
        '"Refunds are paid within 30 days of the refund request."')
    assert result["citations"] == [{"file_id": helpdesk["policy"], "filename": "policy.txt"}]
    assert result["usage"]["input_tokens"] > 0 and result["usage"]["output_tokens"] > 0
    assert len(sent.bodies) == 1


def test_try_sends_the_responses_request_plus_the_input(try_api, helpdesk, sent):
    with try_api.app.app_context():
        expected = try_api.app.extensions["ocs_assistants"].responses_request(helpdesk["id"])

    try_api.post(try_path(helpdesk["id"]), json={"input": "Hi"})

    assert sent.bodies == [{**expected, "input": "Hi"}]
    assert expected["tools"] == [{"type": "file_search",
                                  "vector_store_ids": [helpdesk["vector_store_id"]]}]


def test_streamed_try_sends_deltas_then_done(try_api, helpdesk, sent):
    response = try_api.post(try_path(helpdesk["id"]), json={"input": REFUND_QUESTION},
                            headers=STREAM)

    events = streamed(response)
    names = [name for name, _ in events]
    assert names[-1] == "done" and set(names[:-1]) == {"delta"} and len(names) > 3
    done = events[-1][1]
    assert "".join(data["text"] for name, data in events[:-1]) == done["output_text"]
    assert done["citations"] == [{"file_id": helpdesk["policy"], "filename": "policy.txt"}]
    assert set(done["usage"]) == {"input_tokens", "output_tokens"}
    assert sent.bodies[0]["stream"] is True and sent.bodies[0]["input"] == REFUND_QUESTION


def test_plain_and_streamed_answers_agree(try_api, helpdesk):
    plain = try_api.post(try_path(helpdesk["id"]), json={"input": "soup"}).get_json()
    done = streamed(try_api.post(try_path(helpdesk["id"]), json={"input": "soup"},
                                 headers=STREAM))[-1][1]

    assert done["output_text"] == plain["output_text"]
    assert done["citations"] == plain["citations"] == [{"file_id": helpdesk["menu"],
                                                        "filename": "menu.txt"}]
    assert done["usage"] == plain["usage"]


def test_a_conversation_goes_on_with_previous_response_id(try_api, helpdesk, sent):
    first = try_api.post(try_path(helpdesk["id"]), json={"input": "Hello"}).get_json()
    second = try_api.post(try_path(helpdesk["id"]), json={
        "input": "And the menu?", "previous_response_id": first["response_id"]}).get_json()
    third = streamed(try_api.post(try_path(helpdesk["id"]), headers=STREAM, json={
        "input": "Thanks", "previous_response_id": second["response_id"]}))[-1][1]

    assert second["output_text"].startswith('You said: "And the menu?" (turn 2)')
    assert third["output_text"].startswith('You said: "Thanks" (turn 3)')
    assert second["usage"]["input_tokens"] > sum(first["usage"].values())
    assert [body.get("previous_response_id") for body in sent.bodies] == [
        None, first["response_id"], second["response_id"]]


def test_a_null_previous_response_id_starts_a_new_conversation(try_api, helpdesk, sent):
    result = try_api.post(try_path(helpdesk["id"]), json={
        "input": "Hello", "previous_response_id": None}).get_json()

    assert result["output_text"] == 'You said: "Hello"'
    assert "previous_response_id" not in sent.bodies[0]


def test_a_version_is_tried_with_its_own_store(try_api, helpdesk, sent):
    version = try_api.post(f"/assistants/{helpdesk['id']}/release", json={"label": "v1"})
    assert version.status_code == 201
    version = version.get_json()

    result = try_api.post(try_path(version["id"]), json={"input": REFUND_QUESTION}).get_json()
    events = streamed(try_api.post(try_path(version["id"]), json={"input": "soup"},
                                   headers=STREAM))

    assert version["vector_store_id"] != helpdesk["vector_store_id"]
    assert sent.bodies[0]["tools"] == [{"type": "file_search",
                                        "vector_store_ids": [version["vector_store_id"]]}]
    assert result["citations"] == [{"file_id": helpdesk["policy"], "filename": "policy.txt"}]
    assert events[-1][1]["citations"][0]["filename"] == "menu.txt"


def test_an_assistant_without_file_search_answers_without_citations(try_api, sent):
    assistant = try_api.create(name="Plain", instructions="Be brief.")

    result = try_api.post(try_path(assistant["id"]), json={"input": "refund"}).get_json()

    assert result["output_text"] == 'You said: "refund"' and result["citations"] == []
    assert sent.bodies[0]["instructions"] == "Be brief." and "tools" not in sent.bodies[0]


def test_cited_files_carry_the_name_given_here(try_api, helpdesk, openai_standin):
    with openai_standin.lock:  # OpenAI's own name for the File differs from the name here
        openai_standin.state.files[helpdesk["policy"]].obj["filename"] = "upload-7f3a.txt"

    result = try_api.post(try_path(helpdesk["id"]), json={"input": REFUND_QUESTION}).get_json()

    assert result["citations"] == [{"file_id": helpdesk["policy"], "filename": "policy.txt"}]


def test_a_try_streams_with_the_client_the_plugin_builds_from_config(make_app, openai_standin,
                                                                     backend):
    """The plugin's own client is closed when the view's context ends: the stream, which runs
    later, must still have a working one."""
    api = ApiClient(make_app(client=None, OCS_ASSISTANTS_BACKEND=backend,
                             OCS_ASSISTANTS_OPENAI_API_KEY=openai_standin.api_key,
                             OCS_ASSISTANTS_OPENAI_BASE_URL=openai_standin.base_url))
    assistant = api.create(name="Configured")

    plain = api.post(try_path(assistant["id"]), json={"input": "Hi"})
    events = streamed(api.post(try_path(assistant["id"]), json={"input": "Hi"}, headers=STREAM))

    assert plain.get_json()["output_text"] == 'You said: "Hi"'
    assert [name for name, _ in events][-1] == "done"
    assert events[-1][1]["output_text"] == 'You said: "Hi"'


# -- errors: OpenAI failing, refused, not configured ------------------------------------------


@pytest.mark.parametrize("backend", ["responses"])
@pytest.mark.parametrize("fault", [{"status": 500, "times": None}, {"kind": "reset"}])
def test_openai_failing_is_503(try_api, helpdesk, openai_standin, fault):
    openai_standin.inject_fault(path_prefix="/v1/responses", **fault)

    response = try_api.post(try_path(helpdesk["id"]), json={"input": "Hi"})

    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "remote_unavailable"
    assert "asking the assistant" in error["message"]


@pytest.mark.parametrize("backend", ["responses"])
def test_openai_failing_while_streaming_ends_with_an_error_event(try_api, helpdesk,
                                                                 openai_standin):
    openai_standin.inject_fault(status=500, times=None, path_prefix="/v1/responses")

    events = streamed(try_api.post(try_path(helpdesk["id"]), json={"input": "Hi"},
                                   headers=STREAM))

    assert [name for name, _ in events] == ["error"]
    error = events[0][1]["error"]
    assert error["code"] == "remote_unavailable" and "500" in error["message"]
    assert set(error) == {"code", "message", "fields"}


@pytest.mark.parametrize("backend", ["responses"])
def test_an_answer_broken_off_midway_ends_with_an_error_event(make_app, try_api, helpdesk,
                                                             plain_client, openai_standin):
    same_db = ApiClient(make_app(client=plain_client, OCS_ASSISTANTS_BACKEND="responses"))
    openai_standin.inject_fault(kind="cut", path_prefix="/v1/responses")

    events = streamed(same_db.post(try_path(helpdesk["id"]), json={"input": REFUND_QUESTION},
                                   headers=STREAM))

    names = [name for name, _ in events]
    assert names[0] == "delta" and names[-1] == "error" and "done" not in names
    assert set(names[:-1]) == {"delta"}
    assert events[-1][1]["error"]["code"] == "remote_unavailable"


class ClientHookFailingOnSecondCall:
    """A host whose ``ocs_openai_client`` breaks after its first answer (the view's), so the
    stream's own call fails with a host bug, not a plugin error."""

    def __init__(self):
        self.calls = 0

    @hookimpl(tryfirst=True)
    def ocs_openai_client(self, team_id):
        self.calls += 1
        if self.calls > 1:
            raise RuntimeError("the host's client store is gone")
        return None  # the test host's own implementation answers


@pytest.mark.parametrize("backend", ["responses"])
def test_a_bug_while_streaming_ends_with_an_internal_error_event(try_api, helpdesk,
                                                                 openai_standin):
    host = ClientHookFailingOnSecondCall()
    try_api.app.extensions["ocs_assistants"].register(host, name="failing_client_hook")
    openai_standin.reset_counts()

    events = streamed(try_api.post(try_path(helpdesk["id"]), json={"input": "Hi"},
                                   headers=STREAM))

    assert host.calls == 2
    assert events == [("error", {"error": {
        "code": "internal_error", "fields": {},
        "message": "An unexpected error occurred; it has been logged."}})]
    assert openai_standin.count(path_prefix="/v1/responses") == 0


def remote_error(message: str) -> dict:
    """The error shape of OpenAI failing to answer (``remote_error``, no field to name)."""
    return {"error": {"code": "remote_error", "fields": {}, "message": message}}


@pytest.mark.parametrize("backend", ["responses"])
def test_an_error_event_from_openai_ends_the_stream_with_an_error_after_the_text(
        try_api, helpdesk, openai_standin):
    openai_standin.inject_fault(kind="stream_error", message="The model is overloaded.")

    events = streamed(try_api.post(try_path(helpdesk["id"]), json={"input": REFUND_QUESTION},
                                   headers=STREAM))

    names = [name for name, _ in events]
    assert names[0] == "delta" and set(names[:-1]) == {"delta"} and names[-1] == "error"
    assert events[-1][1] == remote_error(
        "OpenAI reported an error while asking the assistant: The model is overloaded.")


@pytest.mark.parametrize("backend", ["responses"])
def test_a_failed_response_ends_the_stream_with_an_error(try_api, helpdesk, openai_standin):
    openai_standin.inject_fault(kind="response_failed")

    events = streamed(try_api.post(try_path(helpdesk["id"]), json={"input": "Hi"},
                                   headers=STREAM))

    assert events == [("error", remote_error(
        "OpenAI could not answer while asking the assistant: The model failed to generate a "
        "response."))]


@pytest.mark.parametrize("backend", ["responses"])
def test_a_failed_response_is_502_with_openais_words(try_api, helpdesk, openai_standin):
    openai_standin.inject_fault(kind="response_failed", message="The model is overloaded.")

    response = try_api.post(try_path(helpdesk["id"]), json={"input": "Hi"})

    assert response.status_code == 502
    assert response.get_json() == remote_error(
        "OpenAI could not answer while asking the assistant: The model is overloaded.")


@pytest.mark.parametrize("backend", ["responses"])
def test_a_stream_error_on_a_plain_try_is_503(try_api, helpdesk, openai_standin):
    """What OpenAI sends as an ``error`` event in a stream is an error status without one."""
    openai_standin.inject_fault(kind="stream_error")

    response = try_api.post(try_path(helpdesk["id"]), json={"input": "Hi"})

    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "remote_unavailable" and "asking the assistant" in error["message"]


@pytest.mark.parametrize("backend", ["responses"])
def test_openai_refusing_the_request_is_502_with_its_words(try_api, helpdesk, openai_standin):
    openai_standin.inject_fault(status=400, message="The model is not available.",
                                path_prefix="/v1/responses")

    response = try_api.post(try_path(helpdesk["id"]), json={"input": "Hi"})

    assert response.status_code == 502
    assert "The model is not available." in response.get_json()["error"]["message"]


def test_refused_credentials_end_the_stream_with_an_error(make_app, openai_standin,
                                                         recording_client):
    api = ApiClient(make_app(client=recording_client, OCS_ASSISTANTS_BACKEND="responses"))
    assistant = api.create(name="Plain")
    openai_standin.api_key, key = "sk-rotated", openai_standin.api_key
    try:
        response = api.post(try_path(assistant["id"]), json={"input": "Hi"}, headers=STREAM)
    finally:
        openai_standin.api_key = key

    error = streamed(response)[0][1]["error"]
    assert error["code"] == "remote_auth_failed"


def test_no_openai_key_is_503_before_anything_streams(make_app, openai_standin, backend):
    api = ApiClient(make_app(client=None, OCS_ASSISTANTS_BACKEND=backend))
    assistant_id = add_assistant_row(api.app, name="Offline", backend=backend)

    for headers in ({}, STREAM):
        response = api.post(try_path(assistant_id), json={"input": "Hi"}, headers=headers)
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "remote_not_configured"
    assert openai_standin.count() == 0


def test_an_archived_assistant_cannot_be_tried(try_api, helpdesk, openai_standin):
    archived = try_api.post(f"/assistants/{helpdesk['id']}/archive", json={})
    assert archived.status_code == 200
    openai_standin.reset_counts()

    response = try_api.post(try_path(helpdesk["id"]), json={"input": "Hi"}, headers=STREAM)

    assert response.status_code == 409
    assert "archived" in response.get_json()["error"]["message"]
    assert openai_standin.count() == 0


def test_an_assistant_whose_store_was_never_pushed_is_409(try_api, openai_standin, backend):
    assistant_id = add_assistant_row(try_api.app, name="Unpushed", backend=backend,
                                     builtin_tools=["file_search"])

    response = try_api.post(try_path(assistant_id), json={"input": "Hi"}, headers=STREAM)

    assert response.status_code == 409
    assert "push it first" in response.get_json()["error"]["message"]
    assert openai_standin.count() == 0


def test_another_teams_assistant_is_404(try_api, helpdesk, openai_standin):
    openai_standin.reset_counts()

    response = try_api.post(try_path(helpdesk["id"]), json={"input": "Hi"}, team=2)

    assert response.status_code == 404
    assert openai_standin.count() == 0


class ViewButNotTry:
    def __init__(self):
        self.asked = []

    @hookimpl
    def ocs_authorize(self, action, team_id, assistant):
        self.asked.append(action)
        return action == "view"


def test_trying_needs_the_try_action(try_api, helpdesk, openai_standin):
    host = ViewButNotTry()
    try_api.app.extensions["ocs_assistants"].register(host)
    openai_standin.reset_counts()

    response = try_api.post(try_path(helpdesk["id"]), json={"input": "Hi"})

    assert response.status_code == 403
    assert host.asked == ["view", "try"]
    assert openai_standin.count() == 0


# -- bad input: named, and nothing changes ----------------------------------------------------


@pytest.mark.parametrize("backend", ["responses"])
@pytest.mark.parametrize("body, field", [
    ({}, "input"),
    ({"input": ""}, "input"),
    ({"input": "x" * 32769}, "input"),
    ({"input": 5}, "input"),
    ({"input": ["Hi"]}, "input"),
    ({"input": "Hi", "previous_response_id": 7}, "previous_response_id"),
    ({"input": "Hi", "previous_response_id": ""}, "previous_response_id"),
    ({"input": "Hi", "stream": True}, "stream"),
])
def test_bad_input_is_400_naming_the_field(try_api, helpdesk, recording_client, openai_standin,
                                           body, field):
    before = snapshot(try_api, recording_client)
    openai_standin.reset_counts()

    for headers in ({}, STREAM):
        response = try_api.post(try_path(helpdesk["id"]), json=body, headers=headers)
        assert response.status_code == 400
        error = response.get_json()["error"]
        assert error["code"] == "invalid_input" and field in error["fields"]

    assert openai_standin.count() == 0
    assert snapshot(try_api, recording_client) == before


@pytest.mark.parametrize("backend", ["responses"])
def test_the_longest_input_is_accepted(try_api, helpdesk):
    response = try_api.post(try_path(helpdesk["id"]), json={"input": "x" * 32768})

    assert response.status_code == 200


@pytest.mark.parametrize("backend", ["responses"])
def test_a_body_that_is_not_json_is_refused(try_api, helpdesk, openai_standin):
    openai_standin.reset_counts()

    response = try_api.post(try_path(helpdesk["id"]), data="input=Hi",
                            content_type="application/x-www-form-urlencoded")

    assert response.status_code in (400, 403)
    assert response.get_json()["error"]["code"] in ("invalid_input", "csrf_failed")
    assert openai_standin.count() == 0


def test_an_unknown_previous_response_id_is_400_naming_the_field(try_api, helpdesk,
                                                                 recording_client):
    before = snapshot(try_api, recording_client)

    plain = try_api.post(try_path(helpdesk["id"]), json={
        "input": "Hi", "previous_response_id": "resp_unknown"})
    events = streamed(try_api.post(try_path(helpdesk["id"]), headers=STREAM, json={
        "input": "Hi", "previous_response_id": "resp_unknown"}))

    assert plain.status_code == 400
    error = plain.get_json()["error"]
    assert error["code"] == "invalid_input"
    assert "new conversation" in error["fields"]["previous_response_id"][0]
    assert events == [("error", {"error": error})]
    assert snapshot(try_api, recording_client) == before



@pytest.mark.parametrize("backend", ["responses"])
def test_the_openapi_document_describes_the_try_route(try_api, helpdesk):
    document = try_api.get("/openapi.json").get_json()
    operation = document["paths"]["/assistants/{assistant_id}/try"]["post"]
    answer = try_api.post(try_path(helpdesk["id"]), json={"input": "refund"}).get_json()

    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TryInput"}
    assert set(operation["responses"]["200"]["content"]) == {"application/json",
                                                            "text/event-stream"}
    assert {"400", "403", "404", "409", "502", "503"} <= set(operation["responses"])
    try_input = document["components"]["schemas"]["TryInput"]
    assert try_input["required"] == ["input"]
    assert try_input["properties"]["input"]["maxLength"] == 32768
    jsonschema.validate(answer, as_json_schema(document, "TryResult"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**answer, "citations": "policy.txt"},
                            as_json_schema(document, "TryResult"))
