"""POST /api/assistants/import: an assistant made elsewhere, copied with all its files."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from plugin_host import ApiClient, snapshot

BETA = {"headers": {"OpenAI-Beta": "assistants=v2"}}


def make_remote_assistant(openai_client, **body) -> dict:
    """An assistant created directly with the SDK, as someone using OpenAI's dashboard would."""
    return openai_client.post("/assistants", cast_to=object, options=BETA,
                              body={"model": "gpt-4o", **body})


def upload_files(openai_client, count: int, prefix: str) -> list:
    def upload(i):
        return openai_client.files.create(file=(f"{prefix}-{i:03d}.txt", f"{prefix} {i}".encode()),
                                          purpose="assistants")

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(upload, range(count)))


def test_import_records_all_250_vector_store_files_with_their_filenames(api, openai_client):
    store_files = upload_files(openai_client, 250, "doc")
    code_files = upload_files(openai_client, 2, "table")
    store = openai_client.vector_stores.create(name="docs", file_ids=[f.id for f in store_files])
    made = make_remote_assistant(
        openai_client, name="Made in OpenAI", instructions="Use the docs.", temperature=0.7,
        description="imported", response_format={"type": "json_object"},
        tools=[{"type": "file_search"}, {"type": "code_interpreter"},
               {"type": "function", "function": {"name": "ping", "parameters": {
                   "type": "object", "properties": {}}}}],
        tool_resources={"file_search": {"vector_store_ids": [store.id]},
                        "code_interpreter": {"file_ids": [f.id for f in code_files]}})

    response = api.post("/assistants/import", json={"openai_assistant_id": made["id"]})

    assert response.status_code == 201
    body = response.get_json()
    assert body["openai_id"] == made["id"] and body["vector_store_id"] == store.id
    assert body["name"] == "Made in OpenAI" and body["instructions"] == "Use the docs."
    assert body["description"] == "imported" and body["temperature"] == 0.7
    assert body["response_format"] == {"type": "json_object"}
    assert sorted(body["builtin_tools"]) == ["code_interpreter", "file_search"]
    assert [t["name"] for t in body["function_tools"]] == ["ping"]
    by_tool = {"file_search": {}, "code_interpreter": {}}
    for f in body["files"]:
        by_tool[f["tool"]][f["openai_id"]] = f["filename"]
        assert f["remote_only"] is True
    assert by_tool["file_search"] == {f.id: f.filename for f in store_files}
    assert len(by_tool["file_search"]) == 250
    assert by_tool["code_interpreter"] == {f.id: f.filename for f in code_files}
    assert api.get(f"/assistants/{body['id']}").get_json() == body


def test_import_changes_nothing_in_openai(api, openai_client, openai_standin):
    made = make_remote_assistant(openai_client, name="Remote")
    before = snapshot(api, openai_client)
    openai_standin.reset_counts()

    api.post("/assistants/import", json={"openai_assistant_id": made["id"]})

    assert openai_standin.count(method="POST") == 0
    assert openai_standin.count(method="DELETE") == 0
    assert snapshot(api, openai_client)["assistants"] == before["assistants"]


def test_importing_an_assistant_already_managed_is_409_for_every_team(app, api, openai_client):
    made = make_remote_assistant(openai_client, name="Once")
    first = api.post("/assistants/import", json={"openai_assistant_id": made["id"]}).get_json()

    again = api.post("/assistants/import", json={"openai_assistant_id": made["id"]})
    other_team = ApiClient(app, team=2).post("/assistants/import",
                                            json={"openai_assistant_id": made["id"]})

    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_managed"
    assert "openai_assistant_id" in again.get_json()["error"]["fields"]
    assert str(first["id"]) in again.get_json()["error"]["message"]  # the team's own copy
    assert [a["id"] for a in api.assistants()] == [first["id"]]
    assert other_team.status_code == 409  # one team per remote object (DESIGN 5.2)
    assert other_team.get_json()["error"]["code"] == "already_managed"
    assert ApiClient(app, team=2).assistants() == []


def test_importing_an_unknown_assistant_names_the_field(api, openai_client):
    before = snapshot(api, openai_client)

    response = api.post("/assistants/import", json={"openai_assistant_id": "asst_nope"})

    assert response.status_code == 400
    assert "openai_assistant_id" in response.get_json()["error"]["fields"]
    assert snapshot(api, openai_client) == before


@pytest.mark.parametrize("body, field", [
    ({}, "openai_assistant_id"),
    ({"openai_assistant_id": ""}, "openai_assistant_id"),
    ({"openai_assistant_id": 12}, "openai_assistant_id"),
    ({"openai_assistant_id": "asst_1", "team": 2}, "team"),
])
def test_bad_import_input_names_the_field(api, openai_standin, body, field):
    response = api.post("/assistants/import", json=body)

    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    assert openai_standin.count() == 0
    assert api.assistants() == []


def test_imported_assistant_can_be_edited_and_pushed(api, openai_client):
    made = make_remote_assistant(openai_client, name="Remote", instructions="old")
    imported = api.post("/assistants/import", json={"openai_assistant_id": made["id"]}).get_json()

    response = api.patch(f"/assistants/{imported['id']}", json={"instructions": "new"})

    assert response.status_code == 200
    remote = openai_client.get(f"/assistants/{made['id']}", cast_to=object, options=BETA)
    assert remote["instructions"] == "new"
