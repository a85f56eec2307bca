"""``flask scheduled-messages ...``: create, list and change scheduled messages from a shell.

Every command that changes a message acts for an explicit ``--team``. A malformed option exits
with code 2 (click's usage error); an invalid value (an unknown assistant, a bad schedule) exits
with code 1 and a message naming the field. Either way nothing is changed.
"""
from __future__ import annotations

from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import AppGroup

from ocs_assistant_plugin.errors import PluginError

from . import schedules
from .extension import get_setup

scheduled_messages_cli = AppGroup(
    "scheduled-messages", help="Messages a bot sends on a schedule (ocs-scheduled-messages).")

TEAM = click.IntRange(min=1)


@contextmanager
def _commit_or_explain():
    """Commit what the command did, or roll back and print the error with its fields."""
    session = get_setup(current_app).db.session
    try:
        yield
        session.commit()
    except PluginError as exc:
        session.rollback()
        details = "".join(f"\n  {field}: {'; '.join(texts)}" for field, texts in exc.fields.items())
        raise click.ClickException(exc.message + details) from None


@scheduled_messages_cli.command("create")
@click.option("--team", type=TEAM, required=True, help="The team that owns the message.")
@click.option("--assistant", "assistant_id", type=int, required=True,
              help="The plugin's id of the assistant (or version) that answers.")
@click.option("--name", required=True, help="A name admins recognise.")
@click.option("--schedule", required=True,
              help='A five-field cron expression ("0 9 * * MON") or @hourly, @daily, ...')
@click.option("--message", default="", help="The text the bot sends.")
@click.option("--paused", is_flag=True, help="Create it paused instead of active.")
def create_command(team, assistant_id, name, schedule, message, paused):
    """Create a scheduled message."""
    with _commit_or_explain():
        row = schedules.create_scheduled_message(
            team_id=team, name=name, assistant_id=assistant_id, schedule=schedule,
            message=message, status="paused" if paused else "active")
    click.echo(f"Created scheduled message {row.id} ({row.status}).")


@scheduled_messages_cli.command("list")
@click.option("--team", type=TEAM, help="Only this team's messages (default: every team).")
def list_command(team):
    """List scheduled messages."""
    rows = schedules.scheduled_messages(team)
    if not rows:
        click.echo("No scheduled messages.")
        return
    table = [("ID", "TEAM", "NAME", "ASSISTANT", "SCHEDULE", "STATUS")] + [
        (str(r.id), str(r.team_id), r.name, str(r.assistant_id), r.schedule, r.status)
        for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def _status_command(name: str, change, help_text: str):
    @scheduled_messages_cli.command(name, help=help_text)
    @click.argument("message_id", type=int)
    @click.option("--team", type=TEAM, required=True, help="The team that owns the message.")
    def command(message_id, team):
        with _commit_or_explain():
            row = change(team, message_id)
        click.echo(f"Scheduled message {row.id} is {row.status}.")

    return command


pause_command = _status_command(
    "pause", schedules.pause, "Stop sending a scheduled message for now.")
resume_command = _status_command(
    "resume", schedules.resume, "Send a paused scheduled message again.")
archive_command = _status_command(
    "archive", schedules.archive,
    "Archive a scheduled message for good (and release its assistant version if unused).")


@scheduled_messages_cli.command("reassign")
@click.argument("message_id", type=int)
@click.argument("assistant_id", type=int)
@click.option("--team", type=TEAM, required=True, help="The team that owns the message.")
def reassign_command(message_id, assistant_id, team):
    """Point a scheduled message at another assistant."""
    with _commit_or_explain():
        row = schedules.reassign(team, message_id, assistant_id)
    click.echo(f"Scheduled message {row.id} now uses assistant {row.assistant_id}.")
