"""The remote-operations outbox (DESIGN 1.3): remote deletions that must happen, durably.

A service that needs something deleted in OpenAI records a :class:`~.models.RemoteOperation`
with :func:`enqueue` in the same transaction as its own change, commits, then calls
:func:`dispatch` (or :func:`run_now`, to try them before answering). The table is the source
of truth; whatever carries the operations out may die at any moment and a later run finishes
the job.

How an operation moves::

    pending --claim--> running --OpenAI confirms (404 too)--> done
                          |------fails, attempts < max------> pending (next_attempt_at later)
                          |------fails, attempts = max------> failed  (``retry`` -> pending)
                          '------worker died (lease over)---> pending

- **Claiming** is atomic: on PostgreSQL the due rows are selected ``FOR UPDATE SKIP LOCKED``
  (several workers never wait on each other); everywhere a row is taken with a conditional
  ``UPDATE ... SET status='running' WHERE status='pending'``, so two workers never both claim it.
  A claim counts one attempt and sets ``next_attempt_at`` to the end of its *lease*
  (``OCS_ASSISTANTS_OPERATIONS_LEASE`` seconds): a ``running`` row whose lease is over belongs to
  a worker that died, and goes back to ``pending``.
- **Carrying out**: claimed operations run concurrently (at most
  ``OCS_ASSISTANTS_OPERATIONS_CONCURRENCY``, 16 by default), outside any database transaction.
  A worker claims up to as many again ahead, which start the moment a slot is free, so the
  slots never wait while it records results and claims more; a worker told to stop gives back
  what it claimed ahead and had not started. A result is recorded only if the row is still the
  claim that ran it (same ``attempts``).
- **Backoff**: a failure waits what OpenAI asked for (``Retry-After``) or else
  ``OPERATIONS_RETRY_DELAY * 2**(attempts-1)`` seconds, at most ``OPERATIONS_MAX_RETRY_DELAY``;
  after ``OPERATIONS_MAX_ATTEMPTS`` attempts it is ``failed`` until retried by hand.

Who runs them (``OCS_ASSISTANTS_TASK_BACKEND``), started by :func:`dispatch` after a commit:

- ``thread`` (default): a daemon thread in the app process
  (:class:`~.thread_worker.ThreadWorker`), started the
  first time it is needed, that also polls every ``OPERATIONS_POLL_INTERVAL`` seconds;
- ``eager``: :func:`run_pending` right away in the calling thread (tests, scripts);
- ``celery``: a message for the task ``ocs_assistant_plugin.run_remote_operations`` run by Celery
  workers, and a periodic sweep in Celery beat (:mod:`.celery_tasks`); the web process carries
  out nothing itself.

``flask assistants operations list|run|retry`` drive the same functions by hand; a host calls
:func:`resume` at start-up so a restarted process finishes what a dead one left.

Operation kinds (``target`` is the OpenAI id; ``payload["backend"]`` picks the gateway,
``assistants`` by default):

- ``delete_assistant``: the remote assistant object;
- ``delete_vector_store``: a vector store (its files stay);
- ``delete_file``: a File (which also leaves every store);
- ``sweep_release_clone``: a release's clone whose answer was lost (connection reset, timeout),
  so OpenAI may or may not have made it: ``target`` is the random token the clone carried in its
  metadata (``ocs_release``) and ``payload["since"]`` the Unix time to look back to; the
  assistants (or, on the ``responses`` backend, the stores) carrying the token are deleted with
  their stores. OpenAI may still be making the copy after the client gave up, so until
  ``payload["until"]`` (Unix time) has passed a sweep that succeeds leaves the operation
  ``pending``, due again at ``until`` (not a failure: no error, no backoff); the sweep run after
  it marks the operation done, whether it found anything or not. Nothing a local row holds is
  deleted: every clone attempt of a release records one (see :mod:`.host_transaction`), and the
  clone a committed version holds stays;
- ``sweep_lost_create``: the same for an assistant or vector store that a create (not a release)
  may have made before its answer was lost: ``target`` is the token the attempt carried in its
  metadata (``ocs_create``); nothing a local row holds is deleted;
- ``sweep_lost_upload``: a File an upload may have made before its answer was lost. Files carry
  no metadata, so ``payload`` holds the ``filename``, the size (``bytes``) and the window
  (``since``, ``created_before``; ``target`` is the attempt's token); at ``until`` (not before: an upload of the same file that
  succeeded meanwhile is saved by then) the files of that name and size created in the window
  that no local row holds are deleted.

:func:`record_leftovers` turns what the remote code noted (lost creates, failed clean-ups: see
:mod:`ocs_assistant_plugin.remote.leftovers`) into these operations.

Every function takes ``deps``, the app's :class:`~ocs_assistant_plugin.lifecycle.Dependencies`
(its session, settings and gateways), handed down by the composition root; nothing here looks up
the Flask app.
"""
from __future__ import annotations

