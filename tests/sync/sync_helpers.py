"""Helpers for the sync-check tests: drift is made in the stand-in through the real SDK.

The SDK's typed ``client.beta.assistants`` methods warn that they are deprecated (and warnings
fail tests), so assistants are changed through the client's generic ``post``/``delete`` with the
``OpenAI-Beta`` header, exactly the requests the typed methods would send.
"""
from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor

BETA = {"headers": {"OpenAI-Beta": "assistants=v2"}}

LOOKUP = {"name": "lookup", "description": "Look a word up",
          "parameters": {"type": "object", "properties": {"word": {"type": "string"}},
                         "required": ["word"]}}
NORMALISED_LOOKUP = {**LOOKUP, "strict": False}

#: The assistant most drift tests start from (AssistantInput).
BASELINE = {"name": "Helper", "model": "gpt-4o", "instructions": "Be kind.", "top_p": 0.5,
            "builtin_tools": ["code_interpreter"], "function_tools": [LOOKUP]}


FOUND_A_WORD = {**LOOKUP, "description": "Find a word"}

#: field -> (the change made in OpenAI, the local value, the remote value) as the report lists them.
FIELD_DRIFTS = {
    "name": ({"name": "Renamed"}, "Helper", "Renamed"),
    "description": ({"description": "Now described"}, None, "Now described"),
    "instructions": ({"instructions": "Be terse."}, "Be kind.", "Be terse."),
    "model": ({"model": "gpt-4o-mini"}, "gpt-4o", "gpt-4o-mini"),
    "temperature": ({"temperature": 0.3}, 1.0, 0.3),
    "top_p": ({"top_p": 0.9}, 0.5, 0.9),
    "response_format": ({"response_format": {"type": "json_object"}}, "auto",
                        {"type": "json_object"}),
    "builtin_tools": ({"tools": [{"type": "file_search"}, {"type": "code_interpreter"},
                                 {"type": "function", "function": LOOKUP}]},
                      ["code_interpreter"], ["code_interpreter", "file_search"]),
    "function_tools": ({"tools": [{"type": "code_interpreter"},
                                  {"type": "function", "function": FOUND_A_WORD}]},
                       [NORMALISED_LOOKUP], [{**NORMALISED_LOOKUP, "description": "Find a word"}]),
}


# -- OpenAI, through the real SDK --------------------------------------------------------------

def modify_remote(client, openai_id: str, **body) -> dict:
    return client.post(f"/assistants/{openai_id}", body=body, cast_to=object, options=BETA)


def create_remote(client, **body) -> dict:
    return client.post("/assistants", body={"model": "gpt-4o", **body}, cast_to=object,
                       options=BETA)


def delete_remote(client, openai_id: str) -> None:
    client.delete(f"/assistants/{openai_id}", cast_to=object, options=BETA)


def read_remote(client, openai_id: str) -> dict:
    return client.get(f"/assistants/{openai_id}", cast_to=object, options=BETA)


def upload_remote(client, filename: str = "extra.txt", content: bytes = b"extra") -> str:
    return client.files.create(file=(filename, content), purpose="assistants").id


def upload_many(client, count: int, prefix: str = "doc") -> list[str]:
    """``count`` new Files, uploaded side by side; ids in order."""
    def one(i):
        return upload_remote(client, f"{prefix}-{i:04d}.txt", f"{prefix} {i}".encode())

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, range(count)))


def store_with_files(client, file_ids: list[str]) -> str:
    """A new vector store holding ``file_ids`` (500 with the create, the rest in one batch)."""
    store = client.vector_stores.create(name="drift", file_ids=file_ids[:500])
    if file_ids[500:]:
        client.vector_stores.file_batches.create(store.id, file_ids=file_ids[500:])
    return store.id


def remote_file_exists(client, openai_id: str) -> bool:
    return openai_id in {f.id for f in client.files.list()}


# -- the plugin, through its API ---------------------------------------------------------------

def sync_report(api, assistant_id: int, *, expect: int = 200, **kwargs) -> dict:
    response = api.get(f"/assistants/{assistant_id}/sync", **kwargs)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def sync_action(api, assistant_id: int, action: str, *, expect: int = 200, **kwargs) -> dict:
    response = api.post(f"/assistants/{assistant_id}/{action}", **kwargs)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def file_fix(api, assistant_id: int, path: str, *, expect: int = 200, **kwargs) -> dict:
    response = api.post(f"/assistants/{assistant_id}/sync/{path}", **kwargs)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def local(api, assistant_id: int) -> dict:
    response = api.get(f"/assistants/{assistant_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def assert_in_sync(report: dict) -> None:
    assert report["state"] == "in_sync", report
    assert report["differences"] == [] and report["files_missing_locally"] == []
    assert report["files_missing_remotely"] == []


def baseline(**overrides) -> dict:
    return {**copy.deepcopy(BASELINE), **overrides}
