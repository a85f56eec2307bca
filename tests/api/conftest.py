"""Fixtures for the JSON API tests."""
from __future__ import annotations

import pytest

from plugin_host import on_assistants_backend


@pytest.fixture
def make_app(make_app):
    """Hosts on the ``assistants`` backend: these tests check the remote assistant object each call
    makes or changes (``test_api_responses_backend`` asks for ``responses`` itself)."""
    return on_assistants_backend(make_app)