import datetime as dt
import logging
import numbers
import os
import socket
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from ..errors import Conflict, InvalidInput, NotFound, PluginError
from ..models import (
    OPERATION_KINDS,
    OPERATION_STATUSES,
    OperationStatus,
    RemoteOperation,
    is_sqlite_busy,
    utcnow,
)
from ..remote.backoff import retry_delay as backoff_delay
from ..settings import DEFAULTS, OutboxSettings


log = logging.getLogger(__name__)

PENDING, RUNNING, DONE, FAILED = OperationStatus

KINDS = OPERATION_KINDS
(DELETE_ASSISTANT, DELETE_VECTOR_STORE, DELETE_FILE, SWEEP_RELEASE_CLONE, SWEEP_LOST_CREATE,
 SWEEP_LOST_UPLOAD) = KINDS
SWEEPS = (SWEEP_RELEASE_CLONE, SWEEP_LOST_CREATE, SWEEP_LOST_UPLOAD)

#: How long a release-clone sweep waits, again and again, while its release's transaction
#: still holds its row lock (a version committed by it will hold the clone).
RELEASE_IN_FLIGHT_DELAY = dt.timedelta(seconds=60)

#: Longest ``claimed_by`` kept (the column's size).
CLAIMED_BY_MAX = 255

FIRST_RETRY = dt.timedelta(seconds=DEFAULTS["OPERATIONS_RETRY_DELAY"])
MAX_RETRY = dt.timedelta(seconds=DEFAULTS["OPERATIONS_MAX_RETRY_DELAY"])


# -- backoff -----------------------------------------------------------------------------------------


def retry_delay(attempts: int, *, first: dt.timedelta = FIRST_RETRY,
                maximum: dt.timedelta = MAX_RETRY,
                retry_after: float | None = None) -> dt.timedelta:
    """:func:`~ocs_assistant_plugin.remote.backoff.retry_delay` with the outbox's default
    delays."""
    return backoff_delay(attempts, first=first, maximum=maximum, retry_after=retry_after)


def backoff(settings: OutboxSettings, attempts: int,
            retry_after: float | None = None) -> dt.timedelta:
    """:func:`retry_delay` with the app's outbox settings."""
    return retry_delay(attempts, first=settings.retry_delay, maximum=settings.max_retry_delay,
                       retry_after=retry_after)


# -- recording -----------------------------------------------------------------------------------------


def enqueue(deps, kind: str, target: str, *, team_id: int | None, payload: dict | None = None,
            last_error: str | None = None) -> RemoteOperation:
    """Record a pending operation in the current session (the caller commits, then calls
    :func:`dispatch`).

    ``last_error``: the operation was already tried once and failed with this message; the next
    attempt is then due after the first backoff delay, otherwise at once."""
    if kind not in KINDS:
        raise ValueError(f"unknown remote operation kind {kind!r}")
    if not target or not isinstance(target, str):
        raise ValueError(f"a remote operation needs the OpenAI id of its target, got {target!r}")
    operation = RemoteOperation(team_id=team_id, kind=kind, target=target, status=PENDING,
                                payload=dict(payload or {}))
    if last_error is not None:
        operation.attempts = 1
        operation.last_error = last_error
        operation.next_attempt_at = utcnow() + backoff(deps.settings.outbox, 1)
    else:
        operation.attempts = 0
        operation.next_attempt_at = utcnow()
    deps.session.add(operation)
    return operation


