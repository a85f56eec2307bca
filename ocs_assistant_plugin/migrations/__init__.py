"""The plugin's Alembic migrations, run against the host's database with their own history.

Production hosts create and upgrade the plugin's tables with ``flask assistants db upgrade``
instead of ``db.create_all()``. The plugin keeps its revisions in its own version table,
:data:`VERSION_TABLE`, so a host that has its own Alembic history (``alembic_version``) is not
disturbed, and the host's migrations never see ours.

Everything here is programmatic: no ``alembic.ini`` is needed, the scripts ship inside this
package (``env.py``, ``script.py.mako``, ``versions/``) and run on the host's ``db`` engine.

A plugin developer adds a revision after changing :mod:`..models` with (against a database at
head)::

    from alembic import command
    with connect(db) as config:
        command.revision(config, message="what changed", autogenerate=True)
"""
from __future__ import annotations

import io
from contextlib import contextmanager
from importlib import resources
from typing import Iterator

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from .. import models

#: Where the plugin's revisions are recorded (not the host's ``alembic_version``).
VERSION_TABLE = "ocs_assistants_alembic_version"
#: Every table of the plugin starts with this (see :mod:`..models`).
TABLE_PREFIX = "ocs_"


def script_location() -> str:
    """The directory of ``env.py`` and ``versions/``, wherever the package is installed."""
    return str(resources.files(__name__))


def include_name(name, type_, parent_names) -> bool:
    """Autogenerate looks at the plugin's tables only: the host's tables are not ours to drop."""
    if type_ == "table":
        return name is not None and name.startswith(TABLE_PREFIX) and name != VERSION_TABLE
    return True


def context_options() -> dict:
    """The ``MigrationContext`` options ``env.py`` runs with (also for comparing schemas)."""
    return {"version_table": VERSION_TABLE, "include_name": include_name}


def make_config(*, connection=None, url: str | None = None, output=None) -> Config:
    """A programmatic Alembic ``Config``: the package's scripts, and the host's connection
    (online) or URL (offline, ``--sql``) handed to ``env.py`` through ``attributes``."""
    config = Config(output_buffer=output)
    config.set_main_option("script_location", script_location())
    config.attributes["connection"] = connection
    config.attributes["url"] = url
    return config


def revisions() -> list:
    """Every revision the package ships (Alembic ``Script`` objects)."""
    return list(ScriptDirectory.from_config(make_config()).walk_revisions())


def head_revision() -> str:
    """The newest revision the package ships."""
    return ScriptDirectory.from_config(make_config()).get_current_head()


@contextmanager
def connect(db) -> Iterator[Config]:
    """A ``Config`` bound to one transaction on the host's default engine (call in an app
    context); committed when the block ends without an error."""
    with db.engine.begin() as connection:
        yield make_config(connection=connection)


def current_revision(db) -> str | None:
    """The revision the database is at, or ``None`` before the first upgrade."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def unversioned_tables(db) -> list[str]:
    """The plugin's tables that exist although no revision is recorded (made by
    ``db.create_all()``): an upgrade would collide with them until they are stamped."""
    if current_revision(db) is not None:
        return []
    existing = set(sa.inspect(db.engine).get_table_names())
    return sorted(name for name in models.metadata.tables if name in existing)


def upgrade(db, revision: str = "head") -> None:
    """Upgrade the plugin's tables to ``revision`` (already there: nothing happens)."""
    with connect(db) as config:
        command.upgrade(config, revision)


def stamp(db, revision: str = "head") -> None:
    """Record ``revision`` without running it: for tables ``db.create_all()`` already made."""
    with connect(db) as config:
        command.stamp(config, revision)


def upgrade_sql(db, revision: str = "head") -> str:
    """The SQL an upgrade from nothing to ``revision`` would run, for the host's database
    dialect (offline: the database is not touched)."""
    output = io.StringIO()
    config = make_config(url=db.engine.url.render_as_string(hide_password=False), output=output)
    command.upgrade(config, revision, sql=True)
    return output.getvalue()
