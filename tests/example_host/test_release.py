"""Releasing in the example host goes through the plugin's release hook: released experiments and
pipelines use assistant *versions*, each a new assistant in OpenAI (the real stand-in, read back
with the SDK); unchanged assistants are reused; a failed release leaves nothing behind."""
from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import event

from example_host.models import Experiment, Pipeline, db
from host_testing import (HostClient, flashes, remote_assistant, remote_assistant_ids,
                          remote_vector_store_ids)

ASSISTANT_POSTS = {"method": "POST", "path_prefix": "/v1/assistants"}


@pytest.fixture
def host_backend():
    """The ``assistants`` backend: these tests check the remote assistant each release clones."""
    return "assistants"


def _create(alice, path, form) -> int:
    response = alice.post_form(path, form)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _query_versions(model, working_id):
    return db.session.execute(db.select(model).filter_by(working_id=working_id)
                              .order_by(model.version_number)).scalars().all()


def _versions(example_app, model, working_id):
    """``(id, version_number)`` of each version of a working experiment or pipeline."""
    with example_app.app_context():
        return [(v.id, v.version_number) for v in _query_versions(model, working_id)]


def _experiment_versions(example_app, working_id):
    with example_app.app_context():
        return [(v.id, v.version_number, v.assistant_id, v.pipeline_id,
                 v.pipeline.assistant_ids if v.pipeline else None, v.published)
                for v in _query_versions(Experiment, working_id)]


def _link(page: str, assistant_id: int) -> str:
    """The text of the page's link to the plugin's page of ``assistant_id``."""
    match = re.search(rf'<a href="/assistants/{assistant_id}"[^>]*data-assistant-id='
                      rf'"{assistant_id}"[^>]*>([^<]*)</a>', page)
    assert match, f"no link to assistant {assistant_id}"
    return match.group(1)


@pytest.fixture
def helpdesk(alice):
    """An experiment on assistant "Helpdesk" and a pipeline of "Triage" then "Answer"."""
    helpdesk = alice.create_assistant("Helpdesk", instructions="Be kind.")
    triage = alice.create_assistant("Triage")
    answer = alice.create_assistant("Answer")
    pipeline_id = _create(alice, "/pipelines/new",
                          {"name": "Flow", "node": [str(triage["id"]), str(answer["id"])]})
    experiment_id = _create(alice, "/experiments/new",
                            {"name": "Bot", "assistant_id": str(helpdesk["id"]),
                             "pipeline_id": str(pipeline_id)})
    return {"experiment": experiment_id, "pipeline": pipeline_id, "helpdesk": helpdesk,
            "triage": triage, "answer": answer}


def test_releasing_an_experiment_makes_assistant_versions_it_uses(example_app, alice, helpdesk,
                                                                    openai_standin, openai_client):
    openai_standin.reset_counts()

    response = alice.post_form(f"/experiments/{helpdesk['experiment']}/release",
                               {"release_label": "launch", "publish": "1"}, follow_redirects=True)

    assert response.status_code == 200
    assert flashes(response.get_data(as_text=True)) == [
        "Version 1 of “Bot” released and published."]
    # One new assistant in OpenAI per assistant the experiment uses (its own and its pipeline's).
    assert openai_standin.count(**ASSISTANT_POSTS) == 3
    [(version_id, number, used, pipeline_version, steps, published)] = _experiment_versions(
        example_app, helpdesk["experiment"])
    assert (number, published) == (1, True)
    assert used != helpdesk["helpdesk"]["id"]
    version = alice.api_get(f"/assistants/{used}")
    assert (version["is_version"], version["working_id"], version["version_number"],
            version["name"]) == (True, helpdesk["helpdesk"]["id"], 1, "Helpdesk v1")
    assert version["openai_id"] != helpdesk["helpdesk"]["openai_id"]
    remote = remote_assistant(openai_client, version["openai_id"])
    assert (remote["name"], remote["instructions"]) == ("Helpdesk v1", "Be kind.")
    # The pipeline version frozen with it uses versions of Triage and Answer, in order.
    assert [alice.api_get(f"/assistants/{i}")["name"] for i in steps] == ["Triage v1", "Answer v1"]
    assert {alice.api_get(f"/assistants/{i}")["working_id"] for i in steps} == {
        helpdesk["triage"]["id"], helpdesk["answer"]["id"]}
    with example_app.app_context():
        assert db.session.get(Pipeline, pipeline_version).working_id == helpdesk["pipeline"]

    # The version's page names and links the versions it uses ...
    page = alice.get(f"/experiments/{version_id}").get_data(as_text=True)
    assert _link(page, used) == "Helpdesk v1"
    assert [_link(page, i) for i in steps] == ["Triage v1", "Answer v1"]
    # ... and the working copy's page the working assistant.
    page = alice.get(f"/experiments/{helpdesk['experiment']}").get_data(as_text=True)
    configuration = page.split("Configuration")[1].split("Versions")[0]
    assert _link(configuration, helpdesk["helpdesk"]["id"]) == "Helpdesk"
    assert _link(page, used) == "Helpdesk v1"  # in the versions table
    # The plugin's page for the version answers.
    assert alice.get(f"/assistants/{used}").status_code == 200


