"""``flask assistants ...``: the plugin's commands, for operators with shell access.

Commands act without ``ocs_authorize`` (whoever runs them already has the app's credentials) but
always for an explicit team where they change something. Bad options exit with code 2 and a
message naming the option; plugin errors exit with code 1 and their message, never a traceback.
"""
from __future__ import annotations

# Each module adds its commands to the group.
from . import assistants, db, migrate_backend, operations, sync
from .group import assistants_cli

__all__ = ["assistants_cli"]
