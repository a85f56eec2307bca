"""Fixtures for the admin pages through Flask's test client, with CSRF protection on.

The pages run on SQLite: everything they save goes through the services, which are tested on
both databases. The list page, which has a query of its own (the name search), runs on both
(see ``test_list_page.py``).
"""
from __future__ import annotations

import pytest

from pages_client import PagesClient


@pytest.fixture
def database_url(sqlite_url):
    return sqlite_url


@pytest.fixture
def app_config():
    """CSRF protection on, as a real host has it."""
    return {"OCS_ASSISTANTS_CSRF_ENABLED": True}


@pytest.fixture
def pages(app):
    return PagesClient(app)


@pytest.fixture
def plugin_backend():
    """The ``assistants`` backend: these tests check the remote assistant object the forms
    create, change and sync."""
    return "assistants"
