"""Versions: what the release hook makes, when an unchanged one is reused, and read-only rules.

A *version* is a frozen copy of a working assistant (DESIGN 1.2): a row in the same table with
``is_version`` set, ``working_id`` pointing back, ``version_number`` 1, 2, 3... per working
assistant, the name "NAME vN" and the host's ``release_label``, its files copied as rows with the
same OpenAI file ids, and **its own remote copy**: a new assistant (on the ``assistants``
backend) and a new vector store holding the same files, made by ``gateway.clone`` in one request
per assistant (nothing is uploaded again).

:func:`release` (the built-in ``ocs_release`` hook) works in three steps:

1. **Plan, under lock.** The working assistants are read with ``SELECT ... FOR UPDATE`` (in id
   order, so two multi-assistant releases cannot deadlock) and refused unless every one is an
   unarchived working assistant of the team. Each is compared with its latest unarchived
   version; an unchanged one is reused (no remote call) when
   ``OCS_ASSISTANTS_REUSE_UNCHANGED_VERSIONS`` is on. The new version rows are inserted with
   their numbers and flushed *before* any remote call: on PostgreSQL the row lock makes a second
   release of the same assistant wait, then see the first one's number; on SQLite (no row locks)
   the unique constraint on ``(working_id, version_number)`` turns the race into an
   ``IntegrityError`` and the plan is simply made again.
2. **Clone**, one assistant after the other.
3. **Commit**, then ``ocs_assistant_released`` for each new version.

All or nothing: if a clone (or the commit) fails, the session is rolled back, everything this
release created in OpenAI is deleted again (a deletion that fails too is recorded in the
remote-operations outbox and finished later by :mod:`.operations`), and the error names the
assistant that failed; remote errors keep their status (502, 503).

A clone whose answer never came (connection reset, timeout) may still have been made: OpenAI
does not say. Each clone attempt therefore carries a random token in its metadata
(``ocs_release``), and such a failure records a ``sweep_release_clone`` operation that deletes
whatever carries the token (looking back to the attempt's start minus :data:`SWEEP_MARGIN`, and
sweeping again until the attempt's start plus the client's timeout plus :data:`SWEEP_SETTLE`,
so a create that lands late is found too). The SDK never retries a clone (its retry would send
the same token, and the first copy would stay); the release retries instead, as often as the
client's ``max_retries``, with a new token each time, and records a sweep for every lost
attempt even when a later one succeeds. The normal path stays one request per clone.

Transactions: like every plugin service, a release commits (or rolls back) the host's
``db.session``. The new versions stand for objects that now exist in OpenAI, so they must be
saved whatever the host does next; a host that needs its own row locks should take them after
the hook returns.
"""
from __future__ import annotations

import copy
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import lazyload

from . import Dependencies
from ..outbox import queue as operations
from .assistants import spec_for
from ..errors import Conflict, InvalidInput, NotFound, PluginError, RemoteError
from ..remote import leftovers
from ..models import Assistant, AssistantFile, is_sqlite_busy, utcnow

log = logging.getLogger(__name__)

NAME_MAX = 256
LABEL_MAX = 256
#: How often a release is planned again after losing a numbering race (SQLite only).
PLAN_ATTEMPTS = 5
#: A lost clone is swept like a lost create (:mod:`..remote.leftovers`): looking back
#: ``SWEEP_MARGIN`` seconds before its attempt began, and again until ``SWEEP_SETTLE`` seconds
#: after the attempt's timeout, so a slow create is not missed.
SWEEP_MARGIN = leftovers.SWEEP_MARGIN
SWEEP_SETTLE = leftovers.SWEEP_SETTLE


@dataclass(frozen=True)
class LostClone:
    """A clone attempt whose answer never came: what it may have made carries ``tag``.

    ``since``: the Unix time a sweep looks back to; ``until``: the Unix time after which
    OpenAI can no longer be making it (the attempt's start, the client's timeout and
    :data:`SWEEP_SETTLE`), when the last sweep runs."""

    gateway: object
    tag: str
    since: float
    until: float


@dataclass(frozen=True)
class Released:
    """One working assistant's part of a release."""

    working: Assistant
    version: Assistant
    created: bool  # False: an unchanged earlier version was reused


# -- reading versions ----------------------------------------------------------------------------


def version_name(name: str, number: int) -> str:
    """"NAME vN", the name shortened so the whole fits OpenAI's 256 characters."""
    suffix = f" v{number}"
    return name[:NAME_MAX - len(suffix)] + suffix


def list_versions(working: Assistant, *, include_archived: bool = True) -> list[Assistant]:
    """The versions of a working assistant, newest first (for the edit page's version list:
    ``version_number``, ``release_label``, ``created_at``, ``openai_id``, ``archived``)."""
    versions = sorted(working.versions, key=lambda v: v.version_number or 0, reverse=True)
    return [v for v in versions if include_archived or not v.archived]