def record_leftovers(deps, noted: list, *, team_id: int | None, backend: str,
                     reason: str) -> list[RemoteOperation]:
    """Record in the current session what a change may have left in OpenAI (the
    :class:`~ocs_assistant_plugin.remote.leftovers.Leftover` s noted by the remote code): a
    failed clean-up is retried after the first backoff, a sweep is due at once. ``noted`` is
    emptied, so nothing is recorded twice. The caller commits, then calls :func:`dispatch`."""
    recorded = []
    while noted:
        leftover = noted.pop(0)
        recorded.append(enqueue(deps, leftover.kind, leftover.target, team_id=team_id,
                                last_error=leftover.error,
                                payload={**leftover.payload, "backend": backend,
                                         "reason": reason}))
    return recorded


# -- running -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """What a worker needs to carry out one claimed operation, detached from the session."""

    id: int
    kind: str
    target: str
    team_id: int | None
    backend: str
    attempts: int  # including this one: the result is recorded only if the row still says so
    payload: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    claim: Claim
    error: str | None = None  # None: done (or, with ``again_at``, due again then)
    retry_after: float | None = None
    again_at: dt.datetime | None = None  # succeeded, but must run once more at this time


def requeue_stale(deps, *, now: dt.datetime | None = None) -> int:
    """Give ``running`` operations whose lease is over (their worker died) back to ``pending``,
    or ``failed`` when they have used every attempt. Returns how many."""
    session = deps.session
    at = now or utcnow()
    settings = deps.settings.outbox
    stale = (RemoteOperation.status == RUNNING) & (RemoteOperation.next_attempt_at <= at)
    message = "The worker stopped before OpenAI answered (attempt interrupted)."
    try:
        failed = session.execute(
            sa.update(RemoteOperation)
            .where(stale, RemoteOperation.attempts >= settings.max_attempts)
            .values(status=FAILED, last_error=message)).rowcount
        requeued = session.execute(
            sa.update(RemoteOperation).where(stale).values(status=PENDING, last_error=message)
        ).rowcount
        session.commit()
    except OperationalError as exc:
        session.rollback()
        if not is_sqlite_busy(session, exc):
            raise
        return 0
    if failed or requeued:
        log.warning("%d interrupted remote operation(s) back to pending, %d failed",
                    requeued, failed)
    return failed + requeued


def worker_name(kind: str = "in process") -> str:
    """Who is carrying an operation out, as the operations page shows it: the machine, the
    process and what runs there (``thread`` worker, ``celery`` worker, ``cli``, or ``in
    process`` for a service trying its own operations at once)."""
    return f"{socket.gethostname()} pid {os.getpid()} ({kind})"


def count_due(deps, *, now: dt.datetime | None = None) -> int:
    """How many pending operations are due at ``now`` (default: the clock)."""
    return deps.session.execute(
        sa.select(sa.func.count()).select_from(RemoteOperation)
        .where(RemoteOperation.status == PENDING,
               RemoteOperation.next_attempt_at <= (now or utcnow()))).scalar_one()


