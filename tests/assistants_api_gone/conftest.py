"""Fixtures for a server that switched the Assistants API off: assistants made on the
``assistants`` backend while the API was there, then the stand-in answers its paths as OpenAI
does today (404 "Invalid URL")."""
from __future__ import annotations

import pytest


@pytest.fixture
def plugin_backend():
    """The ``assistants`` backend, as they were before the sunset."""
    return "assistants"


@pytest.fixture
def app_config():
    return {"OCS_ASSISTANTS_TASK_BACKEND": "eager"}


@pytest.fixture
def sunset(openai_standin):
    """``sunset()``: from now on the stand-in answers like OpenAI without the Assistants API."""
    def switch_off():
        openai_standin.assistants_api = False
        openai_standin.reset_counts()

    return switch_off
