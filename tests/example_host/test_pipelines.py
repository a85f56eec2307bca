"""Pipelines: steps picked from the team's assistants, release, archive."""
from __future__ import annotations

from example_host.models import Experiment, Pipeline, db


def _pipelines(example_app, **filters):
    with example_app.app_context():
        return [(p.id, p.name, p.assistant_ids, p.working_id, p.version_number, p.archived)
                for p in db.session.execute(db.select(Pipeline).filter_by(**filters)
                                            .order_by(Pipeline.id)).scalars()]


def test_create_pipeline_with_ordered_steps(example_app, alice):
    a = alice.create_assistant("Triage")
    b = alice.create_assistant("Answer")
    response = alice.post_form("/pipelines/new", {"name": "Flow",
                                                  "node": [str(b["id"]), "", str(a["id"])]})
    assert response.status_code == 302
    [(pipeline_id, name, nodes, *_)] = _pipelines(example_app)
    assert (name, nodes) == ("Flow", [b["id"], a["id"]])
    page = alice.get(f"/pipelines/{pipeline_id}").get_data(as_text=True)
    assert page.index("Answer") < page.index("Triage")
    # The edit form shows the steps, plus one empty step to add another.
    form = alice.get(f"/pipelines/{pipeline_id}/edit").get_data(as_text=True)
    assert form.count('name="node"') == 3


def test_bad_pipeline_input_changes_nothing(example_app, alice, bob):
    bobs = bob.create_assistant("Bob's")
    cases = [
        ({"name": "Empty", "node": [""]}, "Add at least one step"),
        ({"name": "", "node": [""]}, "Name is required."),
        ({"name": "Foreign", "node": [str(bobs["id"])]}, "Step 1: pick one of your team"),
        ({"name": "Junk", "node": ["not-a-number"]}, "Step 1: pick one of your team"),
    ]
    for form, message in cases:
        response = alice.post_form("/pipelines/new", form)
        assert response.status_code == 400
        body = response.get_data(as_text=True)
        assert message in body
        if form["name"]:
            assert f'value="{form["name"]}"' in body
    assert _pipelines(example_app) == []


def test_release_and_archive_pipeline(example_app, alice):
    a = alice.create_assistant("Triage")
    alice.post_form("/pipelines/new", {"name": "Flow", "node": [str(a["id"])]})
    [(pipeline_id, *_)] = _pipelines(example_app)
    assert alice.post_form(f"/pipelines/{pipeline_id}/release",
                           {"release_label": "first"}).status_code == 302
    [version] = _pipelines(example_app, working_id=pipeline_id)
    [step] = version[2]
    assert version[3:5] == (pipeline_id, 1)
    # The released step uses the assistant's version 1, not the working assistant.
    released = alice.api_get(f"/assistants/{step}")
    assert (released["is_version"], released["working_id"], released["name"]) == (
        True, a["id"], "Triage v1")
    # A released version is read-only.
    assert alice.get(f"/pipelines/{version[0]}/edit").headers["Location"] == \
        f"/pipelines/{pipeline_id}"

    alice.post_form(f"/pipelines/{pipeline_id}/archive")
    assert [row[5] for row in _pipelines(example_app)] == [True, True]
    # Nothing live uses that assistant version any more: the plugin archived it.
    assert alice.api_get(f"/assistants/{step}")["archived"] is True
    assert alice.api_get(f"/assistants/{a['id']}")["archived"] is False


def test_archive_refused_while_a_live_experiment_uses_the_pipeline(example_app, alice):
    a = alice.create_assistant("Triage")
    alice.post_form("/pipelines/new", {"name": "Flow", "node": [str(a["id"])]})
    [(pipeline_id, *_)] = _pipelines(example_app)
    alice.post_form("/experiments/new", {"name": "Bot", "pipeline_id": str(pipeline_id)})
    response = alice.post_form(f"/pipelines/{pipeline_id}/archive", follow_redirects=True)
    assert "Experiments still use this pipeline (Bot)" in response.get_data(as_text=True)
    assert [row[5] for row in _pipelines(example_app)] == [False]

    with example_app.app_context():
        experiment_id = db.session.execute(db.select(Experiment.id)).scalar_one()
    alice.post_form(f"/experiments/{experiment_id}/archive")
    alice.post_form(f"/pipelines/{pipeline_id}/archive")
    assert [row[5] for row in _pipelines(example_app)] == [True]
