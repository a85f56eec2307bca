"""`flask assistants ...` through app.test_cli_runner()."""
from __future__ import annotations

import json

import pytest

from plugin_host import ApiClient, snapshot

BETA = {"headers": {"OpenAI-Beta": "assistants=v2"}}


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_list_shows_every_team_by_default(app, api, runner):
    api.create(name="Alpha")
    ApiClient(app, team=2).create(name="Beta")

    result = runner.invoke(args=["assistants", "list"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:4] == ["ID", "TEAM", "NAME", "MODEL"]
    assert "Alpha" in lines[1] and "Beta" in lines[2]


def test_list_json_for_one_team(app, api, runner):
    alpha = api.create(name="Alpha")
    ApiClient(app, team=2).create(name="Beta")

    result = runner.invoke(args=["assistants", "list", "--team", "1", "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [api.get(f"/assistants/{alpha['id']}").get_json()]


def test_list_with_nothing_says_so(runner):
    result = runner.invoke(args=["assistants", "list"])

    assert result.exit_code == 0 and result.output.strip() == "No assistants."


def test_import_copies_an_openai_assistant_into_a_team(api, runner, openai_client):
    made = openai_client.post("/assistants", cast_to=object, options=BETA,
                              body={"model": "gpt-4o", "name": "From the shell"})

    result = runner.invoke(args=["assistants", "import", made["id"], "--team", "1"])

    assert result.exit_code == 0, result.output
    assert f"Imported {made['id']}" in result.output
    assert [(a["name"], a["openai_id"]) for a in api.assistants()] == [("From the shell", made["id"])]


def test_importing_twice_exits_1_with_the_message(api, runner, openai_client):
    made = openai_client.post("/assistants", cast_to=object, options=BETA,
                              body={"model": "gpt-4o", "name": "Twice"})
    runner.invoke(args=["assistants", "import", made["id"], "--team", "1"])

    result = runner.invoke(args=["assistants", "import", made["id"], "--team", "1"])

    assert result.exit_code == 1
    assert "already managed here by assistant" in result.output and "Traceback" not in result.output
    assert len(api.assistants()) == 1


@pytest.mark.parametrize("args, option", [
    (["assistants", "import", "asst_1"], "--team"),
    (["assistants", "import", "asst_1", "--team", "zero"], "--team"),
    (["assistants", "import", "asst_1", "--team", "0"], "--team"),
    (["assistants", "list", "--team", "x"], "--team"),
    (["assistants", "import", "--team", "1"], "OPENAI_ID"),
])
def test_bad_options_exit_2_naming_the_option(api, runner, openai_client, args, option):
    before = snapshot(api, openai_client)

    result = runner.invoke(args=args)

    assert result.exit_code == 2
    assert option in result.output and "Traceback" not in result.output
    assert snapshot(api, openai_client) == before


def test_openai_failure_exits_1_with_a_clear_message(api, runner, openai_standin):
    openai_standin.inject_fault(status=500, times=None)

    result = runner.invoke(args=["assistants", "import", "asst_1", "--team", "1"])

    openai_standin.clear_faults()
    assert result.exit_code == 1
    assert "OpenAI answered 500" in result.output and "Traceback" not in result.output
    assert api.assistants() == []
