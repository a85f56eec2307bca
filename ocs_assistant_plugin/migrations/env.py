"""Alembic's environment for the plugin's migrations (loaded by Alembic, not imported).

The connection (online) or database URL (offline ``--sql``) comes from
:func:`ocs_assistant_plugin.migrations.make_config`; there is no ``alembic.ini``.
"""
from alembic import context

from ocs_assistant_plugin import models
from ocs_assistant_plugin.migrations import context_options

config = context.config
target_metadata = models.metadata


def run_offline() -> None:
    context.configure(url=config.attributes["url"], target_metadata=target_metadata,
                      literal_binds=True, dialect_opts={"paramstyle": "named"},
                      **context_options())
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    context.configure(connection=config.attributes["connection"],
                      target_metadata=target_metadata, **context_options())
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
