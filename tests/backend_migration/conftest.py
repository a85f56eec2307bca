"""Fixtures for ``flask assistants migrate-backend``: a host on the ``assistants`` backend whose
outbox runs right after each commit (``eager``), and three assistants to move."""
from __future__ import annotations

from dataclasses import dataclass

import pytest


@pytest.fixture
def app_config():
    return {"OCS_ASSISTANTS_TASK_BACKEND": "eager"}


@dataclass
class Fleet:
    versioned: dict  # working assistant with two versions (a file_search file each)
    coder: dict  # code_interpreter with files
    searcher: dict  # file_search with files
    version_ids: list[int]

    @property
    def working_ids(self) -> list[int]:
        return [self.versioned["id"], self.coder["id"], self.searcher["id"]]

    @property
    def all_ids(self) -> list[int]:
        return self.working_ids + self.version_ids


@pytest.fixture
def fleet(api, release_version) -> Fleet:
    versioned = api.create(name="Versioned", instructions="Be kind.",
                           builtin_tools=["file_search"])
    assert api.upload(versioned["id"], "file_search", "guide.txt").status_code == 201
    first = release_version(versioned["id"], "v1")
    assert api.patch(f"/assistants/{versioned['id']}",
                     json={"instructions": "Be very kind."}).status_code == 200
    second = release_version(versioned["id"], "v2")

    coder = api.create(name="Coder", builtin_tools=["code_interpreter"], temperature=0.2,
                       function_tools=[{"name": "lookup", "description": "Look a word up",
                                        "parameters": {"type": "object", "properties": {
                                            "word": {"type": "string"}}}}])
    for name in ("a.csv", "b.csv"):
        assert api.upload(coder["id"], "code_interpreter", name).status_code == 201

    searcher = api.create(name="Searcher", builtin_tools=["file_search"],
                          response_format={"type": "json_object"})
    for name in ("one.txt", "two.txt"):
        assert api.upload(searcher["id"], "file_search", name).status_code == 201

    return Fleet(versioned=versioned, coder=coder, searcher=searcher,
                 version_ids=[first, second])


@pytest.fixture
def migrate(app):
    """``migrate(*args)`` -> click Result of ``flask assistants migrate-backend ...``."""
    def run(*args):
        return app.test_cli_runner().invoke(args=["assistants", "migrate-backend", *args])

    return run


@pytest.fixture
def plugin_backend():
    """The ``assistants`` backend: the fleet to migrate starts there."""
    return "assistants"
