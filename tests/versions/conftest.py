"""Fixtures for the release tests: the hook as a host fires it, and assistants with many files.

Assistants with hundreds or thousands of files are made the way an admin would bring them in:
the files are uploaded side by side through the SDK, the store and assistant are created in the
stand-in, and the assistant is imported through the API.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from ocs_assistant_plugin.models import Assistant
from version_helpers import CONFIG

BETA = {"headers": {"OpenAI-Beta": "assistants=v2"}}
STORE_CREATE_MAX = 500
BATCH_MAX = 2000


@pytest.fixture
def app_config():
    return CONFIG


@pytest.fixture
def upload_files(openai_client):
    """``upload_files(n, prefix)``: n new Files in the stand-in (8 uploads at a time)."""
    def upload(count: int, prefix: str = "doc") -> list[str]:
        def one(i):
            return openai_client.files.create(
                file=(f"{prefix}-{i:04d}.txt", f"{prefix} {i}".encode()),
                purpose="assistants").id

        with ThreadPoolExecutor(max_workers=8) as pool:
            return list(pool.map(one, range(count)))
    return upload


@pytest.fixture
def imported_assistant(api, openai_client, upload_files):
    """``imported_assistant(n_files, n_code_files=1, **config)``: an assistant with ``n_files``
    in its vector store, made in the stand-in and imported; returns the API's Assistant."""
    def make(n_files: int, n_code_files: int = 1, **config) -> dict:
        store_ids = upload_files(n_files, "doc")
        code_ids = upload_files(n_code_files, "code")
        store = openai_client.vector_stores.create(name="docs",
                                                   file_ids=store_ids[:STORE_CREATE_MAX])
        rest = store_ids[STORE_CREATE_MAX:]
        for start in range(0, len(rest), BATCH_MAX):
            openai_client.vector_stores.file_batches.create(
                store.id, file_ids=rest[start:start + BATCH_MAX])
        body = {"model": "gpt-4o", "name": "Librarian", "instructions": "Use the docs.",
                "tools": [{"type": "file_search"}, {"type": "code_interpreter"}],
                "tool_resources": {"file_search": {"vector_store_ids": [store.id]},
                                   "code_interpreter": {"file_ids": code_ids}},
                **config}
        made = openai_client.post("/assistants", cast_to=object, options=BETA, body=body)
        response = api.post("/assistants/import", json={"openai_assistant_id": made["id"]})
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return make


@pytest.fixture
def versions_of(app, plugin):
    """``versions_of(working_id)``: its version rows as ``(number, id, label, archived)``."""
    def rows(working_id: int) -> list[tuple]:
        with app.app_context():
            return [tuple(r) for r in plugin.db.session.execute(
                sa.select(Assistant.version_number, Assistant.id, Assistant.release_label,
                          Assistant.archived)
                .where(Assistant.working_id == working_id).order_by(Assistant.version_number))]
    return rows


@pytest.fixture
def set_columns(app, plugin):
    """``set_columns(assistant_id, archived=True, ...)``: change a row directly (test setup for
    states no API of this issue makes, such as an archived assistant)."""
    def update(assistant_id: int, **values) -> None:
        with app.app_context():
            session = plugin.db.session
            session.execute(sa.update(Assistant).where(Assistant.id == assistant_id)
                            .values(**values))
            session.commit()
    return update


@pytest.fixture
def plugin_backend():
    """The ``assistants`` backend: these tests check the remote assistant each release
    clones (tests of the ``responses`` clone ask for that backend themselves)."""
    return "assistants"
