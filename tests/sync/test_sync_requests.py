"""Few round trips, and a cost bounded by the assistant, never by the OpenAI project.

An in-sync check asks for the assistant and every page of its store at the same time (the page
cursors come from the store's last listing) and nothing about filenames (the local rows have
them). A store changed since its last listing is still reported exactly: the listing goes on
page by page from where it changed. Files only OpenAI has are named each by its own
``GET /files/{id}``; the project's file list (``GET /v1/files``) is never read.
"""
from __future__ import annotations

import math

import pytest
import sqlalchemy as sa

from ocs_assistant_plugin import hookimpl
from plugin_host import SQLITE_ONLY, ApiClient, fire, on_every_statement
from sync_helpers import (
    assert_in_sync,
    create_remote,
    store_with_files,
    sync_action,
    sync_report,
)

BACKENDS = ["assistants", "responses"]
ON_SQLITE = pytest.mark.parametrize("database_url", [SQLITE_ONLY], indirect=True)


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def app_config(backend):
    return {"OCS_ASSISTANTS_BACKEND": backend, "OCS_ASSISTANTS_TASK_BACKEND": "eager"}


def imported(api, openai_client, openai_standin, backend: str, file_count: int) -> dict:
    """An assistant whose store holds ``file_count`` files, made in OpenAI and read here in full
    once (so its page cursors are known from then on): imported on the ``assistants`` backend;
    on ``responses`` recorded as rows, then checked once."""
    ids = openai_standin.seed_files(file_count, filename="doc-{index:04d}.txt")
    store = (store_with_files(openai_client, ids) if ids
             else openai_client.vector_stores.create(name="empty").id)
    if backend == "assistants":
        remote = create_remote(openai_client, name="Big", tools=[{"type": "file_search"}],
                               tool_resources={"file_search": {"vector_store_ids": [store]}})
        response = api.post("/assistants/import", json={"openai_assistant_id": remote["id"]})
        assert response.status_code == 201, response.get_json()
    else:
        assistant_id = responses_rows(api.app, store, ids)
        assert_in_sync(sync_report(api, assistant_id))
        response = api.get(f"/assistants/{assistant_id}")
    assistant = response.get_json()
    assert len(assistant["files"]) == file_count
    return assistant


def responses_rows(app, store: str, file_ids: list[str]) -> int:
    """A ``responses`` assistant holding ``store``, its files recorded as remote-only rows."""
    from ocs_assistant_plugin.models import Assistant, AssistantFile, utcnow

    db = app.extensions["sqlalchemy"]
    with app.app_context():
        row = Assistant(team_id=1, backend="responses", name="Big", model="gpt-4o",
                        builtin_tools=["file_search"], vector_store_id=store, pushed_at=utcnow(),
                        files=[AssistantFile(tool="file_search", openai_id=file_id,
                                             filename=f"doc-{n:04d}.txt", bytes=6,
                                             remote_only=True)
                               for n, file_id in enumerate(file_ids)])
        row.refresh_content_hash()
        db.session.add(row)
        db.session.commit()
        return row.id


def store_pages(openai_standin, store_id: str) -> list:
    return [r for r in openai_standin.requests
            if r.path == f"/v1/vector_stores/{store_id}/files"]


def project_listings(openai_standin) -> list:
    """Requests that list the project's files."""
    return [r for r in openai_standin.requests if (r.method, r.path) == ("GET", "/v1/files")]


def signature(openai_standin) -> list:
    """What was asked and how much came back, in an order that does not depend on timing."""
    return sorted((r.method, r.path, sorted(r.query.items()), r.status, r.bytes_sent)
                  for r in openai_standin.requests)