def test_releasing_twice_without_changes_reuses_the_versions(example_app, alice, helpdesk,
                                                             openai_standin):
    experiment_id = helpdesk["experiment"]
    alice.post_form(f"/experiments/{experiment_id}/release", {"publish": "1"})
    openai_standin.reset_counts()

    alice.post_form(f"/experiments/{experiment_id}/release", {"publish": "1"})

    assert openai_standin.count(**ASSISTANT_POSTS) == 0
    first, second = _experiment_versions(example_app, experiment_id)
    assert (second[1], second[2], second[4]) == (2, first[2], first[4])
    # A changed assistant gets a new version; the unchanged ones are still reused.
    alice.api_patch(f"/assistants/{helpdesk['helpdesk']['id']}", {"instructions": "Be brief."})
    openai_standin.reset_counts()
    alice.post_form(f"/experiments/{experiment_id}/release", {"publish": "1"})
    assert openai_standin.count(**ASSISTANT_POSTS) == 1
    third = _experiment_versions(example_app, experiment_id)[2]
    assert third[2] != first[2] and third[4] == first[4]
    assert alice.api_get(f"/assistants/{third[2]}")["name"] == "Helpdesk v2"


def test_releasing_a_pipeline_uses_assistant_versions(example_app, alice, helpdesk, openai_standin):
    openai_standin.reset_counts()
    response = alice.post_form(f"/pipelines/{helpdesk['pipeline']}/release",
                               {"release_label": "steps"}, follow_redirects=True)
    assert flashes(response.get_data(as_text=True)) == ["Version 1 of “Flow” released."]
    assert openai_standin.count(**ASSISTANT_POSTS) == 2
    [(version_id, _)] = _versions(example_app, Pipeline, helpdesk["pipeline"])
    with example_app.app_context():
        steps = db.session.get(Pipeline, version_id).assistant_ids
    assert [alice.api_get(f"/assistants/{i}")["name"] for i in steps] == ["Triage v1", "Answer v1"]
    page = alice.get(f"/pipelines/{version_id}").get_data(as_text=True)
    assert [_link(page, i) for i in steps] == ["Triage v1", "Answer v1"]
    page = alice.get(f"/pipelines/{helpdesk['pipeline']}").get_data(as_text=True)
    steps_card = page.split("<h2>Steps</h2>")[1].split("</ol>")[0]
    assert [_link(steps_card, a["id"]) for a in (helpdesk["triage"], helpdesk["answer"])] == [
        "Triage", "Answer"]


@pytest.mark.parametrize("after", [0, 2], ids=["first-clone", "last-clone"])
def test_a_remote_failure_during_release_shows_an_error_and_leaves_nothing(
        example_app, alice, helpdesk, openai_standin, openai_client, after):
    assistants_before = remote_assistant_ids(openai_client)
    stores_before = remote_vector_store_ids(openai_client)
    openai_standin.inject_fault(status=500, times=5, path_prefix="/v1/assistants", method="POST",
                                after=after)

    response = alice.post_form(f"/experiments/{helpdesk['experiment']}/release",
                               {"release_label": "doomed", "publish": "1"},
                               follow_redirects=True)

    assert response.status_code == 200
    [message] = flashes(response.get_data(as_text=True))
    assert message.startswith("Release failed: Release failed at assistant ")
    assert "Nothing was released." in message
    # No host version, no assistant version, nothing left in OpenAI.
    assert _experiment_versions(example_app, helpdesk["experiment"]) == []
    assert _versions(example_app, Pipeline, helpdesk["pipeline"]) == []
    for name in ("helpdesk", "triage", "answer"):
        assert alice.api_get(f"/assistants/{helpdesk[name]['id']}")["versions"] == []
    assert remote_assistant_ids(openai_client) == assistants_before
    assert remote_vector_store_ids(openai_client) == stores_before

    # Once OpenAI answers again, the same release works.
    openai_standin.clear_faults()
    alice.post_form(f"/experiments/{helpdesk['experiment']}/release", {"publish": "1"})
    assert [v[1] for v in _experiment_versions(example_app, helpdesk["experiment"])] == [1]


