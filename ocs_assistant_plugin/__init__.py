"""ocs-assistant-plugin: lifecycle management of OpenAI assistants for Flask chatbot platforms.

Public names::

    from ocs_assistant_plugin import AssistantPlugin, hookimpl, Reference, RefStatus
"""
from __future__ import annotations

from ._version import __version__
from .errors import PluginError
from .extension import AssistantPlugin, PluginState
from .hookspecs import hookimpl
from .references import Reference, ReferenceProvider, RefStatus


__all__ = [
    "AssistantPlugin",
    "PluginError",
    "PluginState",
    "RefStatus",
    "Reference",
    "ReferenceProvider",
    "__version__",
    "hookimpl",
]
