"""``flask scheduled-messages ...``: create, list, pause/resume/archive, reassign; bad input
names the field and changes nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from ocs_scheduled_messages import ScheduledMessage


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def assistant(api):
    return api.create_assistant("Reminder bot")


def invoke(runner, *args):
    return runner.invoke(args=["scheduled-messages", *map(str, args)])


def create(runner, assistant, *extra, team=1, schedule="0 9 * * MON"):
    return invoke(runner, "create", "--team", team, "--assistant", assistant,
                  "--name", "Weekly check-in", "--schedule", schedule, *extra)


def rows(app) -> list[tuple]:
    db = app.extensions["sqlalchemy"]
    with app.app_context():
        return [(r.id, r.team_id, r.assistant_id, r.status, r.schedule)
                for r in db.session.execute(select(ScheduledMessage)).scalars()]


def test_create_list_and_change_status(app, runner, assistant):
    result = create(runner, assistant, "--message", "How are you doing?")
    assert result.exit_code == 0, result.output
    assert result.output == "Created scheduled message 1 (active).\n"
    assert create(runner, assistant, "--paused", schedule="@daily").output == (
        "Created scheduled message 2 (paused).\n")

    listing = invoke(runner, "list", "--team", 1).output.splitlines()
    assert listing[0].split() == ["ID", "TEAM", "NAME", "ASSISTANT", "SCHEDULE", "STATUS"]
    assert listing[1].split() == ["1", "1", "Weekly", "check-in", str(assistant), "0", "9", "*",
                                  "*", "MON", "active"]
    assert listing[2].split()[-2:] == ["@daily", "paused"]

    assert invoke(runner, "pause", 1, "--team", 1).output == "Scheduled message 1 is paused.\n"
    assert invoke(runner, "resume", 2, "--team", 1).output == "Scheduled message 2 is active.\n"
    assert [row[3] for row in rows(app)] == ["paused", "active"]
    assert invoke(runner, "archive", 2, "--team", 1).output == "Scheduled message 2 is archived.\n"
    assert [row[3] for row in rows(app)] == ["paused", "archived"]


def test_reassign_points_at_another_assistant(app, api, runner, assistant):
    other = api.create_assistant("Other bot")
    create(runner, assistant)
    result = invoke(runner, "reassign", 1, other, "--team", 1)
    assert result.exit_code == 0, result.output
    assert result.output == f"Scheduled message 1 now uses assistant {other}.\n"
    assert rows(app)[0][2] == other


@pytest.mark.parametrize("schedule", ["every monday", "0 9 * *", "0 9 * * MON extra", "@never",
                                      "0 9 * * M?N"])
def test_bad_schedule_names_the_field_and_creates_nothing(app, runner, assistant, schedule):
    result = create(runner, assistant, schedule=schedule)
    assert result.exit_code == 1
    assert "schedule: must be a five-field cron expression" in result.output
    assert rows(app) == []


def test_unknown_or_foreign_assistant_names_the_field(app, api, runner, assistant):
    theirs = api.create_assistant("Their bot", team=2)
    for bad in (9999, theirs):
        result = create(runner, bad)
        assert result.exit_code == 1
        assert f"assistant_id: no assistant {bad} in team 1" in result.output
    assert rows(app) == []


def test_blank_or_long_name_is_refused(app, runner, assistant):
    for name, message in (("  ", "name: is required"),
                          ("x" * 101, "name: must be at most 100 characters")):
        result = invoke(runner, "create", "--team", 1, "--assistant", assistant, "--name", name,
                        "--schedule", "@daily")
        assert result.exit_code == 1
        assert message in result.output
    assert rows(app) == []


def test_archived_is_final(app, runner, assistant):
    create(runner, assistant)
    assert invoke(runner, "archive", 1, "--team", 1).exit_code == 0
    for args in (("resume", 1), ("pause", 1), ("archive", 1), ("reassign", 1, assistant)):
        result = invoke(runner, *args, "--team", 1)
        assert result.exit_code == 1
        assert "Scheduled message 1 is archived: it cannot change any more." in result.output
    assert rows(app) == [(1, 1, assistant, "archived", "0 9 * * MON")]


def test_another_teams_message_is_not_found(app, runner, assistant):
    create(runner, assistant)
    for command in ("pause", "archive"):
        result = invoke(runner, command, 1, "--team", 2)
        assert result.exit_code == 1
        assert "Scheduled message 1 not found." in result.output
    assert rows(app)[0][3] == "active"


def test_missing_team_is_a_usage_error(app, runner, assistant):
    create(runner, assistant)
    result = invoke(runner, "pause", 1)
    assert result.exit_code == 2
    assert "Missing option '--team'" in result.output
    assert rows(app)[0][3] == "active"


def test_commands_without_setup_are_absent(make_app):
    app = make_app(scheduled_messages=False)
    result = app.test_cli_runner().invoke(args=["scheduled-messages", "list"])
    assert result.exit_code == 2
    assert "No such command 'scheduled-messages'" in result.output