def claim_due(deps, *, now: dt.datetime | None = None, limit: int | None = None,
              exclude=(), ids=None, worker: str | None = None) -> list[Claim]:
    """Atomically take up to ``limit`` pending operations that are due at ``now`` (or, with
    ``ids``, those operations whatever their schedule), mark them ``running`` and commit.

    ``worker`` (default :func:`worker_name`) and the time are kept on each row
    (``claimed_by``, ``claimed_at``) so an operator sees who holds a running operation.

    Safe with several workers: PostgreSQL skips rows another worker has locked, and the
    conditional ``UPDATE`` lets exactly one worker move a row from pending to running."""
    session = deps.session
    settings = deps.settings.outbox
    at = now or utcnow()
    limit = settings.concurrency if limit is None else limit
    worker = (worker or worker_name())[:CLAIMED_BY_MAX]
    if limit <= 0:
        return []
    query = sa.select(RemoteOperation.id).where(RemoteOperation.status == PENDING)
    if ids is not None:
        query = query.where(RemoteOperation.id.in_(list(ids)))
    else:
        query = query.where(RemoteOperation.next_attempt_at <= at)
    if exclude:
        query = query.where(RemoteOperation.id.not_in(list(exclude)))
    query = query.order_by(RemoteOperation.next_attempt_at, RemoteOperation.id).limit(limit)
    dialect = session.get_bind().dialect
    if dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    take = (sa.update(RemoteOperation)
            .values(status=RUNNING, attempts=RemoteOperation.attempts + 1,
                    next_attempt_at=at + settings.lease, claimed_by=worker, claimed_at=utcnow())
            .execution_options(synchronize_session=False))  # committed right after
    columns = (RemoteOperation.id, RemoteOperation.kind, RemoteOperation.target,
               RemoteOperation.team_id, RemoteOperation.payload, RemoteOperation.attempts)
    try:
        if dialect.update_returning:
            # The rows this worker moved from pending to running, as they are now. PostgreSQL
            # locks its candidates first: inside the UPDATE a SKIP LOCKED subquery may be run
            # again and pass the limit; SQLite runs the whole claim as one statement.
            if dialect.name == "postgresql":
                candidates = session.execute(query).scalars().all()
                chosen = RemoteOperation.id.in_(candidates)
            else:
                candidates, chosen = True, RemoteOperation.id.in_(query.scalar_subquery())
            rows = session.execute(
                take.where(chosen, RemoteOperation.status == PENDING).returning(*columns)
            ).all() if candidates else []
        else:  # no UPDATE ... RETURNING: one conditional UPDATE per row, then read them back
            taken = [operation_id for operation_id in session.execute(query).scalars().all()
                     if session.execute(take.where(RemoteOperation.id == operation_id,
                                                   RemoteOperation.status == PENDING)
                                        ).rowcount == 1]
            rows = session.execute(sa.select(*columns).where(RemoteOperation.id.in_(taken))
                                   ).all() if taken else []
        session.commit()
    except OperationalError as exc:
        session.rollback()
        if not is_sqlite_busy(session, exc):
            raise
        log.info("remote operations not claimed: the database is busy (%s)", exc.orig)
        return []
    return [Claim(id=row.id, kind=row.kind, target=row.target, team_id=row.team_id,
                  backend=(row.payload or {}).get("backend", "assistants"), attempts=row.attempts,
                  payload=dict(row.payload or {}))
            for row in sorted(rows, key=lambda row: row.id)]


def run_pending(deps, *, now: dt.datetime | None = None, limit: int = 100,
                ids=None, stop: threading.Event | None = None,
                worker: str | None = None) -> list[RemoteOperation]:
    """Carry out up to ``limit`` operations that are due at ``now`` (default: the clock), or
    with ``ids`` exactly those pending operations even if not yet due.

    Each operation is tried at most once per call. At most
    ``OCS_ASSISTANTS_OPERATIONS_CONCURRENCY`` run at the same time; so that none of them waits
    on the database, up to as many more are claimed ahead and start the moment one finishes,
    while this thread records the finished ones' results and claims the next. Once ``stop`` is
    set nothing new is claimed or started: the operations in flight finish, and those claimed
    ahead that had not started are given back (pending again, that attempt not counted).
    Returns the operations tried, as they are now (``done``, or ``pending`` with a later
    ``next_attempt_at``, or ``failed``)."""
    session = deps.session
    requeue_stale(deps, now=now)
    tried = _Carrier(deps, now=now, stop=stop, worker=worker).run(limit, ids)
    if not tried:
        return []
    rows = session.execute(sa.select(RemoteOperation).where(RemoteOperation.id.in_(tried))
                           .execution_options(populate_existing=True)).scalars().all()
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in tried if i in by_id]


