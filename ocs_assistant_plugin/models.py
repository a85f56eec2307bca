"""The plugin's tables, stored in the host's database.

The models are mapped on the plugin's own declarative :data:`metadata` (so they exist before any
app does, and stay the same classes for every app in a process); ``init_app`` copies these
tables into the host's ``db.metadata`` so that ``db.create_all()`` creates them and the host's
migrations see them. Queries go through the host's ``db.session``, which picks the host's engine.

Every table name starts with ``ocs_``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

#: JSON that is ``json`` on SQLite and ``jsonb`` on PostgreSQL.
JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")



class OperationStatus(str, Enum):
    """Where a remote operation is (see :mod:`ocs_assistant_plugin.outbox.queue`)."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value


OPERATION_STATUSES = tuple(status.value for status in OperationStatus)
#: What a remote operation does (see :mod:`ocs_assistant_plugin.outbox.queue`).
OPERATION_KINDS = ("delete_assistant", "delete_vector_store", "delete_file", "sweep_release_clone",
                   "sweep_lost_create", "sweep_lost_upload")


def is_sqlite_busy(session, exc: Exception) -> bool:
    """SQLite refusing a second writer for now (``database is locked``): worth trying again."""
    return (session.get_bind().dialect.name == "sqlite"
            and "locked" in str(getattr(exc, "orig", exc)).lower())


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class UTCDateTime(sa.TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite drops the zone, PostgreSQL keeps it)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: use an aware UTC datetime")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


class Base(DeclarativeBase):
    metadata = metadata


class Assistant(Base):
    """A working assistant (``is_version`` false) or one of its frozen versions.

    Versions live in the same table and point at their working assistant with ``working_id``;
    ``content_hash`` fingerprints configuration and files so a release can tell whether the
    working copy changed since its latest version.
    """

    __tablename__ = "ocs_assistants"
    __table_args__ = (
        sa.Index("ix_ocs_assistants_team_listing", "team_id", "archived", "is_version", "id"),
        sa.CheckConstraint("backend IN ('assistants', 'responses')", name="backend"),
        # Two releases at once cannot both become "v3" (working rows have NULLs: no clash).
        sa.UniqueConstraint("working_id", "version_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    backend: Mapped[str] = mapped_column(sa.String(16), nullable=False, default="assistants")

    name: Mapped[str] = mapped_column(sa.String(256), nullable=False)
    description: Mapped[str] = mapped_column(sa.String(512), nullable=False, default="")
    instructions: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    model: Mapped[str] = mapped_column(sa.String(256), nullable=False)
    temperature: Mapped[float | None] = mapped_column(sa.Float)
    top_p: Mapped[float | None] = mapped_column(sa.Float)
    response_format = mapped_column(JSONType, nullable=True)  # None, "auto" or {"type": ...}
    builtin_tools: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)
    function_tools: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)

    openai_id: Mapped[str | None] = mapped_column(sa.String(128), index=True)
    vector_store_id: Mapped[str | None] = mapped_column(sa.String(128))
    archived: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)

    is_version: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    working_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ocs_assistants.id", ondelete="CASCADE"), index=True)
    version_number: Mapped[int | None] = mapped_column(sa.Integer)
    release_label: Mapped[str | None] = mapped_column(sa.String(256))
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))

    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow,
                                                    onupdate=utcnow)
    pushed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    files: Mapped[list["AssistantFile"]] = relationship(
        back_populates="assistant", cascade="all, delete-orphan", lazy="selectin",
        order_by="AssistantFile.id")
    working: Mapped["Assistant | None"] = relationship(
        remote_side="Assistant.id", back_populates="versions")
    versions: Mapped[list["Assistant"]] = relationship(
        back_populates="working", order_by="Assistant.version_number", lazy="selectin")

    CONFIG_FIELDS = ("name", "description", "instructions", "model", "temperature", "top_p",
                     "response_format", "builtin_tools", "function_tools")

    def files_for(self, tool: str) -> list["AssistantFile"]:
        return [f for f in self.files if f.tool == tool]

    def file_ids(self, tool: str) -> list[str]:
        return [f.openai_id for f in self.files if f.tool == tool]

    def compute_content_hash(self, files=None) -> str:
        """A fingerprint of everything a version freezes: configuration and files per tool
        (``files``: rows with ``tool`` and ``openai_id`` standing for :attr:`files`, e.g. the
        ones a new version is about to get).

        The name is left out: a version is named "NAME vN" and must still match its source.
        """
        payload = {field: getattr(self, field) for field in self.CONFIG_FIELDS if field != "name"}
        payload["files"] = sorted([f.tool, f.openai_id]
                                  for f in (self.files if files is None else files))
        payload["backend"] = self.backend
        data = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(data.encode()).hexdigest()

    def refresh_content_hash(self) -> None:
        self.content_hash = self.compute_content_hash()

    def __repr__(self) -> str:
        kind = f"v{self.version_number} of {self.working_id}" if self.is_version else "working"
        return f"<Assistant {self.id} {self.name!r} team={self.team_id} {kind}>"


