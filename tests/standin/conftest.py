"""Fixtures for the stand-in's own tests.

The ``openai_standin``/``openai_client`` fixtures come from the plugin's pytest plugin, loaded
through its ``pytest11`` entry point once the package is installed; until then this conftest
registers the same module under the same name (never twice).

The SDK marks ``client.beta.assistants`` deprecated (it warns ``DeprecationWarning:
deprecated`` on every call); modules that drive assistants ignore exactly that warning with
``pytestmark = pytest.mark.filterwarnings("ignore:^deprecated$:DeprecationWarning")``.
"""
from __future__ import annotations

import pytest


def pytest_configure(config):
    if not config.pluginmanager.has_plugin("ocs_assistant_plugin"):
        from ocs_assistant_plugin.testing import pytest_plugin

        config.pluginmanager.register(pytest_plugin, "ocs_assistant_plugin")


@pytest.fixture
def make_client(make_openai_client):
    """Build more SDK clients on the stand-in (other retries, timeout or key)."""
    return make_openai_client


@pytest.fixture
def upload(openai_client):
    """Upload a small file through the SDK and return its FileObject."""
    def upload(content: bytes = b"some text\n", filename: str = "notes.txt",
               purpose: str = "assistants"):
        return openai_client.files.create(file=(filename, content), purpose=purpose)

    return upload