class _Carrier:
    """One :func:`run_pending` pass: claimed operations carried out on a pool of
    ``concurrency`` threads, with at most ``concurrency`` more claimed ahead (queued in the
    pool). The database is only touched from the calling thread, which has the app context; so
    are the gateways (and so the host's ``ocs_openai_client`` hook). Only the HTTP calls run in
    the pool."""

    def __init__(self, deps, *, now: dt.datetime | None, stop: threading.Event | None,
                 worker: str | None):
        self.deps, self.settings = deps, deps.settings.outbox
        self.now, self.stop, self.worker = now, stop, worker
        self.halted = threading.Event()  # set on stop, and if this thread fails
        self.gateways: dict[tuple[str, int | None], object] = {}
        self.failures: dict[tuple[str, int | None], PluginError] = {}

    def stopped(self) -> bool:
        if self.stop is not None and self.stop.is_set():
            self.halted.set()
        return self.halted.is_set()

    def run(self, limit: int, ids) -> list[int]:
        """Claim, carry out and record up to ``limit`` operations; returns the ids tried."""
        concurrency = max(1, self.settings.concurrency)
        tried: list[int] = []
        finished: list[Outcome] = []  # results not yet recorded
        not_started: list[Claim] = []
        in_flight: set = set()  # started or queued in the pool
        exhausted = False
        with ThreadPoolExecutor(max_workers=concurrency,
                                thread_name_prefix="ocs-remote-operations") as pool:
            try:
                while True:
                    if (not exhausted and len(in_flight) <= concurrency and len(tried) < limit
                            and not self.stopped()):
                        self.record(finished)
                        at = self.now or utcnow()
                        wanted = min(2 * concurrency - len(in_flight), limit - len(tried))
                        claims = claim_due(self.deps, now=at, limit=wanted, exclude=tried,
                                           ids=ids, worker=self.worker)
                        exhausted = len(claims) < wanted  # nothing more is due now
                        perform = self.performer(claims, at)
                        for claim in claims:
                            tried.append(claim.id)
                            in_flight.add(pool.submit(self.start, perform, claim))
                    if not in_flight:
                        break
                    done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in done:
                        outcome = future.result()
                        if isinstance(outcome, Outcome):
                            finished.append(outcome)
                        else:
                            not_started.append(outcome)
            finally:
                self.halted.set()  # on a failure here, whatever is still queued never starts
        self.record(finished)
        if not_started:
            give_back(self.deps, not_started, now=self.now)
        return tried

    def start(self, perform, claim: Claim) -> Outcome | Claim:
        """In the pool: carry ``claim`` out, unless the worker was told to stop before its turn
        came (then the claim itself comes back, not started)."""
        if self.stopped():
            return claim
        return perform(claim)

    def record(self, outcomes: list[Outcome]) -> None:
        if outcomes:
            _record(self.deps, outcomes, self.now or utcnow(), self.settings)
            outcomes.clear()

    def performer(self, claims: list[Claim], at: dt.datetime):
        """``perform(claim) -> Outcome``, with the gateways ``claims`` need asked for here."""
        for claim in claims:
            key = (claim.backend, claim.team_id)
            if key in self.gateways or key in self.failures:
                continue
            try:
                self.gateways[key] = self.deps.gateways.gateway(claim.backend, claim.team_id)
            except PluginError as exc:  # no client for the team, unknown backend: retried later
                self.failures[key] = exc
        in_flight = _releases_in_flight(self.deps, claims)
        held = _held_ids(self.deps) if any(c.kind in SWEEPS for c in claims) else frozenset()
        gateways, failures = self.gateways, self.failures

        def perform(claim: Claim) -> Outcome:
            key = (claim.backend, claim.team_id)
            if claim.id in in_flight:  # its release may still commit: look once it has ended
                return Outcome(claim, again_at=at + RELEASE_IN_FLIGHT_DELAY)
            if key in failures:
                return Outcome(claim, failures[key].message)
            try:
                again_at = _perform(gateways[key], claim, at, held.__contains__)
            except PluginError as exc:
                return Outcome(claim, exc.message, getattr(exc, "retry_after", None))
            except Exception as exc:  # a bug or an unexpected library error: keep it on the row
                log.exception("remote operation %s (%s %s) failed unexpectedly", claim.id,
                              claim.kind, claim.target)
                return Outcome(claim, f"Unexpected error: {exc!r}")
            return Outcome(claim, again_at=again_at)

        return perform