class FileContent(Base):
    """The bytes of an uploaded file, kept so a file missing in OpenAI can be uploaded again.

    OpenAI does not let files uploaded for assistants be downloaded back; files known only
    remotely (imported or pulled) have no content (``AssistantFile.remote_only``).
    """

    __tablename__ = "ocs_file_contents"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False, index=True)
    size: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class AssistantFile(Base):
    """A file attached to one tool (``code_interpreter`` or ``file_search``) of an assistant."""

    __tablename__ = "ocs_assistant_files"
    __table_args__ = (
        sa.UniqueConstraint("assistant_id", "tool", "openai_id"),
        sa.CheckConstraint("tool IN ('code_interpreter', 'file_search')", name="tool"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assistant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ocs_assistants.id", ondelete="CASCADE"), nullable=False, index=True)
    tool: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    filename: Mapped[str] = mapped_column(sa.String(512), nullable=False)
    openai_id: Mapped[str] = mapped_column(sa.String(128), nullable=False, index=True)
    bytes: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    remote_only: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    content_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ocs_file_contents.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    assistant: Mapped[Assistant] = relationship(back_populates="files")
    content: Mapped[FileContent | None] = relationship(lazy="select")

    def __repr__(self) -> str:
        return f"<AssistantFile {self.id} {self.filename!r} {self.tool} {self.openai_id}>"


class RemoteOperation(Base):
    """One durable remote action (the outbox): recorded in the transaction that needs it,
    carried out after commit and retried with backoff until OpenAI confirms."""

    __tablename__ = "ocs_remote_operations"
    __table_args__ = (
        sa.Index("ix_ocs_remote_operations_due", "status", "next_attempt_at"),
        sa.CheckConstraint("status IN ('pending', 'running', 'done', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    kind: Mapped[str] = mapped_column(sa.String(64), nullable=False)  # e.g. "delete_file"
    target: Mapped[str] = mapped_column(sa.String(128), nullable=False)  # the OpenAI id
    status: Mapped[str] = mapped_column(sa.String(16), nullable=False, default=OperationStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False,
                                                         default=utcnow)
    payload: Mapped[dict] = mapped_column(JSONType, nullable=False, default=dict)
    # The worker that took it last ("host pid N (celery)") and when: while it is running, who
    # holds it and since when.
    claimed_by: Mapped[str | None] = mapped_column(sa.String(255))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow,
                                                    onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<RemoteOperation {self.id} {self.kind} {self.target} {self.status}>"


class VectorStoreListing(Base):
    """Where each page of a vector store's file list begins, from the plugin's last full listing
    of it (a sync check, pull, push or import): the ``after`` cursor of every page but the
    first, in the order OpenAI lists the files (``order=asc``, ``page_size`` a page).

    Knowing them, the next sync check asks for every page at once instead of one after another.
    A stale row costs only speed, never accuracy: the listing then goes on page by page from
    where the store changed, and the row is updated."""

    __tablename__ = "ocs_vector_store_listings"

    vector_store_id: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    page_size: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    file_count: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    page_cursors: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)
    listed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return (f"<VectorStoreListing {self.vector_store_id} {self.file_count} files, "
                f"{len(self.page_cursors) + 1} pages>")


def attach_to(host_metadata: sa.MetaData) -> None:
    """Copy the plugin's tables into the host's metadata (idempotent).

    Raises ``ValueError`` if the host already has a different table under one of our names.
    """
    for table in metadata.sorted_tables:
        existing = host_metadata.tables.get(table.key)
        if existing is None:
            table.to_metadata(host_metadata)
        elif set(existing.columns.keys()) != set(table.columns.keys()):
            raise ValueError(f"the host's metadata already has a different table {table.key!r}")
