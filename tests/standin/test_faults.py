"""Injected faults: error statuses, connection resets, timeouts, latency, and their filters."""
from __future__ import annotations

import openai
import pytest

pytestmark = pytest.mark.filterwarnings("ignore:^deprecated$:DeprecationWarning")


def test_429_carries_retry_after_and_the_openai_error_body(openai_client, openai_standin):
    openai_standin.inject_fault(status=429, retry_after=1)

    with pytest.raises(openai.RateLimitError) as caught:
        openai_client.vector_stores.list()

    assert caught.value.response.headers["retry-after"] == "1"
    assert caught.value.body["code"] == "rate_limit_exceeded"
    assert set(caught.value.body) == {"message", "type", "param", "code"}


def test_sdk_retries_after_a_429_and_succeeds(make_client, openai_standin):
    client = make_client(max_retries=2)
    openai_standin.inject_fault(status=429, retry_after=1, path_prefix="/v1/assistants")

    assistant = client.beta.assistants.create(model="gpt-4o")

    assert assistant.id.startswith("asst_")
    assert openai_standin.count("POST", "/v1/assistants") == 2
    assert [r.status for r in openai_standin.requests] == [429, 200]
    assert len(client.beta.assistants.list().data) == 1  # created once, not twice


def test_500_fails_the_next_times_requests_after_some_pass(openai_client, openai_standin):
    openai_standin.inject_fault(status=500, times=2, after=1, path_prefix="/v1/files",
                                method="GET")

    outcomes = []
    for _ in range(4):
        try:
            openai_client.files.list()
            outcomes.append("ok")
        except openai.InternalServerError as error:
            outcomes.append(error.body["type"])

    assert outcomes == ["ok", "server_error", "server_error", "ok"]


def test_times_none_fails_every_matching_request(openai_client, openai_standin):
    openai_standin.inject_fault(status=503, times=None)

    for _ in range(3):
        with pytest.raises(openai.InternalServerError):
            openai_client.files.list()


def test_path_and_method_filters(openai_client, openai_standin):
    openai_standin.inject_fault(status=500, path_prefix="/v1/vector_stores", method="POST")

    openai_client.vector_stores.list()  # other method: passes
    openai_client.files.list()  # other path: passes
    with pytest.raises(openai.InternalServerError):
        openai_client.vector_stores.create()
    openai_client.vector_stores.create()  # spent after one

    assert len(openai_client.vector_stores.list().data) == 1


def test_prefix_covers_sub_paths(openai_client, openai_standin):
    store = openai_client.vector_stores.create()
    openai_standin.inject_fault(status=500, path_prefix="/v1/vector_stores/")

    with pytest.raises(openai.InternalServerError):
        openai_client.vector_stores.files.list(store.id)


def test_reset_drops_the_connection(openai_client, openai_standin):
    openai_standin.inject_fault(kind="reset", path_prefix="/v1/files")

    with pytest.raises(openai.APIConnectionError) as caught:
        openai_client.files.list()

    assert not isinstance(caught.value, openai.APITimeoutError)
    assert openai_client.files.list().data == []  # the next request is served
    assert [r.status for r in openai_standin.requests] == [0, 200]


def test_timeout_holds_the_request_past_the_client_timeout(make_client, openai_standin):
    client = make_client(timeout=0.5)
    fault = openai_standin.inject_fault(kind="timeout", path_prefix="/v1/assistants", hold=30)

    with pytest.raises(openai.APITimeoutError):
        client.beta.assistants.list()

    assert fault.fired == 1
    assert client.beta.assistants.list().data == []


@pytest.mark.parametrize("kind, error", [("reset", openai.APIConnectionError),
                                         ("timeout", openai.APITimeoutError)])
def test_after_processing_makes_the_change_then_loses_the_answer(kind, error, make_client,
                                                                 openai_standin):
    client = make_client(timeout=0.5)
    file_id = client.files.create(file=("a.txt", b"a"), purpose="assistants").id
    fault = openai_standin.inject_fault(kind=kind, after_processing=True, hold=30,
                                        method="POST", path_prefix="/v1/vector_stores")

    with pytest.raises(error):
        client.vector_stores.create(name="lost", file_ids=[file_id], metadata={"k": "v"})

    assert fault.fired == 1
    (store,) = client.vector_stores.list().data  # it was made, metadata and all
    assert (store.name, store.metadata) == ("lost", {"k": "v"})
    assert [r.fault for r in openai_standin.requests if r.method == "POST"] == [None, kind]


def test_a_request_failed_before_processing_changes_nothing(openai_client, openai_standin):
    openai_standin.inject_fault(kind="reset", method="POST", path_prefix="/v1/vector_stores")

    with pytest.raises(openai.APIConnectionError):
        openai_client.vector_stores.create(name="never")

    assert openai_client.vector_stores.list().data == []


def test_latency_is_added_to_every_request(make_client, openai_standin):
    client = make_client(timeout=0.3)
    openai_standin.latency = 0.6

    with pytest.raises(openai.APITimeoutError):
        client.files.list()

    openai_standin.latency = 0
    assert client.files.list().data == []


def test_several_faults_at_once(make_client, openai_standin):
    client = make_client(timeout=0.5)
    openai_standin.inject_fault(status=500, path_prefix="/v1/files")
    openai_standin.inject_fault(status=429, path_prefix="/v1/files")
    openai_standin.inject_fault(kind="reset", path_prefix="/v1/vector_stores")
    openai_standin.inject_fault(kind="timeout", path_prefix="/v1/assistants", hold=30)

    with pytest.raises(openai.InternalServerError):
        client.files.list()  # both file faults want it: the first armed wins
    with pytest.raises(openai.RateLimitError):
        client.files.list()  # the second keeps its turn
    with pytest.raises(openai.APIConnectionError):
        client.vector_stores.list()
    with pytest.raises(openai.APITimeoutError):
        client.beta.assistants.list()

    assert client.files.list().data == []
    assert client.vector_stores.list().data == []


def test_faults_come_before_authentication(make_client, openai_standin):
    client = make_client(api_key="sk-wrong")
    openai_standin.inject_fault(status=502)

    with pytest.raises(openai.InternalServerError):
        client.files.list()
    with pytest.raises(openai.AuthenticationError):
        client.files.list()


def test_clear_faults_and_reset_disarm_everything(openai_client, openai_standin):
    openai_standin.inject_fault(status=500, times=None)
    openai_standin.clear_faults()
    assert openai_client.files.list().data == []

    openai_standin.inject_fault(status=500, times=None)
    openai_standin.latency = 5
    openai_standin.reset()
    assert openai_client.files.list().data == []
    assert openai_standin.faults == [] and openai_standin.latency == 0


def test_a_reported_failure_fault_sees_only_post_responses(openai_client, openai_standin):
    fault = openai_standin.inject_fault(kind="response_failed")  # no path_prefix

    openai_client.files.list()
    openai_client.vector_stores.create(name="untouched")
    failed = openai_client.responses.create(model="gpt-4o", input="hi")

    assert failed.status == "failed"
    assert (fault.seen, fault.fired) == (1, 1)
    assert [r.fault for r in openai_standin.requests] == [None, None, "response_failed"]


@pytest.mark.parametrize("options", [{"kind": "explode"}, {"status": 200},
                                     {"kind": "stream_error", "status": 200},
                                     {"times": -1}, {"after": -1},
                                     {"status": 500, "after_processing": True}])
def test_invalid_fault_is_refused(openai_standin, options):
    with pytest.raises(ValueError):
        openai_standin.inject_fault(**options)
