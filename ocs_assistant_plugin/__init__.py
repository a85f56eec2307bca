"""ocs-assistant-plugin: lifecycle management of OpenAI assistants for Flask chatbot platforms.

Public names::

    from ocs_assistant_plugin import AssistantPlugin, hookimpl, Reference, RefStatus
"""
from __future__ import annotations

from .errors import PluginError
from .extension import AssistantPlugin, PluginState
from .hookspecs import hookimpl
from .references import Reference, ReferenceProvider, RefStatus

__version__ = "0.1.0"

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
