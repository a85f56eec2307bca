"""The entry point ocs-assistant-plugin loads (group ``ocs_assistant_plugin``).

Installing this package is enough for every app using the plugin to ask it about scheduled
messages before archiving an assistant: no ``plugin.register(...)`` call is needed.
"""
from __future__ import annotations

from ocs_assistant_plugin import hookimpl

from .provider import ScheduledMessageProvider


@hookimpl
def ocs_reference_providers():
    return [ScheduledMessageProvider()]
