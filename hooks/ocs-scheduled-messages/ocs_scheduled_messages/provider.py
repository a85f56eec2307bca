"""The reference provider: which scheduled messages use an assistant, and whether they block.

How a scheduled message's status reads to the plugin (DESIGN 1.3 of ocs-assistant-plugin):

========== ============== =====================================================================
status     ``RefStatus``  when its assistant is being archived
========== ============== =====================================================================
active     ``published``  live: participants receive it now, so it **blocks** the archive
paused     ``released``   not live: archived automatically together with the assistant
archived   ``archived``   ignored
========== ============== =====================================================================
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from ocs_assistant_plugin import Reference, RefStatus

from .extension import get_setup, setup_or_none
from .models import ScheduledMessage

#: Each ``ScheduledMessage.status`` as the plugin's :class:`RefStatus`.
STATUS_MAP = {
    "active": RefStatus.PUBLISHED,
    "paused": RefStatus.RELEASED,
    "archived": RefStatus.ARCHIVED,
}

UNBLOCK_ACTION = "Pause or archive the scheduled message, or point it at another assistant."


class ScheduledMessageProvider:
    """Scheduled messages whose assistant is one of those asked about."""

    kind = "scheduled_message"
    section = "Scheduled Messages"
    label = "Scheduled Message"

    def find_references(self, assistant_ids, team_id) -> list[Reference]:
        """The team's scheduled messages using any of ``assistant_ids``, in one query.

        An app that never called :meth:`ScheduledMessages.init_app
        <ocs_scheduled_messages.ScheduledMessages.init_app>` has no scheduled-messages
        table, hence nothing to find: the answer is empty and no query is made.
        """
        setup = setup_or_none(current_app)
        ids = sorted({int(i) for i in assistant_ids})
        if setup is None or not ids:
            return []
        rows = setup.db.session.execute(
            select(ScheduledMessage)
            .where(ScheduledMessage.team_id == team_id, ScheduledMessage.assistant_id.in_(ids))
            .order_by(ScheduledMessage.id)
        ).scalars()
        return [self.reference(row) for row in rows]

    def reference(self, row: ScheduledMessage) -> Reference:
        """The :class:`Reference` a scheduled message makes to its assistant."""
        return Reference(kind=self.kind, id=row.id, label=row.name,
                         url=get_setup(current_app).url_for(row.id),
                         assistant_id=row.assistant_id, status=STATUS_MAP[row.status])

    def unblock_action(self, reference: Reference) -> str:
        """What an admin does so that this (live) scheduled message stops blocking."""
        return UNBLOCK_ACTION

    def archive(self, reference: Reference) -> None:
        """Archive a paused scheduled message whose assistant is being archived.

        Runs inside the plugin's transaction: it flushes, the plugin commits (or rolls back).
        """
        if reference.kind != self.kind:
            raise ValueError(f"{type(self).__name__} cannot archive a {reference.kind!r} reference")
        session = get_setup(current_app).db.session
        row = session.get(ScheduledMessage, int(reference.id))
        if row is None or row.status == "archived":
            return
        row.mark_archived()
        session.flush()
