"""The sync routes as API citizens: teams, authorization, CSRF, bad input, the OpenAPI document."""
from __future__ import annotations

import io

import jsonschema
import pytest

from ocs_assistant_plugin import hookimpl
from plugin_host import ApiClient, as_json_schema
from sync_helpers import baseline, local, modify_remote, read_remote, sync_action, sync_report

ROUTES = [("GET", "sync"), ("POST", "pull"), ("POST", "push"), ("POST", "restore"),
          ("POST", "sync/files/1/upload"), ("POST", "sync/files/1/remove"),
          ("POST", "sync/remote-files/file-x/keep"), ("POST", "sync/remote-files/file-x/remove")]


class DenySync:
    """A host that lets admins do everything but sync."""

    @hookimpl
    def ocs_authorize(self, action, team_id, assistant):
        return action != "sync"


@pytest.mark.parametrize("method, path", ROUTES)
def test_another_teams_assistant_is_not_found(api, method, path):
    assistant = api.create(**baseline())

    response = api.open(method, f"/assistants/{assistant['id']}/{path}", team=2)

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("method, path", ROUTES)
def test_sync_routes_need_a_team(api, method, path):
    assistant = api.create(**baseline())

    response = api.open(method, f"/assistants/{assistant['id']}/{path}", team=None)

    assert response.status_code == 401


@pytest.mark.parametrize("method, path", ROUTES)
def test_sync_routes_ask_ocs_authorize_for_sync(app, plugin, api, openai_client, method, path):
    assistant = api.create(**baseline())
    modify_remote(openai_client, assistant["openai_id"], name="Renamed")
    plugin.register(DenySync(), name="deny_sync")

    response = api.open(method, f"/assistants/{assistant['id']}/{path}")

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert read_remote(openai_client, assistant["openai_id"])["name"] == "Renamed"
    assert local(api, assistant["id"])["name"] == "Helper"


def test_an_unknown_assistant_is_not_found(api):
    assert sync_report(api, 12345, expect=404)["error"]["code"] == "not_found"


def test_pull_refuses_a_body_with_fields(api, openai_client):
    assistant = api.create(**baseline())
    modify_remote(openai_client, assistant["openai_id"], name="Renamed")

    error = sync_action(api, assistant["id"], "pull", json={"force": True}, expect=400)["error"]

    assert list(error["fields"]) == ["force"]
    assert local(api, assistant["id"])["name"] == "Helper"


def test_actions_accept_an_empty_json_object(api, openai_client):
    assistant = api.create(**baseline())
    modify_remote(openai_client, assistant["openai_id"], name="Renamed")

    assert sync_action(api, assistant["id"], "push", json={})["state"] == "in_sync"


def test_form_posts_need_the_csrf_token_when_protection_is_on(make_app, openai_client):
    app = make_app(OCS_ASSISTANTS_CSRF_ENABLED=True)
    api = ApiClient(app)
    assistant = api.create(**baseline())
    modify_remote(openai_client, assistant["openai_id"], name="Renamed")

    response = api.post(f"/assistants/{assistant['id']}/push")  # what a cross-site form sends
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "csrf_failed"
    assert list(response.get_json()["error"]["fields"]) == ["csrf_token"]
    upload = api.post(f"/assistants/{assistant['id']}/sync/files/1/upload",
                      data={"file": (io.BytesIO(b"x"), "x.txt")},
                      content_type="multipart/form-data")
    assert upload.status_code == 403
    assert read_remote(openai_client, assistant["openai_id"])["name"] == "Renamed"

    assert sync_action(api, assistant["id"], "push", json={})["state"] == "in_sync"


# -- the OpenAPI document ---------------------------------------------------------------------------

def test_the_openapi_document_describes_the_sync_routes(api, openai_client):
    document = api.get("/openapi.json", team=None).get_json()
    paths = document["paths"]
    for method, path in ROUTES:
        rule = "/assistants/{assistant_id}/" + path.replace("/1/", "/{file_id}/").replace(
            "/file-x/", "/{openai_file_id}/")
        operation = paths[rule][method.lower()]
        assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/SyncReport"}
    schema = document["components"]["schemas"]["SyncReport"]
    assert set(schema["properties"]) == {
        "state", "assistant_id", "openai_id", "is_version", "differences",
        "files_missing_locally", "files_missing_remotely", "message"}

    assistant = api.create(**baseline(builtin_tools=["file_search"]))
    record = api.upload(assistant["id"], "file_search").get_json()
    store = local(api, assistant["id"])["vector_store_id"]
    openai_client.vector_stores.files.delete(record["openai_id"], vector_store_id=store)
    extra = openai_client.files.create(file=("extra.txt", b"x"), purpose="assistants").id
    openai_client.vector_stores.files.create(store, file_id=extra)
    modify_remote(openai_client, assistant["openai_id"], temperature=0.2,
                  response_format={"type": "json_object"})
    report = sync_report(api, assistant["id"])
    assert report["differences"] and report["files_missing_locally"]
    assert report["files_missing_remotely"]

    jsonschema.validate(report, as_json_schema(document, "SyncReport"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**report, "state": "confused"}, as_json_schema(document, "SyncReport"))
