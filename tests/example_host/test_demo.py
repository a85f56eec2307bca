"""Demo data: what ``seed-demo`` says it creates exists, here and in the stand-in."""
from __future__ import annotations

from example_host.demo import (DRIFT_FILE, PIPELINE, RELEASE_LABEL, TEAM_NAME, TRY_HINT, USERNAME,
                               demo_password, seed_demo)
from example_host.models import Experiment, Pipeline, Team, User, db
from host_testing import HostClient
from ocs_assistant_plugin.models import Assistant


def test_seed_demo_creates_team_user_assistants_experiment_and_pipeline(example_app, openai_client):
    result = seed_demo(example_app)
    assert result.created and result.password == demo_password()
    with example_app.app_context():
        team = db.session.execute(db.select(Team).filter_by(name=TEAM_NAME)).scalar_one()
        user = db.session.execute(db.select(User).filter_by(username=USERNAME)).scalar_one()
        assert user.team_id == team.id and user.check_password(result.password)
        assistants = db.session.execute(
            db.select(Assistant).filter_by(team_id=team.id, is_version=False, archived=False)
            .order_by(Assistant.id)).scalars().all()
        assert [a.name for a in assistants] == ["Support guide", "Sales analyst"]
        assert [sorted((f.tool, f.filename) for f in a.files) for a in assistants] == [
            [("file_search", "returns-policy.md"), ("file_search", "shipping-faq.md")],
            [("code_interpreter", "monthly-sales.csv")],
        ]
        experiment = db.session.execute(
            db.select(Experiment).filter_by(working_id=None)).scalar_one()
        [pipeline] = db.session.execute(db.select(Pipeline)).scalars().all()
        assert experiment.assistant_id == assistants[0].id
        assert pipeline.assistant_ids == [assistants[1].id]
        # The plugin's default backend: the configuration stays here, store and files remote.
        assert {a.backend for a in assistants} == {"responses"}
        store_id = assistants[0].vector_store_id
        support_file_ids = {f.openai_id for f in assistants[0].files}
        file_ids = {f.openai_id for a in assistants for f in a.files}

    # Everything exists in the stand-in, read back through the real SDK.
    store_files = {f.id for f in openai_client.vector_stores.files.list(store_id)}
    assert support_file_ids < store_files  # and the drift file (see below)
    for file_id in file_ids:
        assert openai_client.files.retrieve(file_id).id == file_id

    # The demo user can sign in and sees the experiment using the assistant.
    demo = HostClient(example_app, USERNAME, password=result.password)
    page = demo.get(f"/experiments/{experiment.id}").get_data(as_text=True)
    assert "Customer support bot" in page and "Support guide" in page


def test_the_demo_shows_every_capability_on_first_look(example_app):
    result = seed_demo(example_app)
    demo = HostClient(example_app, USERNAME, password=result.password)
    support_id, analyst_id, archived_id = result.assistant_ids

    # An assistant that drifted in OpenAI: its sync report shows the file added there.
    report = demo.api_get(f"/assistants/{support_id}/sync")
    assert report["state"] == "out_of_sync"
    assert [(f["filename"], f["tool"]) for f in report["files_missing_locally"]] == [
        (DRIFT_FILE[0], "file_search")]

    # The experiment released with its version, which uses the assistant's version 1.
    with example_app.app_context():
        version = db.session.execute(
            db.select(Experiment).where(Experiment.working_id.is_not(None))).scalar_one()
        released = (version.version_number, version.release_label, version.published,
                    version.assistant_id)
    assert released[:3] == (1, RELEASE_LABEL, True)
    assistant_version = demo.api_get(f"/assistants/{released[3]}")
    assert (assistant_version["working_id"], assistant_version["version_number"]) == (
        support_id, 1)

    # A pipeline uses the analyst: the archive check names it as what blocks.
    check = demo.api_get(f"/assistants/{analyst_id}/archive-check")
    assert not check["can_archive"]
    assert any(ref["label"] == PIPELINE["name"]
               for section in check["sections"] for ref in section["references"])

    # An archived assistant.
    assert demo.api_get(f"/assistants/{archived_id}")["archived"] is True

    # A try that cites a file.
    tried = demo.api_post(f"/assistants/{support_id}/try", {"input": TRY_HINT})
    assert tried.status_code == 200, tried.get_json()
    assert [c["filename"] for c in tried.get_json()["citations"]] == ["returns-policy.md"]


def test_seed_demo_is_idempotent(example_app, openai_standin):
    assert seed_demo(example_app).created
    requests = openai_standin.count()
    assert not seed_demo(example_app).created
    assert openai_standin.count() == requests
    with example_app.app_context():
        # Support guide, its version 1, Sales analyst and the archived Old FAQ bot.
        assert db.session.execute(db.select(db.func.count()).select_from(Assistant)).scalar() == 4


def test_seed_demo_command(example_app):
    result = example_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert f"Sign in as {USERNAME} / {demo_password()}" in result.output
    again = example_app.test_cli_runner().invoke(args=["seed-demo"])
    assert "already present" in again.output


def test_seed_demo_without_openai_explains_what_to_set(example_app):
    example_app.config["OCS_ASSISTANTS_OPENAI_API_KEY"] = None
    result = example_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "no OpenAI is configured" in result.output and "OPENAI_API_KEY" in result.output
    with example_app.app_context():
        assert db.session.execute(db.select(Team)).first() is None
