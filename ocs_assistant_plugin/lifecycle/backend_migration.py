"""Moving assistants to the ``responses`` backend (DESIGN 1.4): the Assistants API is sunset.

:func:`migrate_backend` takes every assistant and version (of one team, or of all) that is still on
the ``assistants`` backend and, one assistant at a time:

1. checks its vector store in OpenAI through the ``responses`` gateway: a store that still exists
   is kept (same id, same file ids; files missing from it are attached, files it holds that the
   assistant does not know are detached, never deleted); a store that is gone (or missing while
   file_search is on) is created again by the gateway's ``push``; code_interpreter files are kept
   as they are (their ids travel with each ``responses.create`` call);
2. checks that the assistant makes a valid Responses request (:func:`~.remote.build_request`);
3. in one transaction, under a row lock: sets ``backend = "responses"``, forgets the remote
   assistant's ``openai_id`` and records its deletion in the outbox (:mod:`.operations`);
4. after every commit, :func:`~.operations.dispatch` carries the deletions out.

Local ids never change, so nothing a host references changes. A failure (OpenAI down while the
store is checked, a configuration the Responses API refuses) is reported for that assistant and
leaves it exactly as it was; the others go on. Archived assistants are skipped: archiving already
deleted what they had in OpenAI. Running it again changes nothing ("already on responses").
With ``dry_run`` the same checks run (reads only) and the report says what would change.

The reverse (``to="assistants"``) is refused: the Assistants API is sunset.
"""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from ..outbox import queue as operations
from .assistants import commit_or_undo, leftovers_recorded, spec_for
from ..errors import InvalidInput, PluginError, RemoteNotFound
from ..models import Assistant, utcnow
from ..remote.base import AssistantSpec
from ..remote.responses import build_request

log = logging.getLogger(__name__)

TARGETS = ("responses",)
MIGRATED, ALREADY, SKIPPED, FAILED = "migrated", "already", "skipped", "failed"
OUTCOMES = (MIGRATED, ALREADY, SKIPPED, FAILED)
#: Stands in for the store id while a store still has to be created (request check only).
_PENDING_STORE = "vs_pending_migration"

#: ``progress(item, done, total)``: called once with ``(None, 0, total)`` before the first
#: assistant, then after each one with its :class:`MigrationItem`.
Progress = Callable[["MigrationItem | None", int, int], None]


@dataclass
class MigrationItem:
    """What happened (or, in a dry run, would happen) to one assistant or version."""

    assistant_id: int
    team_id: int
    name: str
    is_version: bool
    version_number: int | None
    outcome: str
    reason: str = ""
    changes: list[str] = field(default_factory=list)
    previous_openai_id: str | None = None
    vector_store_id: str | None = None
    operation_id: int | None = None  # the outbox row deleting the remote assistant


@dataclass
class MigrationReport:
    """The result of :func:`migrate_backend`: one item per assistant considered, in id order."""

    to: str
    dry_run: bool
    team_id: int | None
    items: list[MigrationItem] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {outcome: sum(1 for i in self.items if i.outcome == outcome)
                for outcome in OUTCOMES}

    @property
    def failed(self) -> list[MigrationItem]:
        return [i for i in self.items if i.outcome == FAILED]


def migrate_backend(deps, to: str, *, team_id: int | None = None, dry_run: bool = False,
                    progress: Progress | None = None) -> MigrationReport:
    """Move every assistant and version (of ``team_id``, or of all teams) to backend ``to``.

    Raises :class:`~.errors.InvalidInput` (naming ``to``) for a backend it cannot move to;
    per-assistant failures are items with outcome ``failed``, never exceptions."""
    if to not in TARGETS:
        if to == "assistants":
            raise InvalidInput(
                "Assistants cannot be moved back to the 'assistants' backend: OpenAI sunset the "
                "Assistants API on 2026-08-26. Only --to responses is supported.",
                {"to": ["only 'responses' is supported (the Assistants API is sunset)"]})
        raise InvalidInput(f"Unknown backend {to!r}: use 'responses'.",
                           {"to": ["must be 'responses'"]})
    session = deps.session
    query = sa.select(Assistant.id).order_by(Assistant.team_id, Assistant.id)
    if team_id is not None:
        query = query.where(Assistant.team_id == team_id)
    ids = list(session.execute(query).scalars())
    session.rollback()  # hold no transaction between assistants

    report = MigrationReport(to=to, dry_run=dry_run, team_id=team_id)
    if progress is not None:
        progress(None, 0, len(ids))
    for done, assistant_id in enumerate(ids, start=1):
        item = _migrate_one(deps, assistant_id, to, dry_run)
        report.items.append(item)
        if progress is not None:
            progress(item, done, len(ids))
    if any(item.operation_id is not None for item in report.items):
        operations.dispatch(deps)
    return report


