"""``flask assistants operations list|run|retry``: the remote-operations outbox by hand.

For operators: see what is waiting to be deleted in OpenAI and why it failed, run what is due
(from cron, or when no worker runs), and give failed operations a fresh set of attempts.
Loaded through :data:`.cli.COMMAND_MODULES`.
"""
from __future__ import annotations

import json

import click

from ..outbox import queue as operations
from .. import schemas
from . import TEAM, _plugin_errors, assistants_cli
from ..extension import get_state
from ..models import OPERATION_STATUSES

OPERATION_ID = click.IntRange(min=1)


@assistants_cli.group("operations")
def operations_group():
    """The remote-operations outbox: deletions in OpenAI, retried until OpenAI confirms."""


@operations_group.command("list")
@click.option("--status", type=click.Choice(OPERATION_STATUSES), help="Only operations in this state.")
@click.option("--team", type=TEAM, help="Only this team's operations (default: every team).")
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True,
              help="At most this many, newest first.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the API's RemoteOperation shape).")
def list_command(status, team, limit, as_json):
    """List remote operations, newest first."""
    plugin = get_state()
    with _plugin_errors():
        rows = operations.list_operations(plugin, status=status, team_id=team, limit=limit)
    if as_json:
        click.echo(json.dumps(schemas.RemoteOperationSchema(many=True).dump(rows), indent=2))
        return
    if not rows:
        click.echo("No remote operations.")
        return
    _print_table(rows)


@operations_group.command("run")
@click.argument("ids", nargs=-1, type=OPERATION_ID)
@click.option("--limit", type=click.IntRange(min=1), default=1000, show_default=True,
              help="At most this many operations.")
def run_command(ids, limit):
    """Carry out the pending operations that are due now, or the pending operations IDS now."""
    plugin = get_state()
    with _plugin_errors():
        for operation_id in ids:
            operations.get_operation(plugin, operation_id)  # an unknown id is an error
        tried = operations.run_pending(plugin, limit=limit, ids=list(ids) or None,
                                       worker=operations.worker_name("cli"))
    _print_outcome(tried, "Nothing is due." if not ids else "None of them is pending.")


@operations_group.command("retry")
@click.argument("ids", nargs=-1, type=OPERATION_ID)
@click.option("--team", type=TEAM, help="Without IDS: only this team's failed operations.")
def retry_command(ids, team):
    """Give failed operations (IDS, or every failed one) a fresh set of attempts and run them."""
    plugin = get_state()
    with _plugin_errors():
        again = operations.retry(plugin, list(ids) or None, team_id=None if ids else team)
        if not again:
            click.echo("No failed operations.")
            return
        tried = operations.run_pending(plugin, ids=[o.id for o in again],
                                       worker=operations.worker_name("cli"))
    _print_outcome(tried, "None of them could be started (another worker has them).")


def _print_table(rows) -> None:
    header = ("ID", "TEAM", "KIND", "TARGET", "STATUS", "ATTEMPTS", "NEXT ATTEMPT", "WORKER",
              "SINCE", "LAST ERROR")
    table = [header] + [
        (str(o.id), "-" if o.team_id is None else str(o.team_id), o.kind, o.target, o.status,
         str(o.attempts),
         o.next_attempt_at.strftime("%Y-%m-%d %H:%M:%S") if o.status in ("pending", "running")
         else "-",
         *_holder(o),
         (o.last_error or "-").replace("\n", " ")[:120])
        for o in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)] + [row[-1]]
        click.echo("  ".join(cells).rstrip())


def _holder(operation) -> tuple[str, str]:
    """Who holds a running operation and since when (UTC); ``-`` otherwise."""
    if operation.status != "running" or not operation.claimed_by:
        return "-", "-"
    since = operation.claimed_at.strftime("%Y-%m-%d %H:%M:%S") if operation.claimed_at else "-"
    return operation.claimed_by, since


def _print_outcome(tried, nothing: str) -> None:
    if not tried:
        click.echo(nothing)
        return
    counts = {status: sum(1 for o in tried if o.status == status) for status in OPERATION_STATUSES}
    click.echo(f"Tried {len(tried)}: {counts['done']} done, {counts['pending']} to retry, "
               f"{counts['failed']} failed.")
    for operation in tried:
        if operation.status != "done":
            when = (f", next attempt {operation.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC"
                    if operation.status == "pending" else "")
            click.echo(f"  {operation.id} {operation.kind} {operation.target}: {operation.status}"
                       f"{when}: {operation.last_error}")
