"""``flask assistants list|import|release``: the team's assistants, for operators."""
from __future__ import annotations

import json

import click

from .. import schemas
from ..lifecycle.assistants import all_assistants
from ..lifecycle.versions import release_versions
from .group import TEAM, assistants_cli, echo_listing, plugin_errors, plugin_state


@assistants_cli.command("list")
@click.option("--team", type=TEAM, help="Only this team's assistants (default: every team).")
@click.option("--archived", is_flag=True, help="List archived assistants instead.")
@click.option("--versions", is_flag=True, help="Include versions, not only working assistants.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the API's Assistant shape).")
def list_command(team, archived, versions, as_json):
    """List assistants."""
    with plugin_errors():
        rows = all_assistants(plugin_state().deps, team_id=team, archived=archived, versions=versions)
    echo_listing(rows, schemas.AssistantSchema, as_json=as_json, empty="No assistants.",
                 table=_assistant_table)


def _assistant_table(rows) -> list[tuple[str, ...]]:
    header = ("ID", "TEAM", "NAME", "MODEL", "OPENAI ID", "FILES", "VERSION OF")
    return [header] + [
        (str(a.id), str(a.team_id), a.name, a.model, a.openai_id or "-", str(len(a.files)),
         f"{a.working_id} (v{a.version_number})" if a.is_version else "-")
        for a in rows]


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
    service = plugin_state().assistant_service(team, authorize=False)
    with plugin_errors():
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
    with plugin_errors():
        released = release_versions(plugin_state().deps, list(assistant_ids), team, label)
    if as_json:
        click.echo(json.dumps(schemas.ReleasedSchema(many=True).dump(released), indent=2))
        return
    for r in released:
        how = "released as" if r.created else "unchanged since"
        click.echo(f"Assistant {r.working.id} {how} version {r.version.version_number} "
                   f"(assistant {r.version.id}, {r.version.name!r}, "
                   f"{r.version.openai_id or r.version.vector_store_id or 'nothing in OpenAI'}).")
