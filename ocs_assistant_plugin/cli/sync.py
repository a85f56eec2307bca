"""``flask assistants check``: the bulk sync audit (DESIGN 1.1), for operators and cron.

Checks every unarchived assistant and version (of one team, or of all), ``--concurrency`` at a
time with a progress bar on stderr, lists those that need attention and prints the count by
state; exits with 1 when any is out of sync, missing in OpenAI or could not be checked.
Loaded through :data:`.cli.COMMAND_MODULES`.
"""
from __future__ import annotations

import json
import sys

import click
from flask import current_app

from ..lifecycle import sync
from ..lifecycle.assistants import all_assistants
from . import TEAM, _plugin_errors, assistants_cli
from ..extension import get_state


@assistants_cli.command("check")
@click.option("--team", type=TEAM, help="Only this team's assistants (default: every team).")
@click.option("--json", "as_json", is_flag=True,
              help="Print JSON: the count by state and every report (the API's SyncReport).")
@click.option("--concurrency", type=click.IntRange(1, 32), default=4, show_default=True,
              help="How many assistants are checked at the same time.")
def check_command(team, as_json, concurrency):
    """Check every unarchived assistant and version against OpenAI.

    Lists those that need attention and prints a count by state. Exits with 1 when any is out of
    sync, missing in OpenAI or could not be checked, so a host can run it from cron.
    """
    plugin = get_state()
    with _plugin_errors():
        rows = all_assistants(plugin, team_id=team, versions=True)
    described = {a.id: (str(a.team_id), a.name, f"v{a.version_number}" if a.is_version else "-")
                 for a in rows}
    plugin.db.session.rollback()  # the workers use their own sessions: hold no transaction open
    if not described and not as_json:
        click.echo("No assistants to check.")
        return
    app = current_app._get_current_object()
    with click.progressbar(length=len(described), label=f"Checking {len(described)} assistants",
                           file=sys.stderr) as bar:
        reports = sync.audit(app, list(described), concurrency=concurrency,
                             on_report=lambda _report: bar.update(1))
    summary = sync.summarize(reports)
    if as_json:
        click.echo(json.dumps({"checked": len(reports), "summary": summary,
                               "reports": [r.to_dict() for r in reports]}, indent=2))
    else:
        _print_attention(reports, described)
        counts = ", ".join(f"{n} {state}" for state, n in summary.items())
        click.echo(f"Checked {len(reports)} assistants: {counts}.")
    if any(r.needs_attention for r in reports):
        click.get_current_context().exit(1)


def _print_attention(reports, described) -> None:
    """A table of every assistant not in sync (the message column is left unpadded)."""
    attention = [r for r in reports if r.state != sync.IN_SYNC]
    if not attention:
        return
    header = ("ID", "TEAM", "NAME", "VERSION", "STATE", "MESSAGE")
    table = [header] + [(str(r.assistant_id), *described[r.assistant_id], r.state, r.message)
                        for r in attention]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    for row in table:
        click.echo("  ".join([cell.ljust(width) for cell, width in zip(row, widths)] + [row[-1]]))
