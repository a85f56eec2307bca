"""Archiving in the example host: its real experiment and pipeline tables and providers, its own
archive flows firing ``ocs_reference_archived``, and the plugin's JSON API as a signed-in admin."""
from __future__ import annotations

import pytest

from archive_host import CONFIG
from example_host import lifecycle
from example_host_app import create_example_app, dispose_example_app
from example_host.models import Experiment, Pipeline, PipelineNode, Team, User, db
from plugin_host import fire, on_every_statement, remote_assistant_ids

EXPERIMENTS, PIPELINES, COMBINED = "Experiments", "Pipelines", "Experiments Referencing Pipeline"


@pytest.fixture
def example_app(database_url, openai_standin, tmp_path):
    example_app = create_example_app(database_url, openai_standin, tmp_path / "instance",
                                     OCS_ASSISTANTS_REUSE_UNCHANGED_VERSIONS=False, **CONFIG)
    yield example_app
    dispose_example_app(example_app)


class Admin:
    """The plugin's JSON API as a signed-in user of one team."""

    def __init__(self, example_app, team_name: str):
        self.app = example_app
        with example_app.app_context():
            team = Team(name=team_name)
            user = User(username=team_name.lower().replace(" ", "-"), team=team)
            user.set_password("secret password")
            db.session.add(user)
            db.session.commit()
            self.team_id, user_id = team.id, user.id
        self.client = example_app.test_client()
        with self.client.session_transaction() as session:
            session["user_id"] = user_id
        self.prefix = example_app.config["OCS_ASSISTANTS_URL_PREFIX"] + "/api"

    def get(self, path):
        return self.client.get(self.prefix + path)

    def post(self, path, **kwargs):
        return self.client.post(self.prefix + path, **kwargs)

    def patch(self, path, **kwargs):
        return self.client.patch(self.prefix + path, **kwargs)

    def release(self, assistant_id, label):
        return fire(self.app, "ocs_release", assistant_ids=[assistant_id],
                    team_id=self.team_id, release_label=label)[assistant_id]


@pytest.fixture
def admin(example_app):
    return Admin(example_app, "Team A")


def add(example_app, obj):
    with example_app.app_context():
        db.session.add(obj)
        db.session.commit()
        return obj.id


def experiment(example_app, team_id, name, *, assistant=None, pipeline=None, working=None, number=None,
               published=False, archived=False):
    return add(example_app, Experiment(team_id=team_id, name=name, assistant_id=assistant,
                               pipeline_id=pipeline, working_id=working, version_number=number,
                               published=published, archived=archived))


def pipeline(example_app, team_id, name, *assistants, working=None, number=None, archived=False):
    return add(example_app, Pipeline(team_id=team_id, name=name, working_id=working, version_number=number,
                             archived=archived,
                             nodes=[PipelineNode(position=i, assistant_id=a)
                                    for i, a in enumerate(assistants, start=1)]))


def summary(body):
    return {s["title"]: [(r["label"], r["status"], r["version_number"]) for r in s["references"]]
            for s in body["sections"]}


@pytest.fixture
def example_bot(admin):
    """A working assistant with two versions: ``(working_id, v1_id, v2_id)``."""
    created = admin.post("/assistants", json={"name": "Helper", "model": "gpt-4o-mini"})
    assert created.status_code == 201, created.get_json()
    working = created.get_json()["id"]
    v1 = admin.release(working, "r1")
    assert admin.patch(f"/assistants/{working}", json={"instructions": "Short."}).status_code == 200
    v2 = admin.release(working, "r2")
    return working, v1, v2


