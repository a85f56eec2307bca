"""``flask assistants migrate-backend --to responses``: leave the sunset Assistants API.

Moves every assistant and version (of one team, or of all) to the ``responses`` backend with
:func:`.migration.migrate_backend`, a progress bar on stderr, then prints the report (``--json``
for machines). Exits with 1 when any assistant failed (it is left unchanged; run again later).
"""
from __future__ import annotations

import json
import sys
from contextlib import ExitStack

import click

from ..lifecycle import backend_migration as migration
from .group import TEAM, assistants_cli, plugin_errors, plugin_state
from ..errors import InvalidInput
from ..schemas import MigrationReportSchema

#: How long the command waits for the in-process outbox worker (``thread`` backend) to carry out
#: the deletions before it exits; what is left stays in the outbox for the next worker run.
OUTBOX_WAIT_SECONDS = 60.0


@assistants_cli.command("migrate-backend")
@click.option("--to", "to", required=True, type=click.Choice(("responses", "assistants")),
              help="The backend to move to (only 'responses': the Assistants API is sunset).")
@click.option("--team", type=TEAM, help="Only this team's assistants (default: every team).")
@click.option("--dry-run", is_flag=True,
              help="Check OpenAI and report what would change; change nothing.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the report as JSON: {to, dry_run, team_id, counts, items}.")
def migrate_backend_command(to, team, dry_run, as_json):
    """Move assistants and their versions to another remote backend.

    Vector stores and files are kept (same ids), local ids never change, and the remote assistant
    objects are deleted through the outbox. Archived assistants are skipped; running it again
    changes nothing. Exits with 1 when any assistant could not be moved.
    """
    deps = plugin_state().deps
    with ExitStack() as stack:
        bar = None

        def on_progress(item, done, total):
            nonlocal bar
            if bar is None:
                verb = "Checking" if dry_run else "Migrating"
                bar = stack.enter_context(click.progressbar(
                    length=total, label=f"{verb} {total} assistants", file=sys.stderr))
            if item is not None:
                bar.update(1)

        with plugin_errors():
            try:
                report = migration.migrate_backend(deps, to, team_id=team, dry_run=dry_run,
                                                   progress=on_progress)
            except InvalidInput as exc:  # raised before anything ran: a bad option
                raise click.BadParameter(exc.message, param_hint="'--to'") from None
    _wait_for_outbox(deps, report)
    if as_json:
        click.echo(json.dumps(MigrationReportSchema().dump(report), indent=2))
    else:
        _print_report(report)
    if report.failed:
        click.get_current_context().exit(1)


def _wait_for_outbox(deps, report) -> None:
    """With the ``thread`` backend the worker lives in this process: give it time to finish."""
    worker = deps.worker
    if worker is not None and any(i.operation_id for i in report.items):
        worker.wait_idle(OUTBOX_WAIT_SECONDS)


def _print_report(report) -> None:
    would = report.dry_run
    for item in report.items:
        what = f"Assistant {item.assistant_id}"
        if item.is_version:
            what += f" (v{item.version_number})"
        what += f" {item.name!r} (team {item.team_id})"
        if item.outcome == migration.MIGRATED:
            verb = "would move" if would else "moved"
            click.echo(f"{what}: {verb} to {report.to}: {'; '.join(item.changes)}.")
        elif item.outcome == migration.FAILED:
            click.echo(f"{what}: FAILED, left unchanged: {item.reason}")
    counts = report.counts
    migrated = f"{counts['migrated']} {'would be migrated' if would else 'migrated'}"
    click.echo(f"{'Dry run: ' if would else ''}{migrated}, {counts['already']} already on "
               f"{report.to}, {counts['skipped']} skipped (archived), {counts['failed']} failed.")
