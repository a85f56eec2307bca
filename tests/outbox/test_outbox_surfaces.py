"""Where admins and operators see the outbox: ``GET operations``, ``flask assistants operations``,
the operations page; and how it is configured."""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace

import pytest

from ocs_assistant_plugin.outbox import queue as operations
from ocs_assistant_plugin.errors import ConfigurationError
from ocs_assistant_plugin.settings import OUTBOX_KEYS
from outbox_helpers import CONFIG, deletes, targets_of
from plugin_host import ApiClient


def archive(api, bot, team=1):
    response = api.post(f"/assistants/{bot['id']}/archive", team=team, json={})
    assert response.status_code == 200, response.get_json()


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["assistants", "operations", *args])


# -- GET operations --------------------------------------------------------------------------------


def test_the_api_lists_the_teams_operations_newest_first(api, make_bot, openai_standin):
    bot = make_bot()
    openai_standin.inject_fault(status=429, retry_after=60, times=1, method="DELETE",
                                path_prefix="/v1/files")
    archive(api, bot)
    other = api.create(name="Theirs", expect=201)
    assert api.post(f"/assistants/{other['id']}/archive").status_code == 200

    body = api.get("/operations").get_json()

    assert body["next"] is None
    items = body["items"]
    assert [o["target"] for o in items] == [other["openai_id"]] + targets_of(bot)[::-1]
    file_op = items[1]
    assert set(file_op) == {"id", "team_id", "kind", "target", "status", "attempts", "last_error",
                            "next_attempt_at", "claimed_by", "claimed_at", "created_at",
                            "updated_at"}
    assert (file_op["kind"], file_op["status"], file_op["attempts"]) == ("delete_file", "pending", 1)
    assert "429" in file_op["last_error"]
    assert dt.datetime.fromisoformat(file_op["next_attempt_at"]).tzinfo is not None
    pending = api.get("/operations", query_string={"status": "pending"}).get_json()["items"]
    assert [o["id"] for o in pending] == [file_op["id"]]
    assert api.get("/operations", team=2).get_json()["items"] == []


def test_a_bad_status_filter_is_400_naming_the_field(api):
    response = api.get("/operations", query_string={"status": "stuck"})
    assert response.status_code == 400
    assert list(response.get_json()["error"]["fields"]) == ["status"]


def test_the_listing_pages(make_app, openai_client):
    app = make_app(OCS_ASSISTANTS_PAGE_SIZE=2, **CONFIG)
    api = ApiClient(app)
    for i in range(3):
        archive(api, api.create(name=f"Bot {i}"))
    first = api.get("/operations").get_json()
    second = api.get(first["next"]).get_json()
    assert len(first["items"]) == 2 and len(second["items"]) == 1 and second["next"] is None
    assert [o["id"] for o in first["items"] + second["items"]] == [3, 2, 1]


