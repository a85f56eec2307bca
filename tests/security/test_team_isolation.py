"""One team per remote object (DESIGN 5.2): teams sharing an OpenAI key (the example host does)
cannot take over each other's assistants, vector stores or files, through import, edit or
archive."""
from __future__ import annotations

import pytest

from plugin_host import ApiClient, remote_assistant_ids, snapshot

BETA = {"headers": {"OpenAI-Beta": "assistants=v2"}}


ASSISTANTS_BACKEND = {"OCS_ASSISTANTS_BACKEND": "assistants"}


@pytest.fixture
def app_config():
    """On the assistants backend: there each assistant has an OpenAI assistant to take over."""
    return ASSISTANTS_BACKEND


@pytest.fixture
def make_archiving_app(make_app):
    return lambda: make_app(OCS_ASSISTANTS_TASK_BACKEND="eager", **ASSISTANTS_BACKEND)


def _remote(openai_client, **body) -> dict:
    return openai_client.post("/assistants", cast_to=object, options=BETA,
                              body={"model": "gpt-4o", **body})


def test_another_team_cannot_import_a_managed_assistant_and_is_not_told_whose(
        app, api, openai_client, openai_standin):
    team_a = api.create(name="Team A's bot", instructions="A's secret instructions",
                        builtin_tools=["file_search"])
    team_b = ApiClient(app, team=2)
    before = snapshot(api, openai_client)
    openai_standin.reset_counts()

    response = team_b.post("/assistants/import", json={"openai_assistant_id": team_a["openai_id"]})

    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "already_managed" and "openai_assistant_id" in error["fields"]
    text = str(error)
    assert "A's" not in text and str(team_a["id"]) not in text.replace(team_a["openai_id"], "")
    assert "team 1" not in text.lower()
    assert team_b.assistants() == [] and openai_standin.count(method="POST") == 0
    assert snapshot(api, openai_client) == before


def test_importing_an_assistant_whose_vector_store_is_managed_is_409(app, api, openai_client):
    team_a = api.create(name="A", builtin_tools=["file_search"])
    thief = _remote(openai_client, name="Same store", tools=[{"type": "file_search"}],
                    tool_resources={"file_search": {"vector_store_ids": [
                        team_a["vector_store_id"]]}})

    for team in (1, 2):
        response = ApiClient(app, team=team).post("/assistants/import",
                                                  json={"openai_assistant_id": thief["id"]})
        assert response.status_code == 409, response.get_json()
        assert response.get_json()["error"]["code"] == "already_managed"
    assert ApiClient(app, team=2).assistants() == []


def test_an_assistant_archived_here_can_be_imported_again_only_once_it_is_gone(
        make_archiving_app, openai_client):
    app = make_archiving_app()
    api = ApiClient(app)
    made = _remote(openai_client, name="Imported")
    first = api.post("/assistants/import", json={"openai_assistant_id": made["id"]}).get_json()
    assert api.post(f"/assistants/{first['id']}/archive", json={}).status_code == 200

    again = ApiClient(app, team=2).post("/assistants/import",
                                        json={"openai_assistant_id": made["id"]})

    assert made["id"] not in remote_assistant_ids(openai_client)  # deleted by the outbox
    assert again.status_code == 400  # OpenAI has no such assistant any more


def _legacy_shared_row(app, source: dict, team_id: int) -> int:
    """A second team's live row on the same remote objects, as imports made before the rule
    could leave behind."""
    from ocs_assistant_plugin.models import Assistant, AssistantFile

    db = app.extensions["sqlalchemy"]
    with app.app_context():
        row = Assistant(team_id=team_id, backend=source["backend"], name="Copy",
                        model="gpt-4o", openai_id=source["openai_id"],
                        vector_store_id=source["vector_store_id"],
                        builtin_tools=source["builtin_tools"],
                        files=[AssistantFile(tool=f["tool"], filename=f["filename"],
                                             openai_id=f["openai_id"], remote_only=True)
                               for f in source["files"]])
        db.session.add(row)
        db.session.commit()
        return row.id


def test_archiving_never_deletes_what_another_teams_live_row_uses(make_archiving_app,
                                                                   openai_client):
    app = make_archiving_app()
    api = ApiClient(app)
    made = api.create(name="Shared", builtin_tools=["file_search"])
    api.upload(made["id"], "file_search", "notes.txt", b"notes")
    shared = api.get(f"/assistants/{made['id']}").get_json()
    _legacy_shared_row(app, shared, team_id=2)

    response = api.post(f"/assistants/{made['id']}/archive", json={})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["operations"] == []
    assert shared["openai_id"] in remote_assistant_ids(openai_client)
    assert openai_client.vector_stores.retrieve(shared["vector_store_id"]).id
    assert openai_client.files.retrieve(shared["files"][0]["openai_id"]).id
