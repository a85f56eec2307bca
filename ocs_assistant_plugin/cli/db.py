"""``flask assistants db upgrade [--sql]`` and ``flask assistants db current``: the plugin's
schema migrations (:mod:`.migrations`) on the host's database.

Production hosts run ``upgrade`` on deploy instead of ``db.create_all()``; the plugin's revisions
are recorded in their own table, so the host's Alembic history is untouched.
"""
from __future__ import annotations

import click

from .. import migrations
from .group import assistants_cli, plugin_state


@assistants_cli.group("db")
def db_group():
    """The plugin's database tables (Alembic migrations with their own history)."""


@db_group.command("upgrade")
@click.option("--sql", is_flag=True,
              help="Print the SQL of an upgrade from an empty database; change nothing.")
def upgrade_command(sql):
    """Create or upgrade the plugin's tables to the newest revision."""
    db = plugin_state().db
    if sql:
        click.echo(migrations.upgrade_sql(db), nl=False)
        return
    collide = migrations.unversioned_tables(db)
    if collide:
        raise click.ClickException(
            f"The plugin's tables already exist ({', '.join(collide)}) but no revision is "
            "recorded: they were made by db.create_all(). If they match the models of this "
            "release, record that with 'flask assistants db stamp', then upgrade.")
    before = migrations.current_revision(db)
    migrations.upgrade(db)
    head = migrations.head_revision()
    if before == head:
        click.echo(f"The plugin's tables are up to date (revision {head}).")
    else:
        click.echo(f"Upgraded the plugin's tables from {before or 'nothing'} to revision {head}.")


@db_group.command("stamp")
@click.argument("revision", default="head")
def stamp_command(revision):
    """Record REVISION (default: the newest) without running it, for tables that
    db.create_all() already made. Changes no table."""
    db = plugin_state().db
    known = {script.revision for script in migrations.revisions()} | {"head"}
    if revision not in known:
        raise click.BadParameter(f"unknown revision {revision!r}; known: "
                                 f"{', '.join(sorted(known))}", param_hint="'REVISION'")
    migrations.stamp(db, revision)
    click.echo(f"Recorded revision {migrations.current_revision(db)} for the plugin's tables.")


@db_group.command("current")
def current_command():
    """Show the revision of the plugin's tables and whether it is the newest."""
    db = plugin_state().db
    current, head = migrations.current_revision(db), migrations.head_revision()
    if current is None:
        click.echo(f"No revision: run 'flask assistants db upgrade' (head is {head}).")
    elif current == head:
        click.echo(f"{current} (head)")
    else:
        click.echo(f"{current} (head is {head}: run 'flask assistants db upgrade')")
