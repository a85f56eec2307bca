"""pytest fixtures for the OpenAI stand-in (loaded through the ``pytest11`` entry point).

- ``openai_standin``: the :class:`~ocs_assistant_plugin.testing.OpenAIStandIn` of this test
  session, emptied before each test (data, faults, counts, latency) so tests stay isolated;
- ``openai_client``: an ``openai.OpenAI`` client on it (``max_retries=0``, ``timeout=5``) whose
  every response is checked against the vendored spec; closed after the test;
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
def openai_client(openai_standin, openai_spec_conformance):
    """A real ``openai.OpenAI`` client talking to the stand-in, without retries."""
    import openai

    client = openai.OpenAI(api_key=openai_standin.api_key, base_url=openai_standin.base_url,
                           max_retries=0, timeout=5,
                           http_client=openai_spec_conformance.http_client())
    try:
        yield client
    finally:
        client.close()
