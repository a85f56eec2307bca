"""Fixtures for the example host: the real app on SQLite and PostgreSQL, the real stand-in."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The example host is an application, not an installed package: import it from the repository
# root. ``python -m pytest`` (what ``make test`` runs) puts the root on sys.path by itself; the
# bare ``pytest`` script does not, and would find this test folder as a namespace package instead.
ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from example_host_app import create_example_app, dispose_example_app  # noqa: E402
from host_testing import HostClient, make_user  # noqa: E402


@pytest.fixture
def host_backend():
    """The plugin backend of the host under test; None: the plugin's default (``responses``), as
    ``make run`` uses it. Modules about remote assistant objects ask for ``assistants``."""
    return None


@pytest.fixture
def example_app(database_url, openai_standin, host_backend, tmp_path):
    backend = {"OCS_ASSISTANTS_BACKEND": host_backend} if host_backend else {}
    example_app = create_example_app(database_url, openai_standin, tmp_path / "instance",
                                     **backend)
    yield example_app
    dispose_example_app(example_app)


@pytest.fixture
def alice(example_app):
    make_user(example_app, "alice", "Team A")
    return HostClient(example_app, "alice")


@pytest.fixture
def bob(example_app):
    make_user(example_app, "bob", "Team B")
    return HostClient(example_app, "bob")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell a failed test (and save a
    screenshot of the browser for the reader)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