def latest_version(session, working: Assistant) -> Assistant | None:
    """The newest unarchived version of ``working``, or ``None``."""
    return session.execute(
        sa.select(Assistant)
        .where(Assistant.working_id == working.id, Assistant.is_version.is_(True),
               Assistant.archived.is_(False))
        .order_by(Assistant.version_number.desc()).limit(1)
    ).scalar_one_or_none()


def is_unchanged(working: Assistant, version: Assistant) -> bool:
    """Is ``version`` what releasing ``working`` now would make?

    Both fingerprints are computed from the rows as they are (configuration, backend and the
    OpenAI file ids per tool), never read from a stored column; the fingerprint leaves the name
    out, so the name is compared on its own: a renamed assistant gets a new version."""
    return (version.name == version_name(working.name, version.version_number)
            and version.compute_content_hash() == working.compute_content_hash())


# -- release -------------------------------------------------------------------------------------


def release(deps: Dependencies, assistant_ids, team_id, release_label=None) -> dict[int, int]:
    """Make (or reuse) a version of each working assistant: ``{working_id: version_id}``.

    This is what the built-in ``ocs_release`` hook does. Raises :class:`InvalidInput` for
    malformed arguments, :class:`NotFound` for an unknown id or another team's assistant,
    :class:`Conflict` for a version or an archived assistant (nothing is done in those cases),
    and the remote error, naming the assistant, when a clone fails (nothing is left behind)."""
    return {r.working.id: r.version.id
            for r in release_versions(deps, assistant_ids, team_id, release_label)}


def release_versions(deps, assistant_ids, team_id, release_label=None) -> list[Released]:
    """:func:`release` with the details: one :class:`Released` per distinct id, in the order
    given. No authorization is asked here: the host fires the hook; routes check first."""
    ids = _checked_ids(assistant_ids)
    team_id = _checked_team(team_id)
    label = _checked_label(release_label)
    if not ids:
        return []
    session = deps.session
    plan = _plan_with_retries(session, ids, team_id, label, deps.settings.reuse_unchanged_versions)

    cloned: list[tuple[object, object]] = []  # (gateway, PushResult) to delete on failure
    lost: list[LostClone] = []  # clone attempts whose answer was lost: to sweep for
    try:
        for item in plan:
            if item.created:
                cloned.append(_clone(deps, item, lost))
        _enqueue_sweeps(deps, team_id, lost)  # a retry succeeded: sweep for what was lost
        session.commit()
    except Exception:  # whatever failed: nothing of this release may stay, locally or remotely
        session.rollback()
        _delete_clones(deps, team_id, cloned, lost)
        raise
    if lost:
        operations.dispatch(deps)
    for item in plan:
        if item.created:
            deps.hooks.assistant_released(assistant=item.working, version=item.version)
    return plan


def _plan_with_retries(session, ids, team_id, label, reuse) -> list[Released]:
    for attempt in range(1, PLAN_ATTEMPTS + 1):
        try:
            return _plan(session, ids, team_id, label, reuse)
        except (IntegrityError, OperationalError) as exc:
            session.rollback()
            if not _lost_numbering_race(session, exc):
                raise
            log.info("release of %s lost a numbering race (attempt %d), planning again",
                     ids, attempt)
        except Exception:  # refused or broken: release the row locks, change nothing
            session.rollback()
            raise
    raise Conflict(f"Other releases of assistant(s) {_id_list(ids)} are running at this moment: "
                   "try again.", {"assistant_ids": ["Released concurrently; try again."]})


def _lost_numbering_race(session, exc) -> bool:
    """A concurrent release took the same number (the unique constraint), or SQLite refused a
    second writer (``database is locked``): planning again will see the other release."""
    if isinstance(exc, IntegrityError):
        return "version_number" in str(exc.orig)  # the (working_id, version_number) constraint
    return is_sqlite_busy(session, exc)


def _plan(session, ids: list[int], team_id: int, label: str | None,
          reuse: bool) -> list[Released]:
    rows = session.execute(
        sa.select(Assistant)
        .where(Assistant.id.in_(ids), Assistant.team_id == team_id)
        .order_by(Assistant.id)
        .options(lazyload(Assistant.versions))
        .with_for_update()
        .execution_options(populate_existing=True)  # what the lock holder committed, not a cache
    ).scalars().all()
    found = {a.id: a for a in rows}
    _refuse(ids, found)

    plan = []
    for working in (found[i] for i in ids):
        latest = latest_version(session, working) if reuse else None
        if latest is not None and is_unchanged(working, latest):
            plan.append(Released(working=working, version=latest, created=False))
            continue
        version = frozen_copy(working, _next_number(session, working.id), label)
        session.add(version)
        plan.append(Released(working=working, version=version, created=True))
    session.flush()  # takes the numbers now, before anything exists in OpenAI
    return plan


