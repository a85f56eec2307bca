"""Fixtures for archiving: the test host with in-memory reference providers, the eager outbox.

Remote operations run right after the commit (``eager``) and retry after 1 s, doubling: tests
never sleep for a backoff, they run the outbox at a later ``now`` instead.
"""
from __future__ import annotations

import pytest

from archive_host import CONFIG, ArchiveObserver, MemoryHost


@pytest.fixture
def app_config():
    return CONFIG


@pytest.fixture
def host(plugin):
    """The in-memory host objects, its three providers registered through the hook."""
    host = MemoryHost()
    plugin.register(host, name="memory_host")
    return host


@pytest.fixture
def observer(plugin):
    observer = ArchiveObserver()
    plugin.register(observer, name="archive_observer")
    return observer


@pytest.fixture
def bot(api):
    """A working assistant with file_search (its own store) and one file."""
    made = api.create(name="Support bot", builtin_tools=["file_search"])
    assert api.upload(made["id"], "file_search", "faq.txt", b"questions").status_code == 201
    return api.get(f"/assistants/{made['id']}").get_json()


@pytest.fixture
def bot_with_versions(api, bot, release_version):
    """``bot`` with two versions (each change + release makes a new one)."""
    v1 = release_version(bot["id"], "r1")
    assert api.patch(f"/assistants/{bot['id']}", json={"instructions": "Be brief."}).status_code == 200
    v2 = release_version(bot["id"], "r2")
    assert v1 != v2
    return {"working": bot["id"], "v1": v1, "v2": v2}


@pytest.fixture
def plugin_backend():
    """The ``assistants`` backend: these tests check that archiving deletes the remote
    assistant objects too (``test_archive`` asks for ``responses`` where it checks that backend)."""
    return "assistants"
