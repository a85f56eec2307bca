"""Vetting (DESIGN 1.3): every provider's references sorted by the rules table, through the API."""
from __future__ import annotations

import pytest

from ocs_assistant_plugin import hookimpl

EXPERIMENTS, PIPELINES, COMBINED = "Experiments", "Pipelines", "Experiments Referencing Pipeline"


def check(api, assistant_id, team=1):
    response = api.get(f"/assistants/{assistant_id}/archive-check", team=team)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def sections(body) -> dict[str, list[tuple]]:
    """``{title: [(label, status, version_number), ...]}`` in the order given."""
    return {s["title"]: [(r["label"], r["status"], r["version_number"]) for r in s["references"]]
            for s in body["sections"]}


@pytest.fixture
def target(bot_with_versions):
    """``target(which)``: the assistant id of the working copy or of version 1 / 2."""
    return lambda which: bot_with_versions[which]


def test_an_unreferenced_assistant_can_be_archived(api, host, bot_with_versions):
    body = check(api, bot_with_versions["working"])
    assert body == {"assistant_id": bot_with_versions["working"], "can_archive": True,
                    "versions": [bot_with_versions["v1"], bot_with_versions["v2"]],
                    "sections": [], "auto_archive": []}


def test_one_find_references_call_per_provider_for_the_working_copy_and_every_version(
        api, host, bot_with_versions):
    check(api, bot_with_versions["working"])
    ids = sorted(bot_with_versions.values())
    for provider in host.providers:
        assert provider.calls == [(ids, 1)]


@pytest.mark.parametrize("which, number", [("working", None), ("v1", 1), ("v2", 2)])
def test_a_published_experiment_blocks_under_experiments(which, number, api, host, target):
    host.experiment("Helpdesk v3", "published", assistant=target(which))
    body = check(api, target("working"))
    assert body["can_archive"] is False
    assert sections(body) == {EXPERIMENTS: [("Helpdesk v3", "published", number)]}
    (entry,) = body["sections"][0]["references"]
    assert entry["url"] == "/experiments/1" and entry["kind"] == "experiment"
    assert entry["assistant_id"] == target(which)
    assert entry["action"] == "Open this published experiment version and archive it."
    assert body["auto_archive"] == []


@pytest.mark.parametrize("which, number", [("working", None), ("v2", 2)])
def test_an_unreleased_experiment_blocks_under_experiments(which, number, api, host, target):
    host.experiment("Draft bot", "unreleased", assistant=target(which))
    body = check(api, target("working"))
    assert sections(body) == {EXPERIMENTS: [("Draft bot", "unreleased", number)]}
    assert body["sections"][0]["references"][0]["action"] == (
        "Open this experiment and remove its reference to the assistant, or archive the "
        "experiment.")


@pytest.mark.parametrize("which, number", [("working", None), ("v1", 1)])
def test_a_pipeline_used_by_live_experiments_blocks_under_experiments_referencing_pipeline(
        which, number, api, host, target):
    flow = host.pipeline("Triage flow v2", "released", target(which))
    host.experiment("Clinic bot v4", "published", pipeline=flow)
    host.experiment("Clinic bot", "unreleased", pipeline=flow)
    host.experiment("Clinic bot v1", "released", pipeline=flow)  # not live: not listed
    body = check(api, target("working"))
    assert sections(body) == {COMBINED: [("Clinic bot v4", "published", number),
                                         ("Clinic bot", "unreleased", number)]}
    published, unreleased = body["sections"][0]["references"]
    assert published["url"] == "/experiments/2" and published["kind"] == "experiment"
    assert published["via"] == {"kind": "pipeline", "id": flow.id, "label": "Triage flow v2",
                                "url": "/pipelines/1", "status": "released"}
    assert published["action"] == ("Open this published experiment version and archive it (it "
                                   "uses the pipeline “Triage flow v2”).")
    assert unreleased["action"] == ("Open this experiment and stop it using the pipeline "
                                    "“Triage flow v2”, or archive the experiment.")
    assert body["auto_archive"] == []


@pytest.mark.parametrize("which, number", [("working", None), ("v2", 2)])
def test_a_live_pipeline_without_live_users_blocks_under_pipelines(which, number, api, host,
                                                                   target):
    flow = host.pipeline("Intake flow", "unreleased", target(which))
    host.experiment("Old bot v1", "released", pipeline=flow)
    host.experiment("Gone bot", "archived", pipeline=flow)
    body = check(api, target("working"))
    assert sections(body) == {PIPELINES: [("Intake flow", "unreleased", number)]}
    entry = body["sections"][0]["references"][0]
    assert [u["label"] for u in entry["users"]] == ["Old bot v1", "Gone bot"]
    assert entry["action"] == ("Open this pipeline and remove its reference to the assistant, "
                               "or archive the pipeline.")


