"""The event hooks a host fires join the host's transaction (DESIGN 5.1).

``ocs_release`` and ``ocs_reference_archived`` only flush: their rows stand if the host commits
and vanish if it rolls back. Some work must still happen *after* the host's transaction ends,
whichever way it ends; this module arranges it with SQLAlchemy session events
(:func:`listen`):

- **Dispatch**: operations recorded in the transaction are handed to the task backend once it
  commits (:func:`dispatch_after_commit`), never before: a worker must not look for rows it
  cannot see yet.
- **Clones of a release**: every clone attempt carries a random tag in OpenAI and first records
  its *intent* (:func:`record_clone_attempt`): a ``sweep_release_clone`` operation that deletes
  whatever carries the tag and no committed local row holds. On PostgreSQL the intent is
  committed *before* the clone request, on a connection of its own, due only after the attempt
  could have landed; so even a process that dies in the middle of the host's transaction leaves
  it behind (and a sweep that comes due while the release still holds its row locks waits for
  them, :func:`~.queue.carry_out`). When the host's transaction ends, a commit forgets the
  intents of the clones its versions hold and makes the others (answers lost, clones the
  release undid itself) due at once; a rollback makes them all due at once. On SQLite a second
  connection cannot write while the host holds the database's writer lock, so the intents are
  written when the host's transaction ends, right after its commit or rollback.
- **Clean-ups**: a deletion that failed while a release undid itself is recorded when the
  transaction ends, whichever way (the object exists either way).
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..models import RemoteOperation, utcnow
from . import queue

if TYPE_CHECKING:
    from ..lifecycle import Dependencies

log = logging.getLogger(__name__)

# Keys in ``session.info``: what the transaction left for its end.
_ATTEMPTS = "ocs_assistants_clone_attempts"
_CLEAN_UPS = "ocs_assistants_clean_ups"
_DISPATCH = "ocs_assistants_dispatch"
_OUTCOME = "ocs_assistants_outcome"


@dataclass
class CloneAttempt:
    """One clone request of a release: what it may have made in OpenAI carries ``tag``."""

    deps: "Dependencies"
    tag: str
    backend: str
    team_id: int
    working_id: int
    since: float  # Unix time a sweep looks back to
    until: float  # Unix time after which OpenAI can no longer be making it
    operation_id: int | None = None  # the intent, committed already (PostgreSQL)
    kept: bool = False  # a version row of this release holds what it made
    resolved: bool = False  # nothing of it can be left: refused for sure, or deleted already

    def values(self, due: dt.datetime) -> dict:
        now = utcnow()
        return {"team_id": self.team_id, "kind": queue.SWEEP_RELEASE_CLONE, "target": self.tag,
                "status": queue.PENDING, "attempts": 0, "next_attempt_at": due,
                "payload": {"backend": self.backend, "since": self.since, "until": self.until,
                            "working_id": self.working_id, "reason": "release clone"},
                "created_at": now, "updated_at": now}


@dataclass(frozen=True)
class CleanUp:
    """A deletion that failed while a release undid itself."""

    deps: "Dependencies" = field(repr=False)
    kind: str
    target: str
    backend: str
    team_id: int
    error: str


def listen() -> None:
    """Watch every session for the ends of transactions (idempotent). The handlers act only on
    what this module left in ``session.info``."""
    for name, handler in (("after_commit", _after_commit), ("after_rollback", _after_rollback),
                          ("after_transaction_end", _after_transaction_end)):
        if not sa.event.contains(Session, name, handler):
            sa.event.listen(Session, name, handler)


def dispatch_after_commit(deps: "Dependencies") -> None:
    """Have the operations recorded in the current transaction carried out once it commits."""
    deps.session.info[_DISPATCH] = deps


def record_clone_attempt(deps: "Dependencies", *, tag: str, backend: str, team_id: int,
                         working_id: int, since: float, until: float) -> CloneAttempt:
    """Before a clone request: the intent to sweep ``tag`` unless a committed row holds what it
    made. Committed at once on PostgreSQL; on SQLite written when the transaction ends."""
    attempt = CloneAttempt(deps, tag, backend, team_id, working_id, since, until)
    engine = _engine(deps.session)
    if engine.dialect.name != "sqlite":
        due = dt.datetime.fromtimestamp(until, dt.timezone.utc)
        table = RemoteOperation.__table__
        with engine.begin() as connection:
            attempt.operation_id = connection.execute(
                sa.insert(table).values(**attempt.values(due)).returning(table.c.id)
            ).scalar_one()
    deps.session.info.setdefault(_ATTEMPTS, []).append(attempt)
    return attempt


def record_clean_up(deps: "Dependencies", *, kind: str, target: str, backend: str,
                    team_id: int, error: str) -> None:
    """A deletion that failed while a release undid itself: recorded in the outbox when the
    transaction ends, whether it commits or rolls back, due after the first backoff."""
    deps.session.info.setdefault(_CLEAN_UPS, []).append(
        CleanUp(deps, kind, target, backend, team_id, error))


def _engine(session):
    return session.get_bind(mapper=sa.inspect(RemoteOperation))


def _after_commit(session) -> None:
    session.info[_OUTCOME] = "commit"


def _after_rollback(session) -> None:
    if not session.in_nested_transaction():
        session.info[_OUTCOME] = "rollback"


def _after_transaction_end(session, transaction) -> None:
    if transaction.parent is not None or transaction.nested:
        return  # a savepoint or a subtransaction: the host's transaction goes on
    info = session.info
    if not any(key in info for key in (_ATTEMPTS, _CLEAN_UPS, _DISPATCH)):
        info.pop(_OUTCOME, None)
        return
    committed = info.pop(_OUTCOME, "rollback") == "commit"
    attempts = info.pop(_ATTEMPTS, [])
    clean_ups = info.pop(_CLEAN_UPS, [])
    deps = info.pop(_DISPATCH, None)
    engine = _engine(session)
    if clean_ups:
        try:
            _record_clean_ups(engine, clean_ups)
        except Exception:  # the outbox cannot be reached: the ids are in the log for an operator
            log.exception("could not record the clean-up of a failed release; delete these in "
                          "OpenAI by hand: %s", ", ".join(f"{c.kind} {c.target}" for c in clean_ups))
        deps = deps or clean_ups[0].deps
    if attempts:
        try:
            swept = _settle(engine, attempts, committed)
        except Exception:
            log.exception("could not record the sweeps of release clones tagged %s",
                          ", ".join(a.tag for a in attempts if not (committed and a.kept)))
            swept = True
        if swept:
            deps = deps or attempts[0].deps
    if deps is not None and (committed or clean_ups or attempts):
        # In a context (and so a session) of its own: this session is ending, maybe being
        # closed, and must not start another transaction (the ``eager`` backend runs SQL).
        with deps.app_context():
            queue.dispatch(deps)


def _record_clean_ups(engine, clean_ups: list[CleanUp]) -> None:
    now = utcnow()
    with engine.begin() as connection:
        connection.execute(sa.insert(RemoteOperation.__table__), [
            {"team_id": c.team_id, "kind": c.kind, "target": c.target, "status": queue.PENDING,
             "attempts": 1, "last_error": c.error,
             "next_attempt_at": now + queue.backoff(c.deps.settings.outbox, 1),
             "payload": {"backend": c.backend, "reason": "failed release"},
             "created_at": now, "updated_at": now}
            for c in clean_ups])


def _settle(engine, attempts: list[CloneAttempt], committed: bool) -> bool:
    """After the host's transaction: sweep now what no committed row holds; forget the rest.
    Returns whether anything is to be swept."""
    table = RemoteOperation.__table__
    now = utcnow()
    needless = [a for a in attempts if (committed and a.kept) or (a.resolved and not a.kept)]
    orphans = [a for a in attempts if a not in needless]
    with engine.begin() as connection:
        forgotten = [a.operation_id for a in needless if a.operation_id is not None]
        if forgotten:  # nothing to sweep: forgotten, not listed as work done
            connection.execute(sa.delete(table).where(table.c.id.in_(forgotten),
                                                      table.c.status == queue.PENDING))
        due = [a.operation_id for a in orphans if a.operation_id is not None]
        if due:
            connection.execute(sa.update(table).where(table.c.id.in_(due),
                                                      table.c.status == queue.PENDING)
                               .values(next_attempt_at=now, updated_at=now))
        new = [a.values(now) for a in orphans if a.operation_id is None]
        if new:
            connection.execute(sa.insert(table), new)
    if orphans:
        log.warning("%d release clone(s) not kept (%s): their sweeps are due", len(orphans),
                    "answers lost or undone" if committed else "the transaction rolled back")
    return bool(orphans)
