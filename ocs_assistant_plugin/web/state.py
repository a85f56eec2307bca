"""How the blueprint reaches the app's plugin state and the signed-in team's services."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

from ..lifecycle.archival import ArchiveService
from ..lifecycle.assistants import AssistantService
from ..lifecycle.sync import SyncService
from ..settings import EXTENSION_KEY, Settings

if TYPE_CHECKING:
    from ..extension import PluginState


def plugin_state() -> PluginState:
    """``app.extensions["ocs_assistants"]`` of the current app."""
    return current_app.extensions[EXTENSION_KEY]


def settings() -> Settings:
    return plugin_state().settings


def team_assistants() -> AssistantService:
    """The signed-in team's :class:`AssistantService` (401 when no team is signed in)."""
    return AssistantService.for_current_team(plugin_state().deps)


def team_sync() -> SyncService:
    return SyncService(team_assistants())


def team_archive() -> ArchiveService:
    return ArchiveService(team_assistants())