@ON_SQLITE
@pytest.mark.parametrize("file_count", [0, 1, 100, 101, 1000])
def test_in_sync_check_asks_for_the_assistant_and_each_store_page_only(
        api, openai_client, openai_standin, backend, file_count):
    assistant = imported(api, openai_client, openai_standin, backend, file_count)
    openai_standin.reset_counts()

    assert_in_sync(sync_report(api, assistant["id"]))

    pages = max(1, math.ceil(file_count / 100))
    assert len(store_pages(openai_standin, assistant["vector_store_id"])) == pages
    assert openai_standin.count() == pages + (1 if backend == "assistants" else 0)
    assert openai_standin.count(path_prefix="/v1/files") == 0


@ON_SQLITE
def test_pages_of_an_in_sync_store_are_requested_without_waiting_on_each_other(
        api, openai_client, openai_standin, backend):
    assistant = imported(api, openai_client, openai_standin, backend, 450)
    openai_standin.reset_counts()
    openai_standin.latency = 0.5  # every answer waits: a request sent after one is not ahead

    assert_in_sync(sync_report(api, assistant["id"]))

    requests = openai_standin.requests
    assert len(store_pages(openai_standin, assistant["vector_store_id"])) == 5
    assert len(requests) == 5 + (1 if backend == "assistants" else 0)
    first_answer = min(r.finished for r in requests)
    assert all(r.started < first_answer for r in requests), requests


@pytest.mark.parametrize("backend", ["assistants"], indirect=True)
def test_a_store_changed_since_its_last_listing_is_still_reported_exactly(
        api, openai_client, openai_standin):
    assistant = imported(api, openai_client, openai_standin, "assistants", 350)
    store = assistant["vector_store_id"]
    files = sorted(assistant["files"], key=lambda f: f["filename"])  # the listing's order
    detached = files[50]  # on the first page: every later page now starts one file further
    openai_client.vector_stores.files.delete(detached["openai_id"], vector_store_id=store)
    added = openai_standin.seed_files(60, filename="added-{index:02d}.txt")
    openai_client.vector_stores.file_batches.create(store, file_ids=added)
    openai_standin.reset_counts()

    report = sync_report(api, assistant["id"])

    assert report["state"] == "out_of_sync"
    assert report["files_missing_remotely"] == [
        {"id": detached["id"], "filename": detached["filename"],
         "openai_id": detached["openai_id"], "tool": "file_search"}]
    assert [f["openai_id"] for f in report["files_missing_locally"]] == added
    pages = store_pages(openai_standin, store)
    ahead, walked = pages[:4], pages[4:]
    # the four remembered pages went out at once and still join up around the detached file;
    # the last one overflowed with the added files, so the listing went on from its end
    assert sorted(p.query.get("after", [""])[0] for p in ahead) == sorted(
        ["", *(files[i]["openai_id"] for i in (99, 199, 299))])
    assert [p.query["after"] for p in walked] == [[added[49]]]
    assert max(p.finished for p in ahead) < walked[0].started
    assert openai_standin.count(path_prefix="/v1/files") == 60  # each added file named once
    assert project_listings(openai_standin) == []

    openai_standin.reset_counts()
    assert sync_report(api, assistant["id"]) == report
    # the new listing was remembered: its five pages are asked for at once, and only the
    # files OpenAI has and this assistant does not are named again
    assert len(store_pages(openai_standin, store)) == 5
    assert openai_standin.count() == 1 + 5 + 60


@ON_SQLITE
def test_files_added_in_openai_are_named_each_by_its_own_request(
        api, openai_client, openai_standin, backend):
    assistant = imported(api, openai_client, openai_standin, backend, 150)
    extra = openai_standin.seed_files(60, filename="added-{index:02d}.txt")
    openai_client.vector_stores.file_batches.create(assistant["vector_store_id"], file_ids=extra)
    openai_standin.reset_counts()

    report = sync_report(api, assistant["id"])

    assert sorted((f["openai_id"], f["filename"]) for f in report["files_missing_locally"]) == \
        sorted(zip(extra, (f"added-{i:02d}.txt" for i in range(60))))
    assert sorted(r.path for r in openai_standin.requests if r.path.startswith("/v1/files")) == \
        sorted(f"/v1/files/{file_id}" for file_id in extra)


