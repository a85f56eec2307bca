"""Fixtures for the remote/ tests: the real SDK client against the OpenAI stand-in.

``openai_standin`` (a session server, reset for each test) and ``openai_client`` (an
``openai.OpenAI`` pointed at it) come from the plugin's pytest plugin
(``ocs_assistant_plugin.testing.pytest_plugin``).
"""
from __future__ import annotations

import warnings

import pytest

from ocs_assistant_plugin.remote import AssistantsGateway, RemoteStorage, ResponsesGateway
from ocs_assistant_plugin.remote.concurrency import run_concurrently


@pytest.fixture
def storage(openai_client):
    return RemoteStorage(openai_client, concurrency=8)


@pytest.fixture
def assistants(openai_client):
    return AssistantsGateway(openai_client, concurrency=8)


@pytest.fixture
def responses_gateway(openai_client):
    return ResponsesGateway(openai_client, concurrency=8)


@pytest.fixture
def upload_many(storage):
    """``upload_many(n, prefix)`` -> n new files (uploaded side by side), in order."""
    def _upload(n: int, prefix: str = "doc") -> list:
        return run_concurrently(
            lambda i: storage.upload_file(f"{prefix}-{i:04d}.txt", f"{prefix} {i}".encode()),
            range(n), 8)
    return _upload


@pytest.fixture
def read_assistant(openai_client):
    """``read_assistant(id)``: the assistant through the SDK's own typed (deprecated) method."""
    def _read(openai_id: str):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return openai_client.beta.assistants.retrieve(openai_id)
    return _read


@pytest.fixture
def store_file_ids(openai_client):
    """``store_file_ids(vs_id)``: the set of file ids in a vector store, read through the SDK."""
    def _ids(vector_store_id: str) -> set[str]:
        return {f.id for f in openai_client.vector_stores.files.list(vector_store_id, limit=100)}
    return _ids
