"""The scheduled-messages table, stored in the host's database.

Mirrors how ocs-assistant-plugin keeps its own tables: the model is mapped on this package's own
:data:`metadata` (so the class exists before any app does and is the same for every app in a
process), and :func:`attach_to` copies the table into the host's ``db.metadata`` at ``init_app``
so that ``db.create_all()`` creates it and the host's migrations see it. Queries go through the
host's ``db.session``.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Aware UTC datetimes on every database, as the plugin's own tables store them.
from ocs_assistant_plugin.models import UTCDateTime

#: What a scheduled message can be: sending (``active``), on hold (``paused``) or retired for
#: good (``archived``).
STATUSES = ("active", "paused", "archived")

metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "pk": "pk_%(table_name)s",
})


class Base(DeclarativeBase):
    metadata = metadata


class ScheduledMessage(Base):
    """A message a bot sends on a schedule, answered by an assistant of ocs-assistant-plugin.

    ``assistant_id`` is the plugin's id of the assistant (a working assistant or one of its
    versions). The host's scheduler reads ``schedule`` and keeps ``next_run_at`` (an aware UTC
    datetime); this package only stores them.
    """

    __tablename__ = "ocs_scheduled_messages"
    __table_args__ = (
        # find_references filters on both: one index serves every archive check.
        sa.Index("ix_ocs_scheduled_messages_team_assistant", "team_id", "assistant_id"),
        sa.CheckConstraint("status IN ('active', 'paused', 'archived')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    assistant_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    schedule: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    message: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="active")
    next_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    def mark_archived(self) -> None:
        """Retire it for good: archived messages are never sent and never change again."""
        self.status = "archived"
        self.next_run_at = None

    def __repr__(self) -> str:
        return (f"<ScheduledMessage {self.id} {self.name!r} team={self.team_id} "
                f"assistant={self.assistant_id} {self.status}>")


def attach_to(host_metadata: sa.MetaData) -> None:
    """Copy the table into the host's metadata (idempotent).

    Raises ``ValueError`` if the host already has a different table under the same name.
    """
    for table in metadata.sorted_tables:
        existing = host_metadata.tables.get(table.key)
        if existing is None:
            table.to_metadata(host_metadata)
        elif set(existing.columns.keys()) != set(table.columns.keys()):
            raise ValueError(f"the host's metadata already has a different table {table.key!r}")
