"""Fixtures for trying assistants: a host whose OpenAI client records what is sent to
``/v1/responses``, and an assistant with two files to cite."""
from __future__ import annotations

import json

import openai
import pytest

from plugin_host import ApiClient

POLICY = b"Refunds are paid within 30 days of the refund request.\nShipping takes five days.\n"
MENU = b"The canteen serves soup and bread on Mondays.\n"


class SentRequests:
    """The JSON bodies the app's client sent to ``POST /v1/responses``, oldest first."""

    def __init__(self):
        self.bodies: list[dict] = []

    def __call__(self, request) -> None:
        if request.method == "POST" and request.url.path.endswith("/responses"):
            self.bodies.append(json.loads(request.content))


@pytest.fixture
def sent():
    return SentRequests()


@pytest.fixture
def recording_client(openai_standin, openai_spec_conformance, sent):
    """A real SDK client on the stand-in (no retries) that records the responses bodies; every
    answer, streamed events included, is checked against the spec."""
    client = openai.OpenAI(api_key=openai_standin.api_key, base_url=openai_standin.base_url,
                           max_retries=0, timeout=5,
                           http_client=openai_spec_conformance.http_client(
                               event_hooks={"request": [sent]}))
    yield client
    client.close()


@pytest.fixture
def plain_client(openai_standin):
    """A client without the conformance hook (which reads a whole body before the SDK does),
    for answers broken off midway."""
    client = openai.OpenAI(api_key=openai_standin.api_key, base_url=openai_standin.base_url,
                           max_retries=0, timeout=5)
    yield client
    client.close()


@pytest.fixture(params=["responses", "assistants"])
def backend(request):
    return request.param


@pytest.fixture
def try_api(make_app, recording_client, backend):
    """The JSON API of a host on ``backend`` (both, by default), outbox run in-process."""
    return ApiClient(make_app(client=recording_client, OCS_ASSISTANTS_BACKEND=backend,
                              OCS_ASSISTANTS_TASK_BACKEND="eager"))


@pytest.fixture
def helpdesk(try_api):
    """An assistant with file_search over policy.txt and menu.txt: ``{id, policy, menu, ...}``."""
    assistant = try_api.create(name="Helpdesk", instructions="Answer from the files.",
                               temperature=0.2, builtin_tools=["file_search"])
    policy = try_api.upload(assistant["id"], "file_search", "policy.txt", POLICY).get_json()
    menu = try_api.upload(assistant["id"], "file_search", "menu.txt", MENU).get_json()
    return {**try_api.get(f"/assistants/{assistant['id']}").get_json(),
            "policy": policy["openai_id"], "menu": menu["openai_id"]}
