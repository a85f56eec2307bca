"""ocs-scheduled-messages: messages a bot sends on a schedule, vetted by ocs-assistant-plugin.

A third-party reference provider for `ocs-assistant-plugin`: an active scheduled message blocks
archiving the assistant it uses, a paused one is archived along with it. Public names::

    from ocs_scheduled_messages import ScheduledMessages, ScheduledMessage, ScheduledMessageProvider
    from ocs_scheduled_messages import create_scheduled_message, pause, resume, reassign, archive
"""
from __future__ import annotations

from .extension import ScheduledMessages
from .models import STATUSES, ScheduledMessage
from .provider import STATUS_MAP, ScheduledMessageProvider
from .schedules import archive, create_scheduled_message, pause, reassign, resume

__version__ = "0.1.0"

__all__ = [
    "STATUSES",
    "STATUS_MAP",
    "ScheduledMessage",
    "ScheduledMessageProvider",
    "ScheduledMessages",
    "__version__",
    "archive",
    "create_scheduled_message",
    "pause",
    "reassign",
    "resume",
]