def give_back(deps, claims: list[Claim], *, now: dt.datetime | None = None) -> None:
    """Return claims that were never started (their worker was told to stop) to ``pending``,
    due at ``now``, without counting the attempt; only rows still held by these claims."""
    session = deps.session
    by_attempts: dict[int, list[int]] = {}
    for claim in claims:
        by_attempts.setdefault(claim.attempts, []).append(claim.id)
    try:
        for attempts, ids in by_attempts.items():
            session.execute(
                sa.update(RemoteOperation)
                .where(RemoteOperation.id.in_(ids), RemoteOperation.status == RUNNING,
                       RemoteOperation.attempts == attempts)
                .values(status=PENDING, attempts=attempts - 1, next_attempt_at=now or utcnow())
                .execution_options(synchronize_session=False))
        session.commit()
    except OperationalError as exc:
        session.rollback()
        if not is_sqlite_busy(session, exc):
            raise
        log.warning("could not give back %d unstarted remote operation(s), the database is "
                    "busy; they are retaken when their lease ends: %s", len(claims), exc.orig)


def _releases_in_flight(deps, claims: list[Claim]) -> set[int]:
    """The release-clone sweeps whose release still holds its row lock on the working
    assistant (PostgreSQL): its transaction has not ended, so whether a version will hold the
    clone is not known yet. Elsewhere the sweep is only recorded once the transaction ended."""
    waiting = {c.id: c.payload["working_id"] for c in claims
               if c.kind == SWEEP_RELEASE_CLONE and isinstance(c.payload.get("working_id"), int)}
    session = deps.session
    if not waiting or session.get_bind().dialect.name != "postgresql":
        return set()
    from ..models import Assistant

    try:
        free = set(session.execute(
            sa.select(Assistant.id).where(Assistant.id.in_(set(waiting.values())))
            .with_for_update(skip_locked=True)).scalars())
        # rows that no longer exist are not locked either
        existing = set(session.execute(
            sa.select(Assistant.id).where(Assistant.id.in_(set(waiting.values())))).scalars())
    finally:
        session.rollback()  # only a look: let go of the locks at once
    return {claim_id for claim_id, working_id in waiting.items()
            if working_id in existing and working_id not in free}


def _held_ids(deps) -> frozenset[str]:
    """Every OpenAI id a local row holds (assistants, stores, files; any team, archived or
    not): a sweep never deletes one of them. Read in the calling thread, once per batch."""
    from ..models import Assistant, AssistantFile

    session = deps.session
    ids = set(session.execute(sa.select(Assistant.openai_id)).scalars())
    ids |= set(session.execute(sa.select(Assistant.vector_store_id)).scalars())
    ids |= set(session.execute(sa.select(AssistantFile.openai_id)).scalars())
    ids.discard(None)
    return frozenset(ids)


def _until(claim: Claim) -> dt.datetime | None:
    until = claim.payload.get("until")
    if isinstance(until, numbers.Real) and not isinstance(until, bool):
        return dt.datetime.fromtimestamp(float(until), dt.timezone.utc)
    return None


def _number(claim: Claim, key: str, default: float = 0.0) -> float:
    value = claim.payload.get(key, default)
    return float(value) if isinstance(value, numbers.Real) and not isinstance(value, bool) \
        else default


