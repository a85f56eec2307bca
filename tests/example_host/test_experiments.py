"""Experiments: create with an assistant picked from the plugin's, validation, release flows."""
from __future__ import annotations

import pytest

from example_host.models import Experiment, Pipeline, PipelineNode, db
from host_testing import remote_assistant


@pytest.fixture
def host_backend():
    """The ``assistants`` backend: the picked assistant is read back from OpenAI as an assistant object."""
    return "assistants"


def _experiments(example_app, **filters):
    with example_app.app_context():
        return [(e.id, e.name, e.assistant_id, e.pipeline_id, e.working_id, e.version_number,
                 e.published, e.archived)
                for e in db.session.execute(db.select(Experiment).filter_by(**filters)
                                            .order_by(Experiment.id)).scalars()]


def _create(alice, **fields):
    response = alice.post_form("/experiments/new", {"name": "Bot", **fields})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_form_offers_the_teams_working_assistants_only(example_app, alice, bob):
    mine = alice.create_assistant("Helpdesk")
    bobs = bob.create_assistant("Bob's secret")
    page = alice.get("/experiments/new").get_data(as_text=True)
    assert f'<option value="{mine["id"]}"' in page and "Helpdesk" in page
    assert "Bob&#39;s secret" not in page and f'value="{bobs["id"]}"' not in page


def test_create_experiment_picking_an_assistant(example_app, alice, openai_client):
    assistant = alice.create_assistant("Helpdesk")
    experiment_id = _create(alice, assistant_id=str(assistant["id"]),
                            welcome_message="Hello!")
    assert _experiments(example_app) == [(experiment_id, "Bot", assistant["id"], None, None, None,
                                  False, False)]
    page = alice.get(f"/experiments/{experiment_id}").get_data(as_text=True)
    assert "Helpdesk" in page and "Hello!" in page
    # The assistant the experiment uses exists in the stand-in, where the plugin pushed it.
    assert remote_assistant(openai_client, assistant["openai_id"])["name"] == "Helpdesk"


def test_bad_input_shows_errors_next_to_fields_and_keeps_input(example_app, alice, bob):
    bobs = bob.create_assistant("Bob's")
    cases = [
        ({"name": "", "welcome_message": "Kept text"}, ["Name is required.",
                                                        "Pick an assistant, a pipeline"]),
        ({"name": "x" * 101}, ["Name must be at most 100 characters"]),
        ({"name": "Sneaky", "assistant_id": str(bobs["id"])},
         ["Pick one of your team&#39;s assistants."]),
        ({"name": "Junk", "assistant_id": "abc", "pipeline_id": "999"},
         ["Pick one of your team&#39;s assistants.", "Pick one of your team&#39;s pipelines."]),
    ]
    for form, messages in cases:
        response = alice.post_form("/experiments/new", form)
        assert response.status_code == 400, form
        body = response.get_data(as_text=True)
        for message in messages:
            assert message in body, (form, message)
        assert 'class="field-error"' in body
        if form.get("welcome_message"):
            assert form["welcome_message"] in body
    assert _experiments(example_app) == []


def test_edit_switches_assistant_and_pipeline(example_app, alice):
    first = alice.create_assistant("First")
    second = alice.create_assistant("Second")
    experiment_id = _create(alice, assistant_id=str(first["id"]))
    alice.post_form("/pipelines/new", {"name": "Flow", "node": [str(first["id"])]})
    with example_app.app_context():
        pipeline_id = db.session.execute(db.select(Pipeline.id)).scalar_one()
    response = alice.post_form(f"/experiments/{experiment_id}/edit",
                               {"name": "Bot 2", "assistant_id": str(second["id"]),
                                "pipeline_id": str(pipeline_id)})
    assert response.status_code == 302
    assert _experiments(example_app)[0][1:4] == ("Bot 2", second["id"], pipeline_id)