@ON_SQLITE
def test_twenty_thousand_unrelated_files_change_neither_the_requests_nor_the_bytes_read(
        api, openai_client, openai_standin, backend):
    assistant = imported(api, openai_client, openai_standin, backend, 120)
    extra = openai_standin.seed_files(3, filename="added-{index}.txt")
    openai_client.vector_stores.file_batches.create(assistant["vector_store_id"], file_ids=extra)
    sync_report(api, assistant["id"])  # the drifted listing is remembered
    reports, signatures = [], []
    for unrelated in (0, 20000):
        openai_standin.seed_files(unrelated)
        openai_standin.reset_counts()
        reports.append(sync_report(api, assistant["id"]))
        signatures.append(signature(openai_standin))

    assert len(reports[0]["files_missing_locally"]) == 3
    assert reports[0] == reports[1]
    assert signatures[0] == signatures[1]
    assert sum(s[-1] for s in signatures[0]) == sum(s[-1] for s in signatures[1]) > 0


@ON_SQLITE
def test_no_check_pull_push_release_or_archive_lists_the_projects_files(
        api, app, plugin, openai_client, openai_standin, backend):
    assistant = imported(api, openai_client, openai_standin, backend, 30)
    openai_standin.seed_files(20000)
    added = openai_standin.seed_files(2, filename="added-{index}.txt")
    openai_client.vector_stores.file_batches.create(assistant["vector_store_id"], file_ids=added)
    openai_standin.reset_counts()

    assert sync_report(api, assistant["id"])["state"] == "out_of_sync"
    assert_in_sync(sync_action(api, assistant["id"], "pull", json={}))
    detached = assistant["files"][0]["openai_id"]
    openai_client.vector_stores.files.delete(detached,
                                             vector_store_id=assistant["vector_store_id"])
    assert_in_sync(sync_action(api, assistant["id"], "push", json={}))
    fire(app, "ocs_release", assistant_ids=[assistant["id"]], team_id=1, release_label="v1")
    archived = api.post(f"/assistants/{assistant['id']}/archive", json={})
    assert archived.status_code == 200, archived.get_json()

    assert openai_standin.count("DELETE", "/v1/files/") == 32  # the archive ran to the end
    assert project_listings(openai_standin) == []


@ON_SQLITE
@pytest.mark.parametrize("backend", ["assistants"], indirect=True)
def test_bulk_audit_checks_each_assistant_with_its_pages_at_once(
        api, app, openai_client, openai_standin, backend):
    assistants = [imported(api, openai_client, openai_standin, backend, 150) for _ in range(6)]
    openai_standin.seed_files(5000)
    openai_standin.reset_counts()

    result = app.test_cli_runner().invoke(args=["assistants", "check", "--concurrency", "3"])

    assert result.exit_code == 0, result.output
    assert "6 in_sync" in result.output
    assert openai_standin.count() == 6 * 3  # the assistant and its two pages, each
    for assistant in assistants:
        assert len(store_pages(openai_standin, assistant["vector_store_id"])) == 2
    assert openai_standin.count(path_prefix="/v1/files") == 0


@ON_SQLITE
@pytest.mark.parametrize("backend", ["responses"], indirect=True)
def test_a_vector_store_import_remembers_its_pages_for_the_first_check(
        api, openai_client, openai_standin):
    store = store_with_files(openai_client, openai_standin.seed_files(250))
    response = api.post("/assistants/import", json={"vector_store_id": store, "model": "gpt-4o"})
    assert response.status_code == 201, response.get_json()
    openai_standin.reset_counts()
    openai_standin.latency = 0.5

    assert_in_sync(sync_report(api, response.get_json()["id"]))

    requests = openai_standin.requests
    assert len(requests) == len(store_pages(openai_standin, store)) == 3
    assert max(r.started for r in requests) < min(r.finished for r in requests)


