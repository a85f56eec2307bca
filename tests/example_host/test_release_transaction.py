"""The example host releases in one transaction (DESIGN 5.1): it locks the experiment, fires
``ocs_release`` (which only flushes), writes its own rows and commits. A failure after the hook
rolls back the plugin's versions with the host's rows, and the clones already made in OpenAI are
swept by the outbox."""
from __future__ import annotations

import io

import pytest

from example_host import lifecycle
from example_host.models import Experiment, Team, db
from host_testing import remote_assistant_ids, remote_vector_store_ids
from plugin_host import on_every_statement
from ocs_assistant_plugin.outbox import queue as operations


class HostInsertFails(Exception):
    """The host's own INSERT failed (a full disk, a constraint, a lost connection...)."""


def refusing_experiment_inserts(seen: list):
    """Makes the host's INSERT of an experiment version fail, as a database would refuse it
    (noting it in ``seen``)."""
    def refuse(statement, _context):
        if statement.startswith("INSERT INTO host_experiments"):
            seen.append(statement)
            raise HostInsertFails("disk full")
    return refuse


@pytest.fixture
def host_backend():
    """The ``assistants`` backend: each clone is an assistant and a vector store in OpenAI."""
    return "assistants"


@pytest.fixture
def experiment(example_app, alice):
    """A working experiment on an assistant with a file: ``(experiment_id, assistant)``."""
    assistant = alice.create_assistant("Helpdesk", builtin_tools=["file_search"])
    plugin_page = example_app.config["OCS_ASSISTANTS_URL_PREFIX"] + "/operations"
    uploaded = alice.client.post(f"{alice.prefix}/assistants/{assistant['id']}/files",
                                 data={"tool": "file_search", "csrf_token": alice.csrf(plugin_page),
                                       "file": (io.BytesIO(b"Returns: 30 days."), "returns.md")},
                                 content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.get_data(as_text=True)
    with example_app.app_context():
        team = db.session.execute(db.select(Team).filter_by(name="Team A")).scalar_one()
        row = Experiment(team_id=team.id, name="Support", assistant_id=assistant["id"])
        db.session.add(row)
        db.session.commit()
        return row.id, assistant


def test_a_release_that_fails_after_the_hook_leaves_no_version_and_no_clone(
        example_app, alice, experiment, openai_client):
    experiment_id, assistant = experiment
    before = remote_assistant_ids(openai_client), remote_vector_store_ids(openai_client)

    seen = []
    with example_app.app_context():
        with on_every_statement(example_app, refusing_experiment_inserts(seen)), \
                pytest.raises(Exception) as failure:
            lifecycle.release_experiment(db.session.get(Experiment, experiment_id), "v1")
        versions = db.session.execute(
            db.select(Experiment).filter_by(working_id=experiment_id)).scalars().all()

    assert seen, "the host's insert was reached, after the plugin's hook"
    assert "disk full" in str(failure.value)
    assert versions == []
    assert alice.api_get(f"/assistants/{assistant['id']}")["versions"] == []
    # the eager outbox swept when the host rolled back: the clone and its store are gone
    assert (remote_assistant_ids(openai_client), remote_vector_store_ids(openai_client)) == before
    sweeps = alice.api_get("/operations")["items"]
    assert [s["kind"] for s in sweeps] == [operations.SWEEP_RELEASE_CLONE]


def test_a_released_experiment_commits_its_rows_and_the_assistant_versions_together(
        example_app, alice, experiment, openai_client):
    experiment_id, assistant = experiment

    with example_app.app_context():
        version = lifecycle.release_experiment(db.session.get(Experiment, experiment_id), "v1")
        version_assistant = version.assistant_id

    released = alice.api_get(f"/assistants/{version_assistant}")
    assert alice.api_get(f"/assistants/{assistant['id']}")["versions"] == [version_assistant]
    assert released["openai_id"] in remote_assistant_ids(openai_client)
    assert released["vector_store_id"] in remote_vector_store_ids(openai_client)
    assert alice.api_get("/operations")["items"] == []  # nothing to sweep: the version holds it
