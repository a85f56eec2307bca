"""Fixtures for the JSON API tests."""
from __future__ import annotations

import pytest


@pytest.fixture
def plugin_backend():
    """The ``assistants`` backend: these tests check the remote assistant object each call
    makes or changes (``test_api_responses_backend`` asks for ``responses`` itself)."""
    return "assistants"