def audit_with_statements(app, *args):
    """``flask assistants check ARGS`` and the SQL statements it sent."""
    statements: list[str] = []

    with on_every_statement(app, lambda statement, _context: statements.append(statement)):
        result = app.test_cli_runner().invoke(args=["assistants", "check", *args])
    return result, statements


@ON_SQLITE
@pytest.mark.parametrize("backend", ["assistants"], indirect=True)
def test_bulk_audit_reads_the_database_in_as_many_queries_for_nine_assistants_as_for_three(
        api, app, openai_client, openai_standin, backend):
    for _ in range(3):
        imported(api, openai_client, openai_standin, backend, 3)
    three, statements_for_three = audit_with_statements(app)
    for _ in range(6):
        imported(api, openai_client, openai_standin, backend, 3)
    nine, statements_for_nine = audit_with_statements(app)

    assert three.exit_code == nine.exit_code == 0, (three.output, nine.output)
    assert "3 in_sync" in three.output and "9 in_sync" in nine.output
    assert len(statements_for_nine) == len(statements_for_three) <= 5, statements_for_nine


class CountingClientRequests:
    """Counts the plugin's ``ocs_openai_client`` calls (the host's own hook answers them)."""

    def __init__(self):
        self.teams: list[int] = []

    @hookimpl(wrapper=True)
    def ocs_openai_client(self, team_id):
        self.teams.append(team_id)
        return (yield)


@ON_SQLITE
@pytest.mark.parametrize("backend", ["assistants"], indirect=True)
def test_bulk_audit_asks_the_host_for_one_client_per_team(
        api, app, plugin, openai_client, openai_standin, backend):
    team2 = ApiClient(app, team=2)
    for client in (api, api, api, team2, team2):
        imported(client, openai_client, openai_standin, backend, 1)
    counting = CountingClientRequests()
    plugin.register(counting, name="counting_client_requests")

    result = app.test_cli_runner().invoke(args=["assistants", "check", "--concurrency", "3"])

    assert result.exit_code == 0, result.output
    assert "5 in_sync" in result.output
    assert sorted(counting.teams) == [1, 2]


@ON_SQLITE
@pytest.mark.parametrize("backend", ["assistants"], indirect=True)
def test_bulk_audit_remembers_the_pages_of_stores_it_had_to_list_page_by_page(
        api, app, openai_client, openai_standin, backend):
    from ocs_assistant_plugin.models import VectorStoreListing

    assistants = [imported(api, openai_client, openai_standin, backend, 250) for _ in range(2)]
    db = app.extensions["sqlalchemy"]
    with app.app_context():
        remembered = {row.vector_store_id: row.page_cursors
                      for row in db.session.execute(sa.select(VectorStoreListing)).scalars()}
        db.session.execute(sa.delete(VectorStoreListing))  # as if never listed
        db.session.commit()
    openai_standin.reset_counts()

    first = app.test_cli_runner().invoke(args=["assistants", "check"])

    assert first.exit_code == 0, first.output
    for assistant in assistants:  # no cursors known: one page after another, then remembered
        pages = store_pages(openai_standin, assistant["vector_store_id"])
        assert len(pages) == 3
        assert pages[0].finished < pages[1].started and pages[1].finished < pages[2].started
    with app.app_context():
        assert {row.vector_store_id: row.page_cursors for row in db.session.execute(
            sa.select(VectorStoreListing)).scalars()} == remembered
    openai_standin.reset_counts()
    openai_standin.latency = 0.3

    second = app.test_cli_runner().invoke(args=["assistants", "check", "--concurrency", "1"])

    assert second.exit_code == 0, second.output
    for assistant in assistants:  # known now: every page at once, with the assistant
        pages = store_pages(openai_standin, assistant["vector_store_id"])
        assert len(pages) == 3
        assert max(p.started for p in pages) < min(p.finished for p in pages)
