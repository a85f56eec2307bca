"""pytest fixtures for the OpenAI stand-in (loaded through the ``pytest11`` entry point).

- ``openai_standin``: the :class:`~ocs_assistant_plugin.testing.OpenAIStandIn` of this test
  session, emptied before each test (data, faults, counts, latency) so tests stay isolated;
- ``openai_client``: an ``openai.OpenAI`` client on it (``max_retries=0``, ``timeout=5``) whose
  every response is checked against the vendored spec; closed after the test;
- ``make_openai_client``: builds more such clients (other retries, timeout, key, or another
  stand-in); all closed after the test;
- ``openai_spec_conformance``: that check, to inspect or to reuse with another client.

Kept import-light: nothing heavy is imported until a fixture is used.
"""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def openai_standin_session():
    """One stand-in server for the whole session (not reset: use ``openai_standin``)."""
    from ocs_assistant_plugin.testing.server import OpenAIStandIn

    standin = OpenAIStandIn()
    standin.start()
    try:
        yield standin
    finally:
        standin.stop()


@pytest.fixture
def openai_standin(openai_standin_session):
    """The session's stand-in, emptied for this test."""
    openai_standin_session.reset()
    yield openai_standin_session
    openai_standin_session.clear_faults()  # release held "timeout" requests now


@pytest.fixture
def openai_spec_conformance():
    """A :class:`~ocs_assistant_plugin.testing.SpecConformance`; asserted clean at teardown."""
    from ocs_assistant_plugin.testing.conformance import SpecConformance

    conformance = SpecConformance()
    yield conformance
    conformance.assert_clean()


@pytest.fixture
def make_openai_client(openai_standin, openai_spec_conformance):
    """``make_openai_client(standin=None, *, api_key=None, max_retries=0, timeout=5.0)``: a
    real ``openai.OpenAI`` client on ``standin`` (default: this test's stand-in), every
    response checked against the spec; all closed after the test."""
    import openai

    clients = []

    def make(standin=None, *, api_key=None, max_retries=0, timeout=5.0):
        standin = standin or openai_standin
        client = openai.OpenAI(api_key=api_key or standin.api_key, base_url=standin.base_url,
                               max_retries=max_retries, timeout=timeout,
                               http_client=openai_spec_conformance.http_client())
        clients.append(client)
        return client

    try:
        yield make
    finally:
        for client in clients:
            client.close()


@pytest.fixture
def openai_client(make_openai_client):
    """A real ``openai.OpenAI`` client talking to the stand-in, without retries."""
    return make_openai_client()
