"""POST /api/assistants/import with ``{"vector_store_id", "model", "name"?}``: after the sunset of
the Assistants API there is no remote assistant to import, so a vector store (and its files)
becomes a new ``responses`` assistant. Nothing changes in OpenAI."""
from __future__ import annotations

import pytest

from plugin_host import ApiClient, remote_file_ids, remote_store_ids, store_file_ids


@pytest.fixture
def store(openai_client):
    """A vector store made in OpenAI's dashboard: two files."""
    files = [openai_client.files.create(file=(name, text), purpose="assistants")
             for name, text in (("policy.md", b"Refunds in 5 days."), ("faq.md", b"Open 9-5."))]
    made = openai_client.vector_stores.create(name="Support docs", file_ids=[f.id for f in files])
    return {"id": made.id, "files": {f.id: f.filename for f in files}}


def remote_state(openai_client) -> dict:
    return {"files": remote_file_ids(openai_client),
            "stores": {s: store_file_ids(openai_client, s) for s in remote_store_ids(openai_client)}}


def test_a_vector_store_becomes_a_responses_assistant_with_its_files(api, store, openai_client):
    before = remote_state(openai_client)

    response = api.post("/assistants/import", json={"vector_store_id": store["id"],
                                                    "model": "gpt-4o-mini"})

    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert (made["name"], made["model"], made["backend"], made["openai_id"]) == (
        "Support docs", "gpt-4o-mini", "responses", None)
    assert made["vector_store_id"] == store["id"] and made["builtin_tools"] == ["file_search"]
    assert {(f["openai_id"], f["filename"], f["tool"], f["remote_only"]) for f in made["files"]} == {
        (file_id, name, "file_search", True) for file_id, name in store["files"].items()}
    assert remote_state(openai_client) == before  # nothing changed in OpenAI
    assert api.get(f"/assistants/{made['id']}/sync").get_json()["state"] == "in_sync"


def test_the_name_given_wins_over_the_stores(api, store):
    made = api.post("/assistants/import", json={"vector_store_id": store["id"], "model": "gpt-4o",
                                                "name": "Helpdesk"}).get_json()
    assert made["name"] == "Helpdesk"


def test_a_store_already_held_here_is_409_naming_the_assistant(api, store):
    first = api.post("/assistants/import", json={"vector_store_id": store["id"],
                                                 "model": "gpt-4o"}).get_json()

    again = api.post("/assistants/import", json={"vector_store_id": store["id"],
                                                 "model": "gpt-4o"})

    assert again.status_code == 409
    error = again.get_json()["error"]
    assert error["code"] == "already_managed" and str(first["id"]) in error["message"]
    assert list(error["fields"]) == ["vector_store_id"]


def test_a_store_another_team_holds_is_409_without_naming_it(app, api, store):
    api.post("/assistants/import", json={"vector_store_id": store["id"], "model": "gpt-4o"})

    response = ApiClient(app, team=2).post("/assistants/import", json={
        "vector_store_id": store["id"], "model": "gpt-4o"})

    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "already_managed" and "team 1" not in error["message"]
    assert ApiClient(app, team=2).assistants() == []


def test_an_unknown_store_is_400_naming_the_field(api):
    response = api.post("/assistants/import", json={"vector_store_id": "vs_nope",
                                                    "model": "gpt-4o"})

    assert response.status_code == 400
    assert list(response.get_json()["error"]["fields"]) == ["vector_store_id"]
    assert api.assistants() == []


@pytest.mark.parametrize("body, fields", [
    ({}, {"openai_assistant_id", "vector_store_id"}),
    ({"vector_store_id": "vs_1"}, {"model"}),
    ({"vector_store_id": "", "model": "gpt-4o"}, {"vector_store_id"}),
    ({"vector_store_id": "vs_1", "model": "gpt-4o", "name": ""}, {"name"}),
    ({"openai_assistant_id": "asst_1", "vector_store_id": "vs_1"}, {"vector_store_id"}),
    ({"vector_store_id": 7, "model": "gpt-4o"}, {"vector_store_id"}),
])
def test_bad_input_names_the_fields_and_changes_nothing(api, openai_standin, body, fields):
    openai_standin.reset_counts()

    response = api.post("/assistants/import", json=body)

    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == fields
    assert openai_standin.count() == 0 and api.assistants() == []


def test_import_works_on_a_server_without_the_assistants_api(make_app, openai_standin, store):
    openai_standin.assistants_api = False
    api = ApiClient(make_app(OCS_ASSISTANTS_BACKEND="responses"))

    response = api.post("/assistants/import", json={"vector_store_id": store["id"],
                                                    "model": "gpt-4o"})

    assert response.status_code == 201, response.get_json()
    assert openai_standin.count(path_prefix="/v1/assistants") == 0


def test_the_cli_imports_a_vector_store(app, api, store):
    result = app.test_cli_runner().invoke(args=[
        "assistants", "import", "--vector-store", store["id"], "--model", "gpt-4o",
        "--team", "1"])

    assert result.exit_code == 0, result.output
    [made] = api.assistants()
    assert f"Imported {store['id']} as assistant {made['id']} ('Support docs', 2 files)" in (
        result.output)
    assert made["backend"] == "responses" and made["vector_store_id"] == store["id"]


@pytest.mark.parametrize("args, says", [
    (["--vector-store", "vs_1"], "--model is required"),
    ([], "Give OPENAI_ID or --vector-store"),
    (["asst_1", "--vector-store", "vs_1", "--model", "gpt-4o"], "Give OPENAI_ID or"),
    (["asst_1", "--model", "gpt-4o"], "go with --vector-store only"),
])
def test_the_cli_refuses_incomplete_options(app, api, args, says):
    result = app.test_cli_runner().invoke(args=["assistants", "import", *args, "--team", "1"])

    assert result.exit_code == 2 and says in result.output
    assert api.assistants() == []
