"""PATCH /api/assistants/<id>: validated, pushed and saved in one step."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ocs_assistant_plugin.models import Assistant
from plugin_host import add_assistant_row, remote_assistant, remote_store_ids, snapshot


def test_patch_is_pushed_and_saved(api, openai_client):
    created = api.create(name="Bot", instructions="Old", temperature=0.2)

    response = api.patch(f"/assistants/{created['id']}",
                         json={"instructions": "New", "temperature": 1.5, "description": "d"})

    assert response.status_code == 200
    body = response.get_json()
    assert body["instructions"] == "New" and body["temperature"] == 1.5 and body["name"] == "Bot"
    assert api.get(f"/assistants/{created['id']}").get_json() == body
    remote = remote_assistant(openai_client, created["openai_id"])
    assert remote["instructions"] == "New"
    assert remote["temperature"] == 1.5
    assert remote["description"] == "d"
    assert remote["name"] == "Bot"


def test_patch_updates_the_same_remote_assistant(api, openai_client, openai_standin):
    created = api.create(name="Bot")
    openai_standin.reset_counts()

    body = api.patch(f"/assistants/{created['id']}", json={"name": "Renamed"}).get_json()

    assert body["openai_id"] == created["openai_id"]
    assert openai_standin.count("POST", f"/v1/assistants/{created['openai_id']}") == 1
    assert openai_standin.count("POST", "/v1/assistants") == 1  # the update, nothing created


def test_turning_file_search_on_creates_the_vector_store(api, openai_client):
    created = api.create(name="Bot")

    body = api.patch(f"/assistants/{created['id']}",
                     json={"builtin_tools": ["file_search"]}).get_json()

    assert body["vector_store_id"] in remote_store_ids(openai_client)
    remote = remote_assistant(openai_client, created["openai_id"])
    assert remote["tool_resources"]["file_search"]["vector_store_ids"] == [body["vector_store_id"]]


def test_null_clears_optional_fields(api, openai_client):
    created = api.create(name="Bot", instructions="x", temperature=0.3)

    body = api.patch(f"/assistants/{created['id']}",
                     json={"instructions": None, "temperature": None}).get_json()

    assert body["instructions"] == "" and body["temperature"] is None
    remote = remote_assistant(openai_client, created["openai_id"])
    assert remote["instructions"] is None


@pytest.mark.parametrize("body, field", [
    ({"temperature": 3}, "temperature"),
    ({"name": ""}, "name"),
    ({"model": None}, "model"),
    ({"builtin_tools": ["retrieval"]}, "builtin_tools"),
    ({"openai_id": "asst_x"}, "openai_id"),
])
def test_bad_patch_changes_nothing(api, openai_client, openai_standin, body, field):
    created = api.create(name="Bot")
    before = snapshot(api, openai_client)
    openai_standin.reset_counts()

    response = api.patch(f"/assistants/{created['id']}", json=body)

    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    assert openai_standin.count(method="POST") == 0
    assert snapshot(api, openai_client) == before


def test_failed_push_saves_nothing(api, openai_client, openai_standin):
    created = api.create(name="Bot", instructions="Old")
    openai_standin.inject_fault(status=500, times=None, method="POST",
                                path_prefix=f"/v1/assistants/{created['openai_id']}")

    response = api.patch(f"/assistants/{created['id']}", json={"instructions": "New"})

    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "remote_unavailable" and "500" in error["message"]
    openai_standin.clear_faults()
    assert api.get(f"/assistants/{created['id']}").get_json()["instructions"] == "Old"
    assert remote_assistant(openai_client, created["openai_id"])["instructions"] == "Old"


def test_versions_are_read_only(app, api, openai_standin):
    working = api.create(name="Bot")
    version_id = add_assistant_row(app, name="Bot v1", is_version=True, working_id=working["id"],
                          version_number=1, openai_id="asst_version")
    openai_standin.reset_counts()

    response = api.patch(f"/assistants/{version_id}", json={"instructions": "x"})

    assert response.status_code == 409
    assert "read-only" in response.get_json()["error"]["message"]
    assert openai_standin.count() == 0
    assert api.get(f"/assistants/{working['id']}").get_json()["versions"] == [version_id]
    assert api.get(f"/assistants/{version_id}").get_json()["working_id"] == working["id"]


def test_archived_assistants_cannot_be_changed(app, api, openai_standin):
    archived_id = add_assistant_row(app, name="Old", archived=True, openai_id="asst_gone")

    response = api.patch(f"/assistants/{archived_id}", json={"instructions": "x"})

    assert response.status_code == 409
    assert openai_standin.count() == 0
    with app.app_context():
        db = app.extensions["sqlalchemy"]
        assert db.session.execute(sa.select(Assistant.instructions)).scalar() == ""


def test_patch_of_unknown_assistant_is_404(api):
    response = api.patch("/assistants/999", json={"name": "x"})

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