def _migrate_one(deps, assistant_id: int, to: str, dry_run: bool) -> MigrationItem:
    session = deps.session
    query = sa.select(Assistant).where(Assistant.id == assistant_id)
    if not dry_run:
        # Serialises with edits, releases and archiving of this assistant (PostgreSQL).
        query = query.with_for_update()
    assistant = session.execute(query).scalar_one_or_none()
    if assistant is None:  # deleted since it was listed
        session.rollback()
        return MigrationItem(assistant_id=assistant_id, team_id=0, name="", is_version=False,
                             version_number=None, outcome=FAILED,
                             reason=f"Assistant {assistant_id} no longer exists.")
    item = MigrationItem(assistant_id=assistant.id, team_id=assistant.team_id,
                         name=assistant.name, is_version=bool(assistant.is_version),
                         version_number=assistant.version_number, outcome=MIGRATED,
                         vector_store_id=assistant.vector_store_id)
    if assistant.archived:
        item.outcome, item.reason = SKIPPED, "archived"
    elif assistant.backend == to:
        item.outcome, item.reason = ALREADY, f"already on {to}"
    else:
        item.previous_openai_id = assistant.openai_id
        try:
            _move(deps, assistant, to, item, dry_run)
        except PluginError as exc:
            item.outcome, item.reason = FAILED, exc.message
        except SQLAlchemyError as exc:  # the commit was refused: nothing was saved
            item.outcome, item.reason = FAILED, f"The database refused the change: {exc}"
        if item.outcome == FAILED:
            item.operation_id = None
            log.warning("assistant %s not moved to %s: %s", assistant_id, to, item.reason)
    if item.outcome != MIGRATED or dry_run:
        session.rollback()  # release the row lock; in a dry run, drop every change
    return item


def _move(deps, assistant: Assistant, to: str, item: MigrationItem, dry_run: bool) -> None:
    """Check (and unless ``dry_run`` fix) the store, then switch the backend and queue the
    deletion of the remote assistant, committing both together."""
    session = deps.session
    gateway = deps.gateways.gateway(to, assistant.team_id)
    spec = spec_for(assistant)
    store_change = _store_change(gateway.storage, spec)
    # Refuse now what the Responses API would refuse on every call (e.g. a json_schema format
    # without a name), before anything changes.
    build_request(dataclasses.replace(spec,
                                      vector_store_id=spec.vector_store_id or _PENDING_STORE))
    if store_change:
        item.changes.append(store_change)
    remote_to_delete = assistant.openai_id if assistant.openai_id and not _still_used_remotely(
        session, assistant) else None
    if remote_to_delete:
        item.changes.append(f"delete the remote assistant {remote_to_delete} (outbox)")
    elif assistant.openai_id:
        item.changes.append(f"keep the remote assistant {assistant.openai_id} (another "
                            "assistant here still uses it)")
    item.changes.append(f"backend {assistant.backend} -> {to}")
    if dry_run:
        return

    with leftovers_recorded(deps, gateway, assistant.team_id,
                            f"moving assistant {assistant.id} to the {to} backend"):
        _switch(deps, assistant, to, item, gateway, spec, store_change, remote_to_delete)


def _switch(deps, assistant, to, item, gateway, spec, store_change, remote_to_delete) -> None:
    session = deps.session
    created_store = None
    if store_change:
        result = gateway.push(spec, store_name=assistant.name)
        if result.created_vector_store:
            created_store = result.vector_store_id
        assistant.vector_store_id = result.vector_store_id
    assistant.backend = to
    assistant.openai_id = None
    assistant.pushed_at = utcnow()
    assistant.refresh_content_hash()
    operation = None
    if remote_to_delete:
        operation = operations.enqueue(
            deps, operations.DELETE_ASSISTANT, remote_to_delete, team_id=assistant.team_id,
            payload={"backend": "assistants",
                     "reason": f"assistant {assistant.id} moved to the {to} backend"})

    def undo():
        if created_store:
            gateway.storage.discard_vector_store(created_store)

    commit_or_undo(session, undo=undo)
    item.vector_store_id = assistant.vector_store_id
    item.operation_id = operation.id if operation is not None else None


def _still_used_remotely(session, assistant: Assistant) -> bool:
    """Another unarchived assistant still on the ``assistants`` backend uses the same remote
    assistant (the same OpenAI assistant imported into two teams): it must stay until the last
    one moves."""
    return session.execute(sa.select(Assistant.id).where(
        Assistant.openai_id == assistant.openai_id, Assistant.id != assistant.id,
        Assistant.backend == "assistants", Assistant.archived.is_(False)).limit(1)).first() \
        is not None


def _store_change(storage, spec: AssistantSpec) -> str | None:
    """What the ``responses`` push would change in the assistant's vector store (reads only), or
    None when the store already holds exactly its file_search files. Raises ``Remote*`` when
    OpenAI cannot be asked."""
    if not spec.vector_store_id:
        return "create a vector store" if spec.uses_vector_store else None
    try:
        current = storage.list_vector_store_file_ids(spec.vector_store_id)
    except RemoteNotFound:
        if spec.uses_vector_store:
            return f"create a new vector store (vector store {spec.vector_store_id} is gone)"
        return f"forget vector store {spec.vector_store_id} (gone, and file_search is off)"
    wanted = set(spec.file_search_file_ids)
    attach = len(wanted - set(current))
    detach = len(set(current) - wanted)
    if not (attach or detach):
        return None
    parts = []
    if attach:
        parts.append(f"attach {attach} file{'s' if attach != 1 else ''}")
    if detach:
        parts.append(f"detach {detach} file{'s' if detach != 1 else ''} not known here")
    return f"{' and '.join(parts)} in vector store {spec.vector_store_id}"
