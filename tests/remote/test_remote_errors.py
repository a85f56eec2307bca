"""Every OpenAI failure reaches the services as one of the plugin's Remote* errors."""
from __future__ import annotations

import openai
import pytest

from ocs_assistant_plugin.errors import (
    RemoteAuthError,
    RemoteError,
    RemoteNotFound,
    RemoteUnavailable,
)
from ocs_assistant_plugin.remote import AssistantSpec, AssistantsGateway, RemoteStorage
from ocs_assistant_plugin.testing import OpenAIStandIn

SPEC = AssistantSpec(model="gpt-4o", name="A")


def test_unreachable_openai_is_remote_unavailable():
    with OpenAIStandIn() as gone:
        base_url, api_key = gone.base_url, gone.api_key
    # The stand-in has stopped: nothing listens on its port any more.
    with openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=0) as client:
        with pytest.raises(RemoteUnavailable) as caught:
            AssistantsGateway(client).push(SPEC)
    message = caught.value.message
    assert message.startswith("OpenAI could not be reached while creating the assistant 'A'")
    assert "/v1/assistants" in message
    assert caught.value.to_dict()["error"]["code"] == "remote_unavailable"


def test_server_error_after_retries_is_remote_unavailable(assistants, openai_standin):
    openai_standin.inject_fault(status=500, times=10, path_prefix="/v1/assistants")

    with pytest.raises(RemoteUnavailable) as caught:
        assistants.push(SPEC)

    assert caught.value.remote_status == 500
    assert "OpenAI answered 500 while creating the assistant 'A'" in caught.value.message


def test_rate_limit_after_retries_is_remote_unavailable(assistants, openai_standin):
    openai_standin.inject_fault(status=429, times=10, path_prefix="/v1/assistants")

    with pytest.raises(RemoteUnavailable) as caught:
        assistants.push(SPEC)

    assert caught.value.remote_status == 429
    assert "429" in caught.value.message and "quota" in caught.value.message


@pytest.mark.parametrize("kind", ["reset", "timeout"])
def test_broken_connection_is_remote_unavailable(kind, openai_standin):
    openai_standin.inject_fault(kind=kind, times=10, path_prefix="/v1/assistants")
    with openai.OpenAI(api_key=openai_standin.api_key, base_url=openai_standin.base_url,
                       max_retries=0, timeout=0.3) as client:
        with pytest.raises(RemoteUnavailable) as caught:
            AssistantsGateway(client).push(SPEC)
    assert "could not be reached" in caught.value.message


def test_a_transient_failure_is_retried_by_the_client(openai_standin):
    openai_standin.inject_fault(status=503, times=1, path_prefix="/v1/assistants")
    with openai.OpenAI(api_key=openai_standin.api_key, base_url=openai_standin.base_url,
                       max_retries=2) as client:
        result = AssistantsGateway(client).push(SPEC)
    assert result.openai_id
    assert openai_standin.count(method="POST", path_prefix="/v1/assistants") == 2


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_are_remote_auth_error(status, assistants, openai_standin):
    openai_standin.inject_fault(status=status, times=1, path_prefix="/v1/assistants")

    with pytest.raises(RemoteAuthError) as caught:
        assistants.push(SPEC)

    assert caught.value.remote_status == status
    assert "API key" in caught.value.message


def test_wrong_api_key_is_remote_auth_error(openai_standin):
    with openai.OpenAI(api_key="sk-wrong", base_url=openai_standin.base_url,
                       max_retries=0) as client:
        with pytest.raises(RemoteAuthError):
            RemoteStorage(client).list_vector_store_file_ids("vs_any")


def test_unknown_object_is_remote_not_found(storage):
    with pytest.raises(RemoteNotFound) as caught:
        storage.list_vector_store_file_ids("vs_doesnotexist")
    assert "vs_doesnotexist" in caught.value.message


def test_invalid_value_is_remote_error_naming_the_parameter(assistants):
    with pytest.raises(RemoteError) as caught:
        assistants.push(AssistantSpec(model="gpt-4o", name="A", temperature=5))

    error = caught.value
    assert type(error) is RemoteError
    assert error.remote_status == 400
    assert error.param == "temperature"
    assert "temperature" in error.message
    assert list(error.fields) == ["temperature"]


def test_deleting_what_is_already_gone_is_fine(storage, assistants, openai_standin):
    storage.delete_file("file-doesnotexist")
    storage.delete_vector_store("vs_doesnotexist")
    assistants.delete("asst_doesnotexist")

    assert openai_standin.count(method="DELETE") == 3