def _perform(gateway, claim: Claim, at: dt.datetime, held=None) -> dt.datetime | None:
    """One deletion (or sweep); the gateway treats OpenAI's 404 as done. Returns when the
    operation must run again although it succeeded (a sweep before its ``until``), else None."""
    if claim.kind == DELETE_ASSISTANT:
        gateway.delete(claim.target)
    elif claim.kind == DELETE_VECTOR_STORE:
        gateway.storage.delete_vector_store(claim.target)
    elif claim.kind == DELETE_FILE:
        gateway.storage.delete_file(claim.target)
    elif claim.kind == SWEEP_RELEASE_CLONE:
        gateway.sweep_clone(claim.target, float(claim.payload.get("since", 0)), held)
        until = claim.payload.get("until")
        if isinstance(until, numbers.Real) and not isinstance(until, bool):
            final = dt.datetime.fromtimestamp(float(until), dt.timezone.utc)
            if at < final:  # OpenAI may still be making the copy: look once more then
                return final
    elif claim.kind == SWEEP_LOST_CREATE:
        gateway.sweep_lost_create(claim.target, _number(claim, "since"), held)
        final = _until(claim)
        if final is not None and at < final:  # OpenAI may still be making it: look again then
            return final
    elif claim.kind == SWEEP_LOST_UPLOAD:
        final = _until(claim)
        if final is not None and at < final:  # wait until an upload that succeeded is saved
            return final
        gateway.storage.sweep_lost_upload(
            str(claim.payload.get("filename") or ""), int(_number(claim, "bytes")), _number(claim, "since"),
            _number(claim, "created_before", float("inf")), held or (lambda _id: False))
    else:
        raise InvalidInput(f"Unknown remote operation kind {claim.kind!r}.",
                           {"kind": [f"Must be one of {', '.join(KINDS)}."]})


def _record(deps, outcomes: list[Outcome], at: dt.datetime, settings: OutboxSettings) -> None:
    """Save each outcome, only onto the claim that produced it (a row retaken after its lease
    ran out belongs to the newer claim)."""
    session = deps.session
    try:
        # Successes are the bulk: one UPDATE for all those of the same attempt.
        done: dict[int, list[int]] = {}
        for outcome in outcomes:
            if outcome.error is None and outcome.again_at is None:
                done.setdefault(outcome.claim.attempts, []).append(outcome.claim.id)
        for attempts, ids in done.items():
            session.execute(
                sa.update(RemoteOperation)
                .where(RemoteOperation.id.in_(ids), RemoteOperation.status == RUNNING,
                       RemoteOperation.attempts == attempts)
                .values(status=DONE, last_error=None)
                .execution_options(synchronize_session=False))
        for outcome in outcomes:
            claim = outcome.claim
            if outcome.error is None and outcome.again_at is None:
                continue  # recorded above
            if outcome.error is None and outcome.again_at is not None:
                values = {"status": PENDING, "last_error": None,
                          "next_attempt_at": outcome.again_at}
            elif claim.attempts >= settings.max_attempts:
                values = {"status": FAILED, "last_error": outcome.error}
            else:
                delay = retry_delay(claim.attempts, first=settings.retry_delay,
                                    maximum=settings.max_retry_delay,
                                    retry_after=outcome.retry_after)
                values = {"status": PENDING, "last_error": outcome.error,
                          "next_attempt_at": at + delay}
            session.execute(
                sa.update(RemoteOperation)
                .where(RemoteOperation.id == claim.id, RemoteOperation.status == RUNNING,
                       RemoteOperation.attempts == claim.attempts)
                .values(**values).execution_options(synchronize_session=False))
            if outcome.error is not None:
                log.warning("remote operation %s (%s %s) failed, attempt %d -> %s: %s", claim.id,
                            claim.kind, claim.target, claim.attempts, values["status"],
                            outcome.error)
        session.commit()
    except OperationalError as exc:
        session.rollback()
        if not is_sqlite_busy(session, exc):
            raise
        # The rows stay running; their lease runs out and they are tried again (deleting twice
        # is harmless: OpenAI's 404 counts as done).
        log.warning("could not record remote operation results, the database is busy: %s",
                    exc.orig)



# -- by hand (CLI, pages) --------------------------------------------------------------------------------