def _refuse(ids: list[int], found: dict[int, Assistant]) -> None:
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(f"{_assistants(missing)} not found.",
                       {"assistant_ids": [f"No assistant {i} in this team." for i in missing]})
    versions = [found[i] for i in ids if found[i].is_version]
    if versions:
        raise Conflict(
            "Versions cannot be released: " + "; ".join(
                f"assistant {v.id} is version {v.version_number} of assistant {v.working_id}"
                for v in versions) + ". Release the working assistant instead.",
            {"assistant_ids": [f"Assistant {v.id} is a version." for v in versions]})
    archived = [i for i in ids if found[i].archived]
    if archived:
        raise Conflict(f"{_assistants(archived)} archived and cannot be released.",
                       {"assistant_ids": [f"Assistant {i} is archived." for i in archived]})


def _next_number(session, working_id: int) -> int:
    # Archived versions count too: a number is never given twice.
    latest = session.execute(sa.select(sa.func.max(Assistant.version_number))
                             .where(Assistant.working_id == working_id)).scalar()
    return (latest or 0) + 1


def frozen_copy(working: Assistant, number: int, label: str | None) -> Assistant:
    """A new (unsaved, not yet cloned) version row of ``working``."""
    version = Assistant(
        team_id=working.team_id, backend=working.backend,
        name=version_name(working.name, number),
        description=working.description, instructions=working.instructions,
        model=working.model, temperature=working.temperature, top_p=working.top_p,
        response_format=copy.deepcopy(working.response_format),
        builtin_tools=list(working.builtin_tools or ()),
        function_tools=copy.deepcopy(list(working.function_tools or ())),
        is_version=True, working_id=working.id, version_number=number, release_label=label,
        archived=False,
        files=[AssistantFile(tool=f.tool, filename=f.filename, openai_id=f.openai_id,
                             bytes=f.bytes, remote_only=f.remote_only, content_id=f.content_id)
               for f in working.files],
    )
    version.refresh_content_hash()
    return version


def _clone(deps, item: Released, lost: list):
    """Clone one new version in OpenAI (one request on the ``assistants`` backend) and record
    where it lives. Returns ``(gateway, PushResult)`` so a later failure can delete it.

    The SDK does not retry the clone (a retry would repeat the attempt's tag); it is retried
    here instead, up to the client's ``max_retries`` more times on a retryable failure (see
    :func:`~..remote.leftovers.retryable`), each attempt with a new tag, after
    :func:`~..remote.leftovers.retry_delay`. Every
    attempt whose outcome is unknown is added to ``lost`` as :class:`LostClone`, to be swept
    whether or not a later attempt succeeds (the tags differ, so the sweep deletes only what
    that attempt made)."""
    version = item.version
    try:
        gateway = deps.gateways.gateway(version.backend, version.team_id)
    except PluginError as exc:
        raise _failed_at(item.working, exc) from exc
    retries = leftovers.client_setting(getattr(gateway, "client", None), "max_retries", 0)
    lost_before = len(lost)
    attempt = 0
    while True:
        attempt += 1
        tag = secrets.token_hex(16)  # this attempt's mark on what it makes in OpenAI
        started = time.time()
        try:
            result = gateway.clone(spec_for(version, vector_store_id=None),
                                   store_name=version.name, tag=tag)
            break
        except PluginError as exc:
            if getattr(exc, "outcome_unknown", False):
                lost.append(LostClone(gateway, tag, since=started - SWEEP_MARGIN,
                                      until=started + leftovers.request_timeout(getattr(gateway, "client", None))
                                      + SWEEP_SETTLE))
            if attempt <= retries and leftovers.retryable(exc):
                delay = leftovers.retry_delay(attempt, exc)
                log.info("cloning assistant %s failed (attempt %d), trying again in %.2fs: %s",
                         item.working.id, attempt, delay, exc.message)
                time.sleep(delay)
                continue
            if len(lost) > lost_before:
                raise _failed_at(item.working, exc,
                                 "OpenAI may have made the copy before the answer was lost; it "
                                 "will be looked for and deleted.") from exc
            raise _failed_at(item.working, exc) from exc
    version.openai_id = result.openai_id
    version.vector_store_id = result.vector_store_id
    version.pushed_at = utcnow()
    return gateway, result