def test_the_rules_with_the_example_hosts_providers(example_app, admin, example_bot, openai_client):
    working, v1, v2 = example_bot
    team = admin.team_id
    # Helpdesk: working copy (no assistant), v1 released on assistant v1, v2 published on v2
    helpdesk = experiment(example_app, team, "Helpdesk")
    old = experiment(example_app, team, "Helpdesk", assistant=v1, working=helpdesk, number=1)
    experiment(example_app, team, "Helpdesk", assistant=v2, working=helpdesk, number=2, published=True)
    # Intake: a working pipeline on the working assistant that no experiment uses
    intake = pipeline(example_app, team, "Intake", working)
    # Triage: pipeline version 1 on assistant v1, used by Clinic's published version
    triage = pipeline(example_app, team, "Triage")
    triage_v1 = pipeline(example_app, team, "Triage", v1, working=triage, number=1)
    clinic = experiment(example_app, team, "Clinic")
    experiment(example_app, team, "Clinic", pipeline=triage_v1, working=clinic, number=1, published=True)
    # archived, and another team's: not listed
    experiment(example_app, team, "Retired", assistant=v1, archived=True)
    other = Admin(example_app, "Team B")
    experiment(example_app, other.team_id, "Theirs", assistant=working)

    response = admin.get(f"/assistants/{working}/archive-check")

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["can_archive"] is False and body["versions"] == [v1, v2]
    assert summary(body) == {
        EXPERIMENTS: [("Helpdesk v2", "published", 2)],
        PIPELINES: [("Intake", "unreleased", None)],
        COMBINED: [("Clinic v1", "published", 1)],
    }
    assert [(r["label"], r["status"]) for r in body["auto_archive"]] == [("Helpdesk v1", "released")]
    assert body["sections"][0]["references"][0]["url"].startswith("/experiments/")
    assert admin.post(f"/assistants/{working}/archive", json={}).status_code == 409

    # the host's own archive flows unblock it (and tell the plugin through the hook)
    with example_app.app_context():
        published = db.session.execute(db.select(Experiment).filter_by(
            working_id=helpdesk, version_number=2)).scalar_one()
        lifecycle.archive_experiment_version(published)
        lifecycle.archive_experiment(db.session.get(Experiment, clinic))
        lifecycle.archive_pipeline(db.session.get(Pipeline, intake))
    # version 2 was only used by the archived published version: archived by the hook
    assert admin.get(f"/assistants/{v2}").get_json()["archived"] is True
    # Triage v1 was released with Clinic v1: the host archived it with Clinic and reported it
    with example_app.app_context():
        assert db.session.get(Pipeline, triage_v1).archived is True

    response = admin.post(f"/assistants/{working}/archive", json={})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["archived"] == [working, v1]
    assert {(r["kind"], r["id"]) for r in response.get_json()["auto_archived"]} == {
        ("experiment", old)}
    with example_app.app_context():
        assert db.session.get(Experiment, old).archived is True
    remote = remote_assistant_ids(openai_client)
    for assistant_id in (working, v1, v2):
        assert admin.get(f"/assistants/{assistant_id}").get_json()["openai_id"] not in remote


def test_a_check_costs_the_same_for_1_and_50_versions(example_app, admin):
    ids = {}
    for name, count in (("few", 1), ("many", 50)):
        created = admin.post("/assistants", json={"name": name, "model": "gpt-4o-mini"})
        working = created.get_json()["id"]
        versions = [admin.release(working, f"r{i}") for i in range(count)]
        flow = pipeline(example_app, admin.team_id, f"Flow {name}", *versions[:3])
        example_bot = experiment(example_app, admin.team_id, f"Bot {name}", pipeline=flow)
        for number, version in enumerate(versions[:10], start=1):
            experiment(example_app, admin.team_id, f"Bot {name}", assistant=version, working=example_bot,
                       number=number)
        ids[name] = working
    admin.get(f"/assistants/{ids['few']}/archive-check")  # warm up

    counts = {}
    for name, working in ids.items():
        seen = []
        with on_every_statement(example_app, lambda statement, _context: seen.append(statement)):
            response = admin.get(f"/assistants/{working}/archive-check")
        assert response.status_code == 200
        counts[name] = len(seen)
    assert counts["few"] == counts["many"]
