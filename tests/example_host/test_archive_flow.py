"""Archiving across the host and the plugin (DESIGN 1.3): released experiments reference assistant
versions, the host's providers report them, and the host's own archive flows fire
``ocs_reference_archived`` so the plugin archives versions nothing live uses any more."""
from __future__ import annotations

from example_host.models import Experiment, Pipeline, db
from host_testing import remote_assistant_ids, remote_vector_store_ids


def _create_experiment(alice, assistant_id: int) -> int:
    response = alice.post_form("/experiments/new",
                               {"name": "Bot", "assistant_id": str(assistant_id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def _versions(example_app, experiment_id):
    with example_app.app_context():
        return [(v.id, v.assistant_id) for v in db.session.execute(
            db.select(Experiment).filter_by(working_id=experiment_id)
            .order_by(Experiment.version_number)).scalars()]


def _sections(check: dict) -> dict:
    return {s["title"]: [(r["label"], r["status"], r["version_number"], r["assistant_id"])
                         for r in s["references"]] for s in check["sections"]}


def test_archive_check_sees_released_versions_and_host_archives_unblock_it(example_app, alice,
                                                                          openai_client):
    assistant = alice.create_assistant("Helpdesk")
    working_id = assistant["id"]
    experiment_id = _create_experiment(alice, working_id)
    alice.post_form(f"/experiments/{experiment_id}/release", {"publish": "1"})
    [(v1, version_id)] = _versions(example_app, experiment_id)
    assert version_id != working_id

    check = alice.api_get(f"/assistants/{working_id}/archive-check")

    assert check["can_archive"] is False and check["versions"] == [version_id]
    # The draft uses the working assistant, the published version its version 1.
    assert _sections(check) == {"Experiments": [
        ("Bot", "unreleased", None, working_id),
        ("Bot v1", "published", 1, version_id)]}
    assert alice.api_post(f"/assistants/{working_id}/archive").status_code == 409

    # The host archives the published version itself: the plugin hears of it and archives the
    # assistant version it used (nothing live uses it any more).
    alice.post_form(f"/experiments/{v1}/archive")
    assert alice.api_get(f"/assistants/{version_id}")["archived"] is True
    check = alice.api_get(f"/assistants/{working_id}/archive-check")
    assert _sections(check) == {"Experiments": [("Bot", "unreleased", None, working_id)]}

    # Archiving the experiment itself removes the last live reference.
    alice.post_form(f"/experiments/{experiment_id}/archive")
    check = alice.api_get(f"/assistants/{working_id}/archive-check")
    assert (check["can_archive"], check["sections"], check["auto_archive"]) == (True, [], [])
    response = alice.api_post(f"/assistants/{working_id}/archive")
    assert response.status_code == 200, response.get_json()
    assert working_id in response.get_json()["archived"]
    remote = remote_assistant_ids(openai_client)
    assert assistant["openai_id"] not in remote
    assert alice.api_get(f"/assistants/{version_id}")["openai_id"] not in remote


def test_a_version_still_used_by_a_published_release_stays(example_app, alice):
    """Two releases without changes share one assistant version: archiving the earlier (not
    published) one leaves the version to the published one."""
    assistant = alice.create_assistant("Helpdesk")
    experiment_id = _create_experiment(alice, assistant["id"])
    alice.post_form(f"/experiments/{experiment_id}/release", {"publish": "1"})
    alice.post_form(f"/experiments/{experiment_id}/release", {"publish": "1"})
    [(v1, used), (v2, same)] = _versions(example_app, experiment_id)
    assert used == same

    alice.post_form(f"/experiments/{v1}/archive")

    assert alice.api_get(f"/assistants/{used}")["archived"] is False
    check = alice.api_get(f"/assistants/{assistant['id']}/archive-check")
    assert _sections(check) == {"Experiments": [
        ("Bot", "unreleased", None, assistant["id"]),
        ("Bot v2", "published", 1, used)]}


def test_archive_check_sees_the_versions_a_released_pipeline_uses(example_app, alice):
    triage = alice.create_assistant("Triage")
    response = alice.post_form("/pipelines/new", {"name": "Flow", "node": [str(triage["id"])]})
    pipeline_id = int(response.headers["Location"].rsplit("/", 1)[1])
    response = alice.post_form("/experiments/new", {"name": "Bot", "pipeline_id": str(pipeline_id)})
    experiment_id = int(response.headers["Location"].rsplit("/", 1)[1])
    alice.post_form(f"/experiments/{experiment_id}/release", {"publish": "1"})
    [version] = alice.api_get(f"/assistants/{triage['id']}")["versions"]

    check = alice.api_get(f"/assistants/{triage['id']}/archive-check")

    assert check["can_archive"] is False
    assert _sections(check) == {
        # The working pipeline (used by the draft) and the version frozen with the release
        # (used by the published version).
        "Experiments Referencing Pipeline": [("Bot", "unreleased", None, triage["id"]),
                                             ("Bot v1", "published", 1, version)],
    }


def _experiment_rows(example_app, ids):
    with example_app.app_context():
        return [db.session.get(Experiment, i).archived for i in ids]


def test_archiving_one_release_never_archives_the_other_rollback_targets(example_app, alice,
                                                                         openai_client):
    """Reuse on: three releases without changes share one assistant version. Archiving the
    published one leaves the older releases (rollback targets) and the version alone; the
    version goes with the last release that used it."""
    assistant = alice.create_assistant("Helpdesk", builtin_tools=["file_search"])
    experiment_id = _create_experiment(alice, assistant["id"])
    for _ in range(3):
        alice.post_form(f"/experiments/{experiment_id}/release", {"publish": "1"})
    [(v1, used), (v2, _), (v3, _)] = _versions(example_app, experiment_id)
    assert {a for _, a in _versions(example_app, experiment_id)} == {used}
    store_id = alice.api_get(f"/assistants/{used}")["vector_store_id"]
    assert store_id

    alice.post_form(f"/experiments/{v3}/archive")

    assert _experiment_rows(example_app, [v1, v2, v3]) == [False, False, True]
    assert alice.api_get(f"/assistants/{used}")["archived"] is False
    assert store_id in remote_vector_store_ids(openai_client)

    alice.post_form(f"/experiments/{v1}/archive")
    assert alice.api_get(f"/assistants/{used}")["archived"] is False
    alice.post_form(f"/experiments/{v2}/archive")

    assert alice.api_get(f"/assistants/{used}")["archived"] is True
    assert store_id not in remote_vector_store_ids(openai_client)


def test_archiving_a_release_archives_and_reports_the_pipeline_version_frozen_with_it(
        example_app, alice, openai_client):
    triage = alice.create_assistant("Triage", builtin_tools=["file_search"])
    response = alice.post_form("/pipelines/new", {"name": "Flow", "node": [str(triage["id"])]})
    pipeline_id = int(response.headers["Location"].rsplit("/", 1)[1])
    response = alice.post_form("/experiments/new", {"name": "Bot", "pipeline_id": str(pipeline_id)})
    experiment_id = int(response.headers["Location"].rsplit("/", 1)[1])
    alice.post_form(f"/experiments/{experiment_id}/release", {"publish": "1"})
    [(v1, _)] = _versions(example_app, experiment_id)
    [version] = alice.api_get(f"/assistants/{triage['id']}")["versions"]
    store_id = alice.api_get(f"/assistants/{version}")["vector_store_id"]
    assert store_id

    alice.post_form(f"/experiments/{v1}/archive")

    with example_app.app_context():
        frozen = db.session.get(Experiment, v1).pipeline
        assert frozen.is_version and frozen.archived
        assert db.session.get(Pipeline, pipeline_id).archived is False  # the working copy stays
    # the assistant version the frozen pipeline used is archived and gone from OpenAI
    assert alice.api_get(f"/assistants/{version}")["archived"] is True
    assert store_id not in remote_vector_store_ids(openai_client)
