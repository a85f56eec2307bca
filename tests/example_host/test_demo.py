"""Demo data: what ``seed-demo`` says it creates exists, here and in the stand-in."""
from __future__ import annotations

from example_host.demo import TEAM_NAME, USERNAME, demo_password, seed_demo
from example_host.models import Experiment, Pipeline, Team, User, db
from host_testing import HostClient
from ocs_assistant_plugin.models import Assistant


def test_seed_demo_creates_team_user_assistants_experiment_and_pipeline(app, openai_client):
    result = seed_demo(app)
    assert result.created and result.password == demo_password()
    with app.app_context():
        team = db.session.execute(db.select(Team).filter_by(name=TEAM_NAME)).scalar_one()
        user = db.session.execute(db.select(User).filter_by(username=USERNAME)).scalar_one()
        assert user.team_id == team.id and user.check_password(result.password)
        assistants = db.session.execute(
            db.select(Assistant).filter_by(team_id=team.id).order_by(Assistant.id)).scalars().all()
        assert [a.name for a in assistants] == ["Support guide", "Sales analyst"]
        assert [sorted((f.tool, f.filename) for f in a.files) for a in assistants] == [
            [("file_search", "returns-policy.md"), ("file_search", "shipping-faq.md")],
            [("code_interpreter", "monthly-sales.csv")],
        ]
        [experiment] = db.session.execute(db.select(Experiment)).scalars().all()
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
    assert store_files == support_file_ids
    for file_id in file_ids:
        assert openai_client.files.retrieve(file_id).id == file_id

    # The demo user can sign in and sees the experiment using the assistant.
    demo = HostClient(app, USERNAME, password=result.password)
    page = demo.get(f"/experiments/{experiment.id}").get_data(as_text=True)
    assert "Customer support bot" in page and "Support guide" in page


def test_seed_demo_is_idempotent(app, openai_standin):
    assert seed_demo(app).created
    requests = openai_standin.count()
    assert not seed_demo(app).created
    assert openai_standin.count() == requests
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(Assistant)).scalar() == 2


def test_seed_demo_command(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert f"Sign in as {USERNAME} / {demo_password()}" in result.output
    again = app.test_cli_runner().invoke(args=["seed-demo"])
    assert "already present" in again.output


def test_seed_demo_without_openai_explains_what_to_set(app):
    app.config["OCS_ASSISTANTS_OPENAI_API_KEY"] = None
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "no OpenAI is configured" in result.output and "OPENAI_API_KEY" in result.output
    with app.app_context():
        assert db.session.execute(db.select(Team)).first() is None
