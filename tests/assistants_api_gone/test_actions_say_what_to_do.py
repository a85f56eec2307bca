"""Every action of an ``assistants`` assistant on a server without the Assistants API says what
happened and what to do (DESIGN 1.4), in the API's one error shape with its own code, in the sync
report and in the CLI; nothing changes here. Archiving still works: the stores and files go."""
from __future__ import annotations

import pytest

from plugin_host import ApiClient, remote_file_ids, remote_store_ids

ADVICE = ('OCS_ASSISTANTS_BACKEND = "responses"',
          "flask assistants migrate-backend --to responses")


def says_what_to_do(message: str, method: str, path: str) -> bool:
    return ("no longer offers the Assistants API" in message
            and f"Invalid URL ({method} /v1{path}" in message
            and all(advice in message for advice in ADVICE))


def assert_unavailable(response, method: str, path: str):
    assert response.status_code == 502, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "assistants_api_unavailable"
    assert says_what_to_do(error["message"], method, path), error["message"]


@pytest.fixture
def bot(api):
    made = api.create(name="Helpdesk", builtin_tools=["file_search"])
    assert api.upload(made["id"], "file_search", "faq.txt", b"Opening hours").status_code == 201
    return api.get(f"/assistants/{made['id']}").get_json()


def test_saving_an_assistant_says_to_move_and_saves_nothing(api, bot, sunset):
    sunset()

    response = api.patch(f"/assistants/{bot['id']}", json={"name": "Renamed"})

    assert_unavailable(response, "POST", f"/assistants/{bot['openai_id']}")
    assert api.get(f"/assistants/{bot['id']}").get_json() == bot


def test_creating_an_assistant_says_to_move_and_leaves_nothing(api, sunset, openai_client):
    sunset()

    response = api.post("/assistants", json={"name": "New", "model": "gpt-4o",
                                             "builtin_tools": ["file_search"]})

    assert_unavailable(response, "POST", "/assistants")
    assert api.assistants() == []
    assert remote_store_ids(openai_client) == set()  # the store made first is deleted again


def test_the_sync_check_reports_an_error_saying_what_to_do(api, bot, sunset):
    sunset()

    report = api.get(f"/assistants/{bot['id']}/sync").get_json()

    assert report["state"] == "error"
    assert says_what_to_do(report["message"], "GET", f"/assistants/{bot['openai_id']}")


@pytest.mark.parametrize("fix", ["push", "pull"])
def test_sync_fixes_say_what_to_do(api, bot, sunset, fix):
    sunset()

    response = api.post(f"/assistants/{bot['id']}/{fix}", json={})

    # Both read the remote assistant first.
    assert_unavailable(response, "GET", f"/assistants/{bot['openai_id']}")
    assert api.get(f"/assistants/{bot['id']}").get_json() == bot


def test_release_says_what_to_do_and_makes_no_version(api, bot, sunset, openai_client):
    stores = remote_store_ids(openai_client)
    sunset()

    response = api.post(f"/assistants/{bot['id']}/release", json={"label": "v1"})

    assert_unavailable(response, "POST", "/assistants")
    assert api.get(f"/assistants/{bot['id']}").get_json()["versions"] == []
    assert remote_store_ids(openai_client) == stores


def test_import_says_what_to_do(api, sunset):
    sunset()

    response = api.post("/assistants/import", json={"openai_assistant_id": "asst_abc"})

    assert_unavailable(response, "GET", "/assistants/asst_abc")
    assert api.assistants() == []


def test_archiving_still_deletes_the_store_and_files(api, bot, sunset, openai_client):
    sunset()

    response = api.post(f"/assistants/{bot['id']}/archive", json={})

    assert response.status_code == 200, response.get_json()
    assert bot["vector_store_id"] not in remote_store_ids(openai_client)
    assert bot["files"][0]["openai_id"] not in remote_file_ids(openai_client)
    operations = api.get("/operations").get_json()["items"]
    # The assistant object cannot be reached, nor can it be used by anyone: nothing is left to do.
    assert {o["kind"]: o["status"] for o in operations} == {
        "delete_assistant": "done", "delete_vector_store": "done", "delete_file": "done"}


def test_the_cli_says_what_to_do(app, api, bot, sunset):
    sunset()
    runner = app.test_cli_runner()

    release = runner.invoke(args=["assistants", "release", str(bot["id"]), "--team", "1"])
    check = runner.invoke(args=["assistants", "check", "--team", "1"])
    imported = runner.invoke(args=["assistants", "import", "asst_abc", "--team", "1"])

    assert release.exit_code == 1 and says_what_to_do(release.output, "POST", "/assistants")
    assert check.exit_code == 1 and all(advice in check.output for advice in ADVICE)
    assert imported.exit_code == 1 and says_what_to_do(imported.output, "GET",
                                                       "/assistants/asst_abc")


def test_after_the_move_everything_works_again(app, api, bot, sunset, openai_client):
    sunset()

    moved = app.test_cli_runner().invoke(args=["assistants", "migrate-backend", "--to",
                                               "responses"])

    assert moved.exit_code == 0, moved.output
    assert api.get(f"/assistants/{bot['id']}").get_json()["backend"] == "responses"
    assert api.patch(f"/assistants/{bot['id']}", json={"name": "Renamed"}).status_code == 200
    assert api.get(f"/assistants/{bot['id']}/sync").get_json()["state"] == "in_sync"


def test_the_api_error_is_documented(api):
    document = api.get("/openapi.json").get_json()
    update = document["paths"]["/assistants/{assistant_id}"]["patch"]
    assert "assistants_api_unavailable" in update["responses"]["502"]["description"]
