"""``flask assistants db upgrade [--sql]`` and ``flask assistants db current``: the plugin's
schema migrations (:mod:`.migrations`) on the host's database.

Production hosts run ``upgrade`` on deploy instead of ``db.create_all()``; the plugin's revisions
are recorded in their own table, so the host's Alembic history is untouched. Loaded through
:data:`.cli.COMMAND_MODULES`.
"""
from __future__ import annotations

import click

from . import migrations
from .cli import assistants_cli
from .extension import get_state


@assistants_cli.group("db")
def db_group():
    """The plugin's database tables (Alembic migrations with their own history)."""


@db_group.command("upgrade")
@click.option("--sql", is_flag=True,
              help="Print the SQL of an upgrade from an empty database; change nothing.")
def upgrade_command(sql):
    """Create or upgrade the plugin's tables to the newest revision."""
    db = get_state().db
    if sql:
        click.echo(migrations.upgrade_sql(db), nl=False)
        return
    before = migrations.current_revision(db)
    migrations.upgrade(db)
    head = migrations.head_revision()
    if before == head:
        click.echo(f"The plugin's tables are up to date (revision {head}).")
    else:
        click.echo(f"Upgraded the plugin's tables from {before or 'nothing'} to revision {head}.")


@db_group.command("current")
def current_command():
    """Show the revision of the plugin's tables and whether it is the newest."""
    db = get_state().db
    current, head = migrations.current_revision(db), migrations.head_revision()
    if current is None:
        click.echo(f"No revision: run 'flask assistants db upgrade' (head is {head}).")
    elif current == head:
        click.echo(f"{current} (head)")
    else:
        click.echo(f"{current} (head is {head}: run 'flask assistants db upgrade')")
