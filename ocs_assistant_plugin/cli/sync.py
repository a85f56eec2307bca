"""``flask assistants check``: the bulk sync audit (DESIGN 1.1), for operators and cron.

Checks every unarchived assistant and version (of one team, or of all), ``--concurrency`` at a
time with a progress bar on stderr, lists those that need attention and prints the count by
state; exits with 1 when any is out of sync, missing in OpenAI or could not be checked.
"""
from __future__ import annotations

import json
import sys

import click

from ..lifecycle import sync
from ..schemas import SyncReportSchema
from ..lifecycle.assistants import all_assistants
from .group import TEAM, assistants_cli, echo_table, plugin_errors, plugin_state


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
    deps = plugin_state().deps
    with plugin_errors():
        rows = all_assistants(deps, team_id=team, versions=True, related=False)
    described = {a.id: (str(a.team_id), a.name, f"v{a.version_number}" if a.is_version else "-")
                 for a in rows}
    deps.session.rollback()  # the workers use their own sessions: hold no transaction open
    if not described and not as_json:
        click.echo("No assistants to check.")
        return
    with click.progressbar(length=len(described), label=f"Checking {len(described)} assistants",
                           file=sys.stderr) as bar:
        reports = sync.audit(deps, list(described), concurrency=concurrency,
                             on_report=lambda _report: bar.update(1))
    summary = sync.summarize(reports)
    if as_json:
        click.echo(json.dumps({"checked": len(reports), "summary": summary,
                               "reports": SyncReportSchema(many=True).dump(reports)}, indent=2))
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
    echo_table([header] + [(str(r.assistant_id), *described[r.assistant_id], str(r.state),
                            r.message) for r in attention])