def _failed_at(working: Assistant, exc: PluginError, note: str | None = None) -> PluginError:
    """The same error (same class, so the same HTTP status) saying which assistant failed."""
    message = (f"Release failed at assistant {working.id} ({working.name!r}): {exc.message} "
               + (f"{note} " if note else "") + "Nothing was released.")
    named = copy.copy(exc)
    named.args = (message,)
    named.message = message
    named.fields = {**exc.fields, "assistant_ids": [f"Assistant {working.id}: {exc.message}"]}
    return named


@dataclass(frozen=True)
class Cleanup:
    """One outbox entry recorded after a release: what to delete (or sweep for) in OpenAI."""

    kind: str
    target: str
    backend: str
    error: str | None = None  # the deletion already failed once with this message
    payload: dict = field(default_factory=dict)


def _sweep(clone: LostClone) -> Cleanup:
    """The outbox entry sweeping for one lost attempt."""
    return Cleanup(operations.SWEEP_RELEASE_CLONE, clone.tag, clone.gateway.backend,
                   payload={"since": clone.since, "until": clone.until})


def _enqueue_sweeps(deps, team_id: int, lost) -> None:
    """Record a sweep for each lost attempt of a release that succeeded after all, in the
    release's own transaction."""
    for clone in lost:
        log.warning("a clone attempt's answer was lost (tag %s); recorded a sweep", clone.tag)
        _enqueue(deps, team_id, _sweep(clone), "lost clone attempt")


def _enqueue(deps, team_id: int, cleanup: Cleanup, reason: str) -> None:
    operations.enqueue(deps, cleanup.kind, cleanup.target, team_id=team_id,
                       last_error=cleanup.error,
                       payload={"backend": cleanup.backend, "reason": reason, **cleanup.payload})


def _delete_clones(deps, team_id: int, cloned, lost=()) -> None:
    """Delete what a failed release made in OpenAI; what cannot be deleted now, and every
    clone attempt whose outcome is unknown (``lost``: a sweep by its tag), goes to the outbox
    (and is committed on its own: the release itself was rolled back)."""
    pending = [_sweep(clone) for clone in lost]
    for gateway, result in cloned:
        if result.openai_id:
            try:
                gateway.delete(result.openai_id)
            except RemoteError as exc:
                pending.append(Cleanup(operations.DELETE_ASSISTANT, result.openai_id,
                                       gateway.backend, exc.message))
        if result.created_vector_store and result.vector_store_id:
            try:
                gateway.storage.delete_vector_store(result.vector_store_id)
            except RemoteError as exc:
                pending.append(Cleanup(operations.DELETE_VECTOR_STORE, result.vector_store_id,
                                       gateway.backend, exc.message))
    if not pending:
        return
    for cleanup in pending:
        log.warning("%s %s after a failed release, recorded for later: %s", cleanup.kind,
                    cleanup.target, cleanup.error or "the clone's outcome is unknown")
        _enqueue(deps, team_id, cleanup, "failed release")
    try:
        deps.session.commit()
    except Exception:  # the release's own error is the one to raise; keep the ids in the log
        deps.session.rollback()
        log.error("could not record the clean-up of a failed release; delete these in OpenAI "
                  "by hand: %s", ", ".join(f"{c.kind} {c.target}" for c in pending))
        return
    operations.dispatch(deps)


# -- input checks ----------------------------------------------------------------------------------


def _checked_ids(assistant_ids) -> list[int]:
    if isinstance(assistant_ids, (str, bytes)) or not isinstance(assistant_ids, Iterable):
        raise InvalidInput("assistant_ids must be a list of assistant ids.",
                           {"assistant_ids": ["Expected a list of integers."]})
    ids = list(assistant_ids)
    bad = [i for i in ids if not _is_id(i)]
    if bad:
        raise InvalidInput(f"assistant_ids must be positive integers, got {bad!r}.",
                           {"assistant_ids": [f"Not an assistant id: {i!r}." for i in bad]})
    return list(dict.fromkeys(ids))


def _checked_team(team_id) -> int:
    if not _is_id(team_id):
        raise InvalidInput(f"team_id must be a positive integer, got {team_id!r}.",
                           {"team_id": ["Expected a positive integer."]})
    return team_id


def _checked_label(label) -> str | None:
    if label is None:
        return None
    if not isinstance(label, str):
        raise InvalidInput(f"release_label must be text, got {label!r}.",
                           {"release_label": ["Expected a string."]})
    if len(label) > LABEL_MAX:
        raise InvalidInput(f"release_label is longer than {LABEL_MAX} characters.",
                           {"release_label": [f"At most {LABEL_MAX} characters."]})
    return label or None


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _id_list(ids) -> str:
    return ", ".join(str(i) for i in ids)


def _assistants(ids) -> str:
    return f"Assistant {ids[0]} is" if len(ids) == 1 else f"Assistants {_id_list(ids)} are"
