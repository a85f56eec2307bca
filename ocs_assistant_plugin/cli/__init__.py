"""``flask assistants ...``: the plugin's commands, for operators with shell access.

Commands act without ``ocs_authorize`` (whoever runs them already has the app's credentials) but
always for an explicit team where they change something. Bad options exit with code 2 and a
message naming the option; plugin errors exit with code 1 and their message, never a traceback.
"""
from __future__ import annotations

import importlib
import json
from contextlib import contextmanager

import click
from flask.cli import AppGroup

from .. import schemas
from ..lifecycle.assistants import AssistantService, all_assistants
from ..errors import PluginError
from ..extension import get_state

assistants_cli = AppGroup("assistants", help="Manage OpenAI assistants (ocs-assistant-plugin).")

#: Modules (relative to this package) that add commands with ``@assistants_cli.command(...)``;
#: :func:`load_command_modules` imports them before the group is added to an app.
COMMAND_MODULES: tuple[str, ...] = ("db", "migrate_backend", "operations", "sync")


def load_command_modules() -> None:
    for module in COMMAND_MODULES:
        importlib.import_module(f"{__package__}.{module}")

TEAM = click.IntRange(min=1)


@contextmanager
def _plugin_errors():
    try:
        yield
    except PluginError as exc:
        details = "".join(f"\n  {field}: {'; '.join(texts)}" for field, texts in exc.fields.items())
        raise click.ClickException(exc.message + details) from None


@assistants_cli.command("list")
@click.option("--team", type=TEAM, help="Only this team's assistants (default: every team).")
@click.option("--archived", is_flag=True, help="List archived assistants instead.")
@click.option("--versions", is_flag=True, help="Include versions, not only working assistants.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the API's Assistant shape).")
def list_command(team, archived, versions, as_json):
    """List assistants."""
    plugin = get_state()
    with _plugin_errors():
        rows = all_assistants(plugin, team_id=team, archived=archived, versions=versions)
    if as_json:
        click.echo(json.dumps(schemas.AssistantSchema(many=True).dump(rows), indent=2))
        return
    if not rows:
        click.echo("No assistants.")
        return
    header = ("ID", "TEAM", "NAME", "MODEL", "OPENAI ID", "FILES", "VERSION OF")
    table = [header] + [
        (str(a.id), str(a.team_id), a.name, a.model, a.openai_id or "-", str(len(a.files)),
         f"{a.working_id} (v{a.version_number})" if a.is_version else "-")
        for a in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


@assistants_cli.command("import")
@click.argument("openai_id", required=False)
@click.option("--team", type=TEAM, required=True, help="The team that gets the assistant.")
@click.option("--vector-store", "vector_store_id", default=None,
              help="Import this OpenAI vector store (vs_...) and its files as a new responses "
                   "assistant instead (needs --model).")
@click.option("--model", default=None, help="With --vector-store: the assistant's model.")
@click.option("--name", default=None, help="With --vector-store: its name (default: the "
                                           "store's).")
def import_command(openai_id, team, vector_store_id, model, name):
    """Import the OpenAI assistant OPENAI_ID (with its files) into a team, or with
    --vector-store a vector store and its files (there are no assistants to import from a server
    without the Assistants API)."""
    if bool(openai_id) == bool(vector_store_id):
        raise click.UsageError("Give OPENAI_ID or --vector-store (one of them).")
    if vector_store_id and not model:
        raise click.UsageError("--model is required with --vector-store.")
    if openai_id and (model or name):
        raise click.UsageError("--model and --name go with --vector-store only.")
    service = AssistantService(get_state(), team, authorize=False)
    with _plugin_errors():
        if vector_store_id:
            assistant = service.import_vector_store(vector_store_id, model, name)
        else:
            assistant = service.import_assistant(openai_id)
    click.echo(f"Imported {openai_id or vector_store_id} as assistant {assistant.id} "
               f"({assistant.name!r}, {len(assistant.files)} files) in team {team}.")


@assistants_cli.command("release")
@click.argument("assistant_ids", nargs=-1, required=True, type=click.IntRange(min=1))
@click.option("--team", type=TEAM, required=True, help="The team that owns the assistants.")
@click.option("--label", default=None, help="The release's name, kept on each version.")
@click.option("--json", "as_json", is_flag=True,
              help="Print [{working_id, version_id, version_number, created}].")
def release_command(assistant_ids, team, label, as_json):
    """Release working assistants as versions, as the host's release hook does: all or nothing;
    an assistant unchanged since its latest version reuses it."""
    from ..lifecycle.versions import release_versions

    with _plugin_errors():
        released = release_versions(get_state(), list(assistant_ids), team, label)
    if as_json:
        click.echo(json.dumps([{"working_id": r.working.id, "version_id": r.version.id,
                                "version_number": r.version.version_number,
                                "created": r.created} for r in released], indent=2))
        return
    for r in released:
        how = "released as" if r.created else "unchanged since"
        click.echo(f"Assistant {r.working.id} {how} version {r.version.version_number} "
                   f"(assistant {r.version.id}, {r.version.name!r}, "
                   f"{r.version.openai_id or r.version.vector_store_id or 'nothing in OpenAI'}).")
