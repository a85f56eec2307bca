"""``flask assistants check``: every unarchived assistant and version, a summary, an exit code."""
from __future__ import annotations

import json

import pytest

from ocs_assistant_plugin.models import Assistant
from plugin_host import ApiClient
from sync_helpers import baseline, delete_remote, modify_remote


@pytest.fixture
def thirty(app, api, openai_client, openai_standin, release_version, db_session):
    """30 assistants in mixed states; returns ``{state: [ids]}``."""
    states: dict[str, list[int]] = {s: [] for s in (
        "in_sync", "out_of_sync", "remote_missing", "error", "not_pushed")}
    team1 = [api.create(**baseline(name=f"Bot {i}")) for i in range(18)]
    for a in team1[:4]:
        modify_remote(openai_client, a["openai_id"], instructions="Changed in OpenAI.")
        states["out_of_sync"].append(a["id"])
    for a in team1[4:7]:
        delete_remote(openai_client, a["openai_id"])
        states["remote_missing"].append(a["id"])
    for a in team1[7:9]:
        openai_standin.inject_fault(status=500, times=None,
                                    path_prefix=f"/v1/assistants/{a['openai_id']}")
        states["error"].append(a["id"])
    states["in_sync"] += [a["id"] for a in team1[9:]]
    states["in_sync"] += [release_version(a["id"]) for a in team1[9:11]]
    with db_session() as session:
        drafts = [Assistant(team_id=1, name=f"Draft {i}", model="gpt-4o") for i in range(2)]
        session.add_all(drafts)
        session.commit()
        states["not_pushed"] += [d.id for d in drafts]
    team2 = ApiClient(app, team=2)
    states["in_sync"] += [team2.create(**baseline(name=f"Team 2 bot {i}"))["id"]
                          for i in range(8)]
    archived = api.create(**baseline(name="Archived"))
    with db_session() as session:  # archived assistants are not checked
        session.get(Assistant, archived["id"]).archived = True
        session.commit()
    delete_remote(openai_client, archived["openai_id"])
    assert sum(len(ids) for ids in states.values()) == 30
    return states


def run(app, *args):
    return app.test_cli_runner().invoke(args=["assistants", "check", *args])


def test_check_summarises_thirty_assistants_and_exits_1(app, thirty):
    result = run(app)

    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[-1] == (
        "Checked 30 assistants: 2 not_pushed, 19 in_sync, 4 out_of_sync, 3 remote_missing, "
        "2 error.")
    listed = {int(line.split()[0]) for line in result.stdout.splitlines()[1:-1]}
    assert listed == set(thirty["out_of_sync"] + thirty["remote_missing"] + thirty["error"]
                         + thirty["not_pushed"])
    assert "Checking 30 assistants" in result.stderr


def test_check_json_gives_every_report(app, thirty):
    result = run(app, "--json", "--concurrency", "2")

    assert result.exit_code == 1, result.output
    body = json.loads(result.stdout)
    assert body["summary"] == {"not_pushed": 2, "in_sync": 19, "out_of_sync": 4,
                               "remote_missing": 3, "error": 2}
    by_state: dict[str, set[int]] = {}
    for report in body["reports"]:
        by_state.setdefault(report["state"], set()).add(report["assistant_id"])
    assert by_state == {state: set(ids) for state, ids in thirty.items()}
    assert sum(r["is_version"] for r in body["reports"]) == 2


def test_check_of_a_team_in_sync_exits_0(app, thirty):
    result = run(app, "--team", "2")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "Checked 8 assistants: 0 not_pushed, 8 in_sync, 0 out_of_sync, 0 remote_missing, "
        "0 error.")


def test_check_with_nothing_to_check(app):
    result = run(app)

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "No assistants to check."


@pytest.mark.parametrize("args, option", [
    (["--concurrency", "0"], "--concurrency"),
    (["--team", "0"], "--team"),
    (["--team", "x"], "--team"),
])
def test_check_with_bad_options_exits_2_naming_the_option(app, args, option):
    result = run(app, *args)

    assert result.exit_code == 2
    assert option in result.output