def test_release_publish_and_archive_versions(example_app, alice):
    assistant = alice.create_assistant("Helpdesk")
    experiment_id = _create(alice, assistant_id=str(assistant["id"]))

    assert alice.post_form(f"/experiments/{experiment_id}/release",
                           {"release_label": "first", "publish": "1"}).status_code == 302
    assert alice.post_form(f"/experiments/{experiment_id}/release",
                           {"release_label": "second"}).status_code == 302
    versions = _experiments(example_app, working_id=experiment_id)
    # Both versions use the assistant's version 1 (unchanged in between: reused), not the
    # working assistant.
    [used] = {v[2] for v in versions}
    assert used != assistant["id"]
    assert [(v[5], v[6]) for v in versions] == [(1, True), (2, False)]
    version = alice.api_get(f"/assistants/{used}")
    assert (version["is_version"], version["working_id"], version["version_number"],
            version["name"]) == (True, assistant["id"], 1, "Helpdesk v1")
    v1, v2 = versions[0][0], versions[1][0]

    assert alice.post_form(f"/experiments/{v2}/publish").status_code == 302
    assert [v[6] for v in _experiments(example_app, working_id=experiment_id)] == [False, True]

    # Versions are read-only.
    response = alice.get(f"/experiments/{v2}/edit")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/experiments/{experiment_id}"

    assert alice.post_form(f"/experiments/{v1}/archive").status_code == 302
    assert [(v[6], v[7]) for v in _experiments(example_app, working_id=experiment_id)] == [
        (False, True), (True, False)]
    # The published v2 still uses the assistant version: the plugin keeps it.
    assert alice.api_get(f"/assistants/{used}")["archived"] is False
    # An archived version cannot be published again.
    alice.post_form(f"/experiments/{v1}/publish")
    assert [v[6] for v in _experiments(example_app, working_id=experiment_id)] == [False, True]

    assert alice.post_form(f"/experiments/{experiment_id}/archive").status_code == 302
    assert all(row[7] for row in _experiments(example_app))
    # Nothing live uses the assistant version any more: the plugin archived it.
    assert alice.api_get(f"/assistants/{used}")["archived"] is True
    assert alice.api_get(f"/assistants/{assistant['id']}")["archived"] is False
    page = alice.get(f"/experiments/{experiment_id}").get_data(as_text=True)
    assert "Archive experiment" not in page and "Edit" not in page.split("<main")[1].split(
        "Configuration")[0]
    # An archived experiment is not released again.
    alice.post_form(f"/experiments/{experiment_id}/release", {"publish": "1"})
    assert len(_experiments(example_app, working_id=experiment_id)) == 2


def test_release_freezes_the_pipeline_too(example_app, alice):
    a = alice.create_assistant("A")
    b = alice.create_assistant("B")
    alice.post_form("/pipelines/new", {"name": "Flow", "node": [str(a["id"]), str(b["id"])]})
    with example_app.app_context():
        pipeline_id = db.session.execute(db.select(Pipeline.id)).scalar_one()
    experiment_id = _create(alice, pipeline_id=str(pipeline_id))
    alice.post_form(f"/experiments/{experiment_id}/release", {"publish": "1"})
    with example_app.app_context():
        version = db.session.execute(
            db.select(Experiment).filter_by(working_id=experiment_id)).scalar_one()
        frozen = version.pipeline
        assert (frozen.working_id, frozen.version_number) == (pipeline_id, 1)
        frozen_ids = frozen.assistant_ids
    # The frozen steps use version 1 of each assistant, in the same order.
    assert [(alice.api_get(f"/assistants/{i}")["working_id"],
             alice.api_get(f"/assistants/{i}")["version_number"]) for i in frozen_ids] == [
        (a["id"], 1), (b["id"], 1)]
    # Editing the working pipeline leaves the released one untouched.
    alice.post_form(f"/pipelines/{pipeline_id}/edit", {"name": "Flow", "node": [str(b["id"])]})
    with example_app.app_context():
        nodes = db.session.execute(db.select(PipelineNode.pipeline_id, PipelineNode.assistant_id)
                                   .order_by(PipelineNode.id)).all()
        assert [n.assistant_id for n in nodes if n.pipeline_id != pipeline_id] == frozen_ids
        assert [n.assistant_id for n in nodes if n.pipeline_id == pipeline_id] == [b["id"]]


def test_release_label_too_long_is_refused(example_app, alice):
    assistant = alice.create_assistant("Helpdesk")
    experiment_id = _create(alice, assistant_id=str(assistant["id"]))
    response = alice.post_form(f"/experiments/{experiment_id}/release",
                               {"release_label": "y" * 101})
    assert response.status_code == 400
    assert "Release notes must be at most 100 characters" in response.get_data(as_text=True)
    assert _experiments(example_app, working_id=experiment_id) == []


def test_another_teams_experiment_is_not_found(example_app, alice, bob):
    assistant = alice.create_assistant("Helpdesk")
    experiment_id = _create(alice, assistant_id=str(assistant["id"]))
    for path in (f"/experiments/{experiment_id}", f"/experiments/{experiment_id}/edit"):
        assert bob.get(path).status_code == 404
    assert bob.post_form(f"/experiments/{experiment_id}/archive").status_code == 404
    assert not _experiments(example_app)[0][7]