def get_operation(deps, operation_id: int, *, team_id: int | None = None) -> RemoteOperation:
    query = sa.select(RemoteOperation).where(RemoteOperation.id == operation_id)
    if team_id is not None:
        query = query.where(RemoteOperation.team_id == team_id)
    operation = deps.session.execute(query).scalar_one_or_none()
    if operation is None:
        raise NotFound(f"Remote operation {operation_id} not found.")
    return operation


def list_operations(deps, *, status: str | None = None, team_id: int | None = None,
                    offset: int = 0, limit: int | None = None) -> list[RemoteOperation]:
    """Operations newest first, optionally of one status and one team."""
    if status is not None and status not in OPERATION_STATUSES:
        raise InvalidInput(f"Unknown status {status!r}.",
                           {"status": [f"Must be one of {', '.join(OPERATION_STATUSES)}."]})
    query = sa.select(RemoteOperation)
    if status is not None:
        query = query.where(RemoteOperation.status == status)
    if team_id is not None:
        query = query.where(RemoteOperation.team_id == team_id)
    query = query.order_by(RemoteOperation.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(deps.session.execute(query).scalars())


def retry(deps, operation_ids=None, *, team_id: int | None = None,
          now: dt.datetime | None = None) -> list[RemoteOperation]:
    """Make operations due now with a fresh set of attempts: the given ones (failed or pending;
    409 for one that is running or done), or without ids every failed one. Does not run them:
    :func:`dispatch` (or ``run``) does."""
    session = deps.session
    at = now or utcnow()
    if operation_ids is None:
        operations = list_operations(deps, status=FAILED, team_id=team_id)
    else:
        operations = [get_operation(deps, i, team_id=team_id) for i in operation_ids]
        busy = [o for o in operations if o.status not in (FAILED, PENDING)]
        if busy:
            raise Conflict("Only failed or pending operations can be retried: " + ", ".join(
                f"operation {o.id} is {o.status}" for o in busy) + ".",
                {"id": [f"Operation {o.id} is {o.status}." for o in busy]})
    for operation in operations:
        operation.status = PENDING
        operation.attempts = 0
        operation.next_attempt_at = at
    session.commit()
    return operations


# -- after commit: who runs them ---------------------------------------------------------------------------


def run_now(deps, ids) -> list[RemoteOperation]:
    """Try the given pending operations at once, in the calling thread (a service that has just
    committed them wants OpenAI cleaned up before it answers), then :func:`dispatch` so the
    backend retries those that failed.

    The rows are claimed like a worker claims them: one that a running worker took first is
    left to it, never sent twice. Returns the operations tried, as they are now. On the
    ``celery`` backend nothing is tried here: the workers are told instead."""
    ids = [i for i in ids if i is not None]
    if not ids:
        return []
    if deps.settings.task_backend == "celery":
        dispatch(deps)  # the Celery workers carry them out; the web process does not
        return []
    tried = run_pending(deps, ids=ids, limit=len(ids))
    if any(operation.status == PENDING for operation in tried):
        dispatch(deps)
    return tried


def resume(deps) -> int:
    """At start-up: have what an earlier process left in the outbox carried out (the thread
    worker only starts when told). Returns how many operations are pending or running; a
    ``running`` one is retaken once its lease is over. Needs the app context."""
    unfinished = deps.session.execute(
        sa.select(sa.func.count()).select_from(RemoteOperation)
        .where(RemoteOperation.status.in_((PENDING, RUNNING)))).scalar_one()
    if unfinished:
        dispatch(deps)
    return unfinished


def dispatch(deps) -> None:
    """Have the recorded operations carried out, per ``OCS_ASSISTANTS_TASK_BACKEND``; call it
    after the commit that recorded them. Never raises for OpenAI failures (they are retried)."""
    backend = deps.settings.task_backend
    if backend == "eager":
        run_pending(deps)
    elif backend == "celery":  # only a message: the web process carries out nothing itself
        from .celery_tasks import send_run

        send_run(deps.celery_tasks)
    else:
        from .thread_worker import worker_for

        worker_for(deps).wake()
