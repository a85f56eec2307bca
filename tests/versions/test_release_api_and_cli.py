"""Releasing by hand: POST /api/assistants/<id>/release and ``flask assistants release``."""
from __future__ import annotations

import json

import pytest

from ocs_assistant_plugin import hookimpl
from plugin_host import ApiClient, remote_assistant, snapshot
from version_helpers import CONFIG


def test_release_route_makes_a_version_then_reuses_it(api, openai_client, openai_standin):
    bot = api.create(name="Bot", instructions="Hi")
    openai_standin.reset_counts()

    made = api.post(f"/assistants/{bot['id']}/release", json={"label": "spring"})
    again = api.post(f"/assistants/{bot['id']}/release", json={})

    assert openai_standin.count() == 1
    assert made.status_code == 201, made.get_json()
    version = made.get_json()
    assert version["is_version"] and version["working_id"] == bot["id"]
    assert version["version_number"] == 1 and version["release_label"] == "spring"
    assert remote_assistant(openai_client, version["openai_id"])["instructions"] == "Hi"
    assert again.status_code == 200 and again.get_json()["id"] == version["id"]
    assert api.get(f"/assistants/{bot['id']}").get_json()["versions"] == [version["id"]]


@pytest.mark.parametrize("body, field", [
    ({"label": 5}, "label"),
    ({"label": "x" * 257}, "label"),
    ({"labl": "typo"}, "labl"),
    (["not", "an", "object"], "body"),
])
def test_release_route_refuses_bad_input_naming_the_field(body, field, api, openai_client,
                                                          openai_standin):
    bot = api.create(name="Bot")
    before = snapshot(api, openai_client)
    openai_standin.reset_counts()

    response = api.post(f"/assistants/{bot['id']}/release", json=body)

    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    assert openai_standin.count() == 0 and snapshot(api, openai_client) == before


def test_release_route_is_team_scoped_and_authorized(make_app, api, openai_standin):
    bot = api.create(name="Bot")

    assert api.post(f"/assistants/{bot['id']}/release", json={}, team=2).status_code == 404
    assert api.post("/assistants/999/release", json={}).status_code == 404
    assert api.post(f"/assistants/{bot['id']}/release", json={}, team=None).status_code == 401

    class NoReleases:
        @hookimpl
        def ocs_authorize(self, action, team_id, assistant):
            return False if action == "release" else None

    app = make_app(**CONFIG)
    app.extensions["ocs_assistants"].register(NoReleases())
    denied = ApiClient(app).post(f"/assistants/{bot['id']}/release", json={})
    assert denied.status_code == 403
    assert api.get(f"/assistants/{bot['id']}").get_json()["versions"] == []


def test_release_route_reports_a_remote_failure_with_its_status(api, openai_standin):
    bot = api.create(name="Bot")
    openai_standin.inject_fault(status=503, method="POST", path_prefix="/v1/assistants")

    response = api.post(f"/assistants/{bot['id']}/release", json={"label": "x"})

    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "remote_unavailable"
    assert f"Release failed at assistant {bot['id']} ('Bot')" in error["message"]
    assert api.get(f"/assistants/{bot['id']}").get_json()["versions"] == []


def test_release_route_is_in_the_openapi_document(api):
    document = api.get("/openapi.json").get_json()

    operation = document["paths"]["/assistants/{assistant_id}/release"]["post"]
    assert {"201", "404", "409", "502", "503"} <= set(operation["responses"])
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/ReleaseInput"}
    assert "label" in document["components"]["schemas"]["ReleaseInput"]["properties"]


def test_cli_release_makes_and_reuses_versions(app, api, openai_standin):
    one = api.create(name="One")
    two = api.create(name="Two")
    runner = app.test_cli_runner()
    openai_standin.reset_counts()

    made = runner.invoke(args=["assistants", "release", str(one["id"]), str(two["id"]),
                               "--team", "1", "--label", "cli-1"])
    again = runner.invoke(args=["assistants", "release", str(one["id"]), "--team", "1",
                                "--json"])

    assert made.exit_code == 0, made.output
    versions = api.get(f"/assistants/{one['id']}").get_json()["versions"]
    assert f"Assistant {one['id']} released as version 1 (assistant {versions[0]}" in made.output
    assert "One v1" in made.output and "Two v1" in made.output
    assert again.exit_code == 0, again.output
    assert json.loads(again.output) == [{"working_id": one["id"], "version_id": versions[0],
                                         "version_number": 1, "created": False}]
    assert openai_standin.count() == 2


def test_cli_release_refusals_exit_1_with_the_message(app, api, release):
    bot = api.create(name="Bot")
    version_id = release([bot["id"]])[bot["id"]]
    runner = app.test_cli_runner()

    of_version = runner.invoke(args=["assistants", "release", str(version_id), "--team", "1"])
    other_team = runner.invoke(args=["assistants", "release", str(bot["id"]), "--team", "2"])
    no_team = runner.invoke(args=["assistants", "release", str(bot["id"])])

    assert of_version.exit_code == 1 and "Versions cannot be released" in of_version.output
    assert other_team.exit_code == 1 and f"Assistant {bot['id']} is not found" in other_team.output
    assert no_team.exit_code == 2 and "--team" in no_team.output