def test_released_only_references_are_listed_for_automatic_archiving(api, host, target):
    old = host.experiment("Helpdesk v1", "released", assistant=target("v1"))
    flow = host.pipeline("Triage flow v1", "released", target("v2"))
    host.experiment("Clinic bot v1", "released", pipeline=flow)
    body = check(api, target("working"))
    assert body["can_archive"] is True and body["sections"] == []
    assert [(r["kind"], r["id"], r["status"], r["assistant_id"]) for r in body["auto_archive"]] == [
        ("experiment", old.id, "released", target("v1")),
        ("pipeline", flow.id, "released", target("v2"))]
    assert [u["label"] for u in body["auto_archive"][1]["users"]] == ["Clinic bot v1"]


def test_archived_references_are_ignored(api, host, target):
    host.experiment("Retired bot", "archived", assistant=target("working"))
    flow = host.pipeline("Retired flow", "archived", target("v1"))
    host.experiment("Still live", "published", pipeline=flow)  # through an archived pipeline
    assert check(api, target("working"))["sections"] == []
    assert check(api, target("working"))["can_archive"] is True


def test_every_section_at_once_in_provider_order(api, host, target):
    host.evaluation("Nightly eval", "unreleased", target("v2"))
    flow = host.pipeline("Triage flow v2", "released", target("v1"))
    host.experiment("Clinic bot v4", "published", pipeline=flow)
    host.pipeline("Intake flow", "unreleased", target("working"))
    host.experiment("Helpdesk v3", "published", assistant=target("v2"))
    host.experiment("Helpdesk v1", "released", assistant=target("v1"))
    body = check(api, target("working"))
    assert [s["title"] for s in body["sections"]] == [
        EXPERIMENTS, PIPELINES, "Evaluation Runs", COMBINED]
    assert sections(body) == {
        EXPERIMENTS: [("Helpdesk v3", "published", 2)],
        PIPELINES: [("Intake flow", "unreleased", None)],
        "Evaluation Runs": [("Nightly eval", "unreleased", 2)],
        COMBINED: [("Clinic bot v4", "published", 1)],
    }
    assert [r["label"] for r in body["auto_archive"]] == ["Helpdesk v1"]
    evaluation = body["sections"][2]["references"][0]
    assert evaluation["action"] == ("Open this evaluation run and remove its reference to the "
                                    "assistant, or archive the evaluation run.")


def test_another_teams_references_are_invisible(api, host, target):
    host.experiment("Team 2 bot", "published", assistant=target("working"), team_id=2)
    host.pipeline("Team 2 flow", "unreleased", target("v1"), team_id=2)
    body = check(api, target("working"))
    assert body["can_archive"] is True and body["sections"] == []
    assert all(calls == [(sorted([target("working"), target("v1"), target("v2")]), 1)]
               for calls in (p.calls for p in host.providers))


def test_another_teams_assistant_is_not_found(api, host, target):
    response = api.get(f"/assistants/{target('working')}/archive-check", team=2)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert all(p.calls == [] for p in host.providers)


def test_a_version_is_checked_through_its_working_assistant(api, host, target):
    response = api.get(f"/assistants/{target('v1')}/archive-check")
    assert response.status_code == 409
    assert f"archive the working assistant {target('working')}" in response.get_json()["error"]["message"]


class NoArchiving:
    @hookimpl
    def ocs_authorize(self, action, team_id, assistant):
        return action != "archive"


def test_checking_and_archiving_need_the_archive_permission(api, plugin, host, target):
    plugin.register(NoArchiving(), name="no_archiving")
    host.experiment("Helpdesk v1", "released", assistant=target("v1"))
    for method in ("get", "post"):
        path = f"/assistants/{target('working')}/archive" + ("-check" if method == "get" else "")
        response = getattr(api, method)(path)
        assert response.status_code == 403, response.get_json()
        assert response.get_json()["error"]["code"] == "forbidden"
    assert all(p.calls == [] and p.archived == [] for p in host.providers)
    assert api.get(f"/assistants/{target('working')}").get_json()["archived"] is False