def test_the_openapi_document_describes_archiving_and_the_outbox(api):
    document = api.get("/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    assert {"ArchiveCheck", "RemoteOperation", "ArchiveResult", "BlockingReference"} <= set(schemas)
    assert set(schemas["ArchiveCheck"]["properties"]) == {
        "assistant_id", "can_archive", "versions", "sections", "auto_archive"}
    assert set(schemas["RemoteOperation"]["properties"]) >= {
        "id", "kind", "target", "status", "attempts", "last_error", "next_attempt_at"}
    paths = document["paths"]
    assert "get" in paths["/assistants/{assistant_id}/archive-check"]
    assert "409" in paths["/assistants/{assistant_id}/archive"]["post"]["responses"]
    assert "get" in paths["/operations"]


# -- the CLI ---------------------------------------------------------------------------------------


def test_cli_list_run_and_retry(app, plugin, api, make_bot, cli, openai_standin):
    bot = make_bot()
    openai_standin.inject_fault(status=500, times=None, method="DELETE", path_prefix="/v1/files")
    archive(api, bot)

    listed = cli("list", "--status", "pending")
    assert listed.exit_code == 0, listed.output
    assert re.search(r"delete_file\s+" + re.escape(targets_of(bot)[2]) + r"\s+pending\s+1", listed.output)
    assert "500" in listed.output

    due_now = cli("run")
    assert due_now.exit_code == 0 and due_now.output == "Nothing is due.\n"

    (file_op,) = [o for o in operations_of(app, plugin) if o.kind == "delete_file"]
    forced = cli("run", str(file_op.id))  # run it now, before its next attempt is due
    assert forced.exit_code == 0
    assert forced.output.startswith("Tried 1: 0 done, 1 to retry, 0 failed.")

    with app.app_context():
        settings = plugin.settings
        three_attempts = replace(settings, outbox=replace(settings.outbox, max_attempts=3))
        operations.run_pending(replace(plugin.deps, settings=three_attempts), ids=[file_op.id])
    failed = cli("list", "--status", "failed", "--json")
    assert [(o["id"], o["attempts"]) for o in json.loads(failed.output)] == [
        (file_op.id, 3)]

    openai_standin.clear_faults()
    retried = cli("retry")
    assert retried.exit_code == 0, retried.output
    assert retried.output == "Tried 1: 1 done, 0 to retry, 0 failed.\n"
    assert deletes(openai_standin, targets_of(bot)[2]) == [500, 500, 500, 200]
    assert cli("retry").output == "No failed operations.\n"


def test_cli_refuses_unknown_and_done_operations(api, make_bot, cli):
    archive(api, make_bot())
    unknown = cli("run", "999")
    assert unknown.exit_code == 1 and "Remote operation 999 not found." in unknown.output
    done = cli("retry", "1")
    assert done.exit_code == 1 and "operation 1 is done" in done.output
    bad = cli("list", "--status", "stuck")
    assert bad.exit_code == 2 and "--status" in bad.output


def operations_of(app, plugin):
    with app.app_context():
        return operations.list_operations(plugin.deps)


# -- the page --------------------------------------------------------------------------------------


def test_the_operations_page_shows_state_attempts_and_errors_and_retries(
        make_app, openai_client, openai_standin):
    app = make_app(OCS_ASSISTANTS_CSRF_ENABLED=True, OCS_ASSISTANTS_OPERATIONS_MAX_ATTEMPTS=1,
                   **CONFIG)
    api, browser = ApiClient(app), app.test_client()
    browser.environ_base["HTTP_X_TEAM_ID"] = "1"
    bot = api.create(name="Bot")
    openai_standin.inject_fault(status=500, times=1, method="DELETE")
    archive(api, bot)

    def page(query=""):
        response = browser.get("/assistants/operations" + query)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    text = page()
    assert 'data-status="failed"' in text and bot["openai_id"] in text
    assert "OpenAI answered 500" in text
    token = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
    assert page("?status=done").count('data-testid="operation"') == 0
    assert browser.get("/assistants/operations?status=stuck").status_code == 400
    assert browser.post("/assistants/operations/1/retry").status_code == 403  # no CSRF token

    response = browser.post("/assistants/operations/1/retry", data={"csrf_token": token})
    assert response.status_code == 302
    text = page()
    assert 'data-status="done"' in text and "Operation 1 will be tried again." in text
    assert deletes(openai_standin, bot["openai_id"]) == [500, 200]


def test_a_running_operation_shows_which_worker_holds_it_and_since_when(
        make_app, openai_client, openai_standin):
    app = make_app(OCS_ASSISTANTS_CSRF_ENABLED=True, **CONFIG)
    plugin = app.extensions["ocs_assistants"]
    api, browser = ApiClient(app), app.test_client()
    browser.environ_base["HTTP_X_TEAM_ID"] = "1"
    openai_standin.inject_fault(status=500, times=1, method="DELETE")
    bot = api.create(name="Bot")
    archive(api, bot)  # the deletion failed once: pending, due later
    before = dt.datetime.now(dt.timezone.utc)
    with app.app_context():
        (claim,) = operations.claim_due(plugin.deps, ids=[1], worker="node-7 pid 42 (celery)")

    (listed,) = api.get("/operations").get_json()["items"]
    assert (listed["status"], listed["claimed_by"]) == ("running", "node-7 pid 42 (celery)")
    since = dt.datetime.fromisoformat(listed["claimed_at"])
    assert since >= before - dt.timedelta(seconds=1)
    row = app.test_cli_runner().invoke(args=["assistants", "operations", "list"]).output
    assert re.search(r"running\s+2\s+\S+ \S+\s+node-7 pid 42 \(celery\)\s+"
                     + since.strftime("%Y-%m-%d %H:%M:%S"), row), row
    text = browser.get("/assistants/operations").get_data(as_text=True)
    cell = re.search(r'data-testid="operation-worker">(.*?)</td>', text, re.S).group(1)
    assert "node-7 pid 42 (celery)" in cell and "since" in cell

    with app.app_context():  # once it is done nobody holds it: the page says nothing more
        operations._record(plugin.deps, [operations.Outcome(claim)],
                           dt.datetime.now(dt.timezone.utc),
                           plugin.settings.outbox)
    text = browser.get("/assistants/operations").get_data(as_text=True)
    assert "node-7" not in text


# -- configuration ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key, value", [
    ("OPERATIONS_CONCURRENCY", 0), ("OPERATIONS_CONCURRENCY", "16"),
    ("OPERATIONS_MAX_ATTEMPTS", 0), ("OPERATIONS_RETRY_DELAY", -1),
    ("OPERATIONS_LEASE", 0), ("OPERATIONS_POLL_INTERVAL", True)])
def test_bad_outbox_settings_are_refused_naming_the_key(key, value, make_app):
    with pytest.raises(ConfigurationError) as error:
        make_app(**{"OCS_ASSISTANTS_" + key: value})
    assert list(error.value.fields) == ["OCS_ASSISTANTS_" + key]


def test_the_defaults(make_app):
    app = make_app()
    assert {key: app.config["OCS_ASSISTANTS_" + key] for key in OUTBOX_KEYS} == {
        "OPERATIONS_CONCURRENCY": 16, "OPERATIONS_MAX_ATTEMPTS": 15,
        "OPERATIONS_RETRY_DELAY": 30.0, "OPERATIONS_MAX_RETRY_DELAY": 3600.0,
        "OPERATIONS_LEASE": 300.0, "OPERATIONS_POLL_INTERVAL": 10.0,
        "OPERATIONS_SWEEP_INTERVAL": 30.0}