def test_a_remote_failure_releasing_a_pipeline_shows_an_error(example_app, alice, helpdesk,
                                                               openai_standin):
    openai_standin.inject_fault(status=500, times=5, path_prefix="/v1/assistants", method="POST")
    response = alice.post_form(f"/pipelines/{helpdesk['pipeline']}/release", {},
                               follow_redirects=True)
    assert response.status_code == 200
    [message] = flashes(response.get_data(as_text=True))
    assert message.startswith("Release failed: ") and "Triage" in message
    assert _versions(example_app, Pipeline, helpdesk["pipeline"]) == []


def test_releasing_with_an_archived_assistant_is_refused_clearly(example_app, alice, openai_standin):
    gone = alice.create_assistant("Retired")
    assert alice.api_post(f"/assistants/{gone['id']}/archive").status_code == 200
    keep = alice.create_assistant("Kept")
    experiment_id = _create(alice, "/experiments/new",
                            {"name": "Bot", "assistant_id": str(keep["id"])})
    # The assistant was archived after the experiment picked it (a race the plugin refuses).
    with example_app.app_context():
        db.session.get(Experiment, experiment_id).assistant_id = gone["id"]
        db.session.commit()
    openai_standin.reset_counts()

    response = alice.post_form(f"/experiments/{experiment_id}/release", {"publish": "1"},
                               follow_redirects=True)

    assert response.status_code == 200
    assert flashes(response.get_data(as_text=True)) == [
        f"Release failed: Assistant {gone['id']} is archived and cannot be released."]
    assert _experiment_versions(example_app, experiment_id) == []
    assert openai_standin.count(method="POST") == 0


class PauseFirstInsert:
    """Holds the first thread that inserts an experiment version just before its INSERT, until
    another thread has read the next version number (or ``patience`` seconds passed): the
    moment two unserialised releases would both take the same number.

    SQLAlchemy's cursor event only observes the statements; nothing of the host is replaced."""

    def __init__(self, engine, patience: float = 2.0):
        self.engine = engine
        self.patience = patience
        self.paused = None
        self.other_read_number = threading.Event()
        self.lock = threading.Lock()

    def _observe(self, conn, cursor, statement, parameters, context, executemany):
        me = threading.get_ident()
        if statement.startswith("INSERT INTO host_experiments"):
            with self.lock:
                first = self.paused is None
                if first:
                    self.paused = me
            if first:
                self.other_read_number.wait(self.patience)
        elif "max(host_experiments.version_number)" in statement and self.paused not in (None, me):
            self.other_read_number.set()

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._observe)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._observe)


@pytest.mark.postgresql
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_concurrent_releases_of_one_experiment_get_distinct_numbers(example_app, alice):
    """The plugin's release commits the session; the host takes its row lock only after it, so
    the lock holds until the host's own commit and two releases at the same moment both succeed
    (PostgreSQL: SQLite has no row locks). Locking before the hook lost the lock at the plugin's
    commit: the second release read the same next number while the first was paused."""
    assistant = alice.create_assistant("Helpdesk")
    # No pipeline: its row lock would serialise the two releases by itself.
    experiment_id = _create(alice, "/experiments/new",
                            {"name": "Bot", "assistant_id": str(assistant["id"])})
    clients = [alice, HostClient(example_app, "alice")]  # two browsers, each signed in
    barrier = threading.Barrier(2)
    results = []

    def release(client):
        barrier.wait()
        response = client.post_form(f"/experiments/{experiment_id}/release", {"publish": "1"},
                                    follow_redirects=True)
        results.append((response.status_code, flashes(response.get_data(as_text=True))))

    with example_app.app_context():
        engine = db.engine
    with PauseFirstInsert(engine) as pause:
        threads = [threading.Thread(target=release, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert pause.paused is not None
    assert sorted(code for code, _ in results) == [200, 200], results
    versions = _experiment_versions(example_app, experiment_id)
    assert [v[1] for v in versions] == [1, 2]
    assert len({v[2] for v in versions}) == 1  # the second reused the first's versions
    assert [v[5] for v in versions] == [False, True]
