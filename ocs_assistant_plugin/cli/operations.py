"""``flask assistants operations list|run|retry``: the remote-operations outbox by hand.

For operators: see what is waiting to be deleted in OpenAI and why it failed, run what is due
(from cron, or when no worker runs), and give failed operations a fresh set of attempts.
"""
from __future__ import annotations

import click

from ..outbox import queue as operations
from .. import schemas
from .group import TEAM, assistants_cli, echo_listing, plugin_errors, plugin_state
from ..models import OPERATION_STATUSES, OperationStatus

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
    deps = plugin_state().deps
    with plugin_errors():
        rows = operations.list_operations(deps, status=status, team_id=team, limit=limit)
    echo_listing(rows, schemas.RemoteOperationSchema, as_json=as_json,
                 empty="No remote operations.", table=_operation_table)


@operations_group.command("run")
@click.argument("ids", nargs=-1, type=OPERATION_ID)
@click.option("--limit", type=click.IntRange(min=1), default=1000, show_default=True,
              help="At most this many operations.")
def run_command(ids, limit):
    """Carry out the pending operations that are due now, or the pending operations IDS now."""
    deps = plugin_state().deps
    with plugin_errors():
        for operation_id in ids:
            operations.get_operation(deps, operation_id)  # an unknown id is an error
        tried = operations.run_pending(deps, limit=limit, ids=list(ids) or None,
                                       worker=operations.worker_name("cli"))
    _print_outcome(tried, "Nothing is due." if not ids else "None of them is pending.")


@operations_group.command("retry")
@click.argument("ids", nargs=-1, type=OPERATION_ID)
@click.option("--team", type=TEAM, help="Without IDS: only this team's failed operations.")
def retry_command(ids, team):
    """Give failed operations (IDS, or every failed one) a fresh set of attempts and run them."""
    deps = plugin_state().deps
    with plugin_errors():
        again = operations.retry(deps, list(ids) or None, team_id=None if ids else team)
        if not again:
            click.echo("No failed operations.")
            return
        tried = operations.run_pending(deps, ids=[o.id for o in again],
                                       worker=operations.worker_name("cli"))
    _print_outcome(tried, "None of them could be started (another worker has them).")


def _operation_table(rows) -> list[tuple[str, ...]]:
    header = ("ID", "TEAM", "KIND", "TARGET", "STATUS", "ATTEMPTS", "NEXT ATTEMPT", "WORKER",
              "SINCE", "LAST ERROR")
    return [header] + [
        (str(o.id), "-" if o.team_id is None else str(o.team_id), o.kind, o.target, o.status,
         str(o.attempts),
         o.next_attempt_at.strftime("%Y-%m-%d %H:%M:%S")
         if o.status in (OperationStatus.PENDING, OperationStatus.RUNNING) else "-",
         *_holder(o),
         (o.last_error or "-").replace("\n", " ")[:120])
        for o in rows]


def _holder(operation) -> tuple[str, str]:
    """Who holds a running operation and since when (UTC); ``-`` otherwise."""
    if operation.status != OperationStatus.RUNNING or not operation.claimed_by:
        return "-", "-"
    since = operation.claimed_at.strftime("%Y-%m-%d %H:%M:%S") if operation.claimed_at else "-"
    return operation.claimed_by, since


def _print_outcome(tried, nothing: str) -> None:
    if not tried:
        click.echo(nothing)
        return
    counts = {status: sum(1 for o in tried if o.status == status) for status in OperationStatus}
    click.echo(f"Tried {len(tried)}: {counts[OperationStatus.DONE]} done, "
               f"{counts[OperationStatus.PENDING]} to retry, {counts[OperationStatus.FAILED]} failed.")
    for operation in tried:
        if operation.status != OperationStatus.DONE:
            when = (f", next attempt {operation.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC"
                    if operation.status == OperationStatus.PENDING else "")
            click.echo(f"  {operation.id} {operation.kind} {operation.target}: {operation.status}"
                       f"{when}: {operation.last_error}")
