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
3. **Flush** (the hook, :func:`release`) or **commit** (the plugin's own route and CLI,
   :func:`release_versions`), then ``ocs_assistant_released`` for each new version.

Transactions (DESIGN 5.1): the hook joins the host's transaction. It never commits nor rolls
back the host's session; its rows stand with the host's commit and vanish with its rollback. A
release that fails itself takes its rows out of the session again, deletes its clones and
raises; the error names the assistant that failed, and remote errors keep their status (502,
503).

Every clone attempt carries a random token in its metadata (``ocs_release``), and the intent to
sweep that token is recorded apart from the host's transaction
(:mod:`..outbox.host_transaction`): the outbox deletes whatever carries it that no committed
local row holds. So a clone whose answer never came (connection reset, timeout: OpenAI may or
may not have made it), one that could not be deleted, and every clone of a release the host
then rolled back are found and deleted, looking back to the attempt's start minus
:data:`SWEEP_MARGIN` and sweeping again until the attempt's start plus the client's timeout
plus :data:`SWEEP_SETTLE`, so a create that lands late is found too. The SDK never retries a
clone (its retry would send the same token); the release retries instead, as often as the
client's ``max_retries``, with a new token each time. The normal path stays one request per
clone.
"""
from __future__ import annotations

import copy
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Iterable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import lazyload

from . import Dependencies
from ..outbox import host_transaction
from ..outbox import queue as operations
from .assistants import lock_assistants, spec_for
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

    This is what the built-in ``ocs_release`` hook does, inside the host's transaction
    (:func:`release_in_transaction`). Raises :class:`InvalidInput` for malformed arguments,
    :class:`NotFound` for an unknown id or another team's assistant, :class:`Conflict` for a
    version or an archived assistant, and the remote error, naming the assistant, when a clone
    fails (nothing of the release is left in the session or in OpenAI)."""
    return {r.working.id: r.version.id
            for r in release_in_transaction(deps, assistant_ids, team_id, release_label)}


def release_in_transaction(deps, assistant_ids, team_id, release_label=None) -> list[Released]:
    """The release as a host fires it: the new version rows are flushed into the caller's
    transaction, never committed nor rolled back here. They stand if the host commits; if it
    rolls back, the clones made in OpenAI are swept (:mod:`..outbox.host_transaction`)."""
    ids, team_id, label = _checked(assistant_ids, team_id, release_label)
    if not ids:
        return []
    session = deps.session
    # Locked first: in the host's transaction a numbering race cannot be planned again.
    lock_assistants(session, ids, team_id)
    plan = _plan(session, ids, team_id, label, deps.settings.reuse_unchanged_versions)
    _clone_all(deps, plan, undo=lambda: _forget(session, plan))
    _notify(deps, plan)
    return plan


def release_versions(deps, assistant_ids, team_id, release_label=None) -> list[Released]:
    """The release in a transaction of its own, committed (the plugin's route and CLI): one
    :class:`Released` per distinct id, in the order given. No authorization is asked here: the
    routes check first."""
    ids, team_id, label = _checked(assistant_ids, team_id, release_label)
    if not ids:
        return []
    session = deps.session
    plan = _plan_with_retries(session, ids, team_id, label, deps.settings.reuse_unchanged_versions)
    try:
        _clone_all(deps, plan, undo=session.rollback)
        session.commit()
    except Exception:
        session.rollback()  # the clones' sweeps are settled when the transaction ends
        raise
    _notify(deps, plan)
    return plan


def _checked(assistant_ids, team_id, release_label) -> tuple[list[int], int, str | None]:
    return _checked_ids(assistant_ids), _checked_team(team_id), _checked_label(release_label)


def _clone_all(deps, plan: list[Released], undo) -> None:
    """Clone each new version; on any failure delete what was made in OpenAI (what cannot be
    deleted now is recorded for the outbox), ``undo()`` the local rows, and raise."""
    cloned: list[tuple] = []
    try:
        for item in plan:
            if item.created:
                cloned.append(_clone(deps, item))
        deps.session.flush()
    except Exception:  # whatever failed: nothing of this release may stay, locally or remotely
        try:
            _delete_clones(deps, cloned)  # first: a rollback settles the attempts at once
        finally:
            undo()
        raise


def _notify(deps, plan: list[Released]) -> None:
    for item in plan:
        if item.created:
            deps.hooks.assistant_released(assistant=item.working, version=item.version)


def _forget(session, plan: list[Released]) -> None:
    """Take this release's new version rows out of the host's transaction again."""
    for item in plan:
        if item.created:
            session.delete(item.version)
    session.flush()


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
    for item in plan:
        if item.created:
            copy_files(session, item.working, item.version)
    return plan


def copy_files(session, working: Assistant, version: Assistant) -> None:
    """Insert the version's file rows, copies of the working assistant's, in one statement (an
    ORM object each would cost more than the clone's request at a thousand files); the
    version's ``files`` are read from the database when next used."""
    rows = [{"assistant_id": version.id, "tool": f.tool, "filename": f.filename,
             "openai_id": f.openai_id, "bytes": f.bytes, "remote_only": f.remote_only,
             "content_id": f.content_id} for f in working.files]
    if rows:
        session.execute(sa.insert(AssistantFile), rows)
    session.expire(version, ["files"])


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
    """A new (unsaved, not yet cloned) version row of ``working``, without its file rows
    (:func:`copy_files` inserts them once the version has its id)."""
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
    )
    version.content_hash = version.compute_content_hash(files=working.files)
    return version


def _clone(deps, item: Released):
    """Clone one new version in OpenAI (one request on the ``assistants`` backend) and record
    where it lives. Returns ``(gateway, PushResult, CloneAttempt)`` so a later failure can
    delete it.

    Every attempt carries a new tag and first records the intent to sweep that tag
    (:func:`..outbox.host_transaction.record_clone_attempt`): a clone whose answer was lost, or
    whose release rolls back, is found and deleted. The SDK does not retry the clone (its retry
    would repeat the tag); it is retried here instead, up to the client's ``max_retries`` more
    times on a retryable failure (see :func:`~..remote.leftovers.retryable`), after
    :func:`~..remote.leftovers.retry_delay`."""
    version = item.version
    try:
        gateway = deps.gateways.gateway(version.backend, version.team_id)
    except PluginError as exc:
        raise _failed_at(item.working, exc) from exc
    client = getattr(gateway, "client", None)
    retries = leftovers.client_setting(client, "max_retries", 0)
    lost = False
    number = 0
    while True:
        number += 1
        tag = secrets.token_hex(16)  # this attempt's mark on what it makes in OpenAI
        started = time.time()
        attempt = host_transaction.record_clone_attempt(
            deps, tag=tag, backend=gateway.backend, team_id=version.team_id,
            working_id=item.working.id, since=started - SWEEP_MARGIN,
            until=started + leftovers.request_timeout(client) + SWEEP_SETTLE)
        try:
            result = gateway.clone(spec_for(version, vector_store_id=None,
                                            files=item.working.files),  # the version's copies
                                   store_name=version.name, tag=tag)
            break
        except PluginError as exc:
            if getattr(exc, "outcome_unknown", False):
                lost = True  # OpenAI may have made it: the attempt's sweep looks
            else:
                attempt.resolved = True  # refused: nothing was made
            if number <= retries and leftovers.retryable(exc):
                delay = leftovers.retry_delay(number, exc)
                log.info("cloning assistant %s failed (attempt %d), trying again in %.2fs: %s",
                         item.working.id, number, delay, exc.message)
                time.sleep(delay)
                continue
            if lost:
                raise _failed_at(item.working, exc,
                                 "OpenAI may have made the copy before the answer was lost; it "
                                 "will be looked for and deleted.") from exc
            raise _failed_at(item.working, exc) from exc
    version.openai_id = result.openai_id
    version.vector_store_id = result.vector_store_id
    version.pushed_at = utcnow()
    if result.openai_id or result.vector_store_id:
        attempt.kept = True  # the version row holds it once committed
    else:
        attempt.resolved = True  # nothing to hold (a ``responses`` copy without files)
    return gateway, result, attempt


def _failed_at(working: Assistant, exc: PluginError, note: str | None = None) -> PluginError:
    """The same error (same class, so the same HTTP status) saying which assistant failed."""
    message = (f"Release failed at assistant {working.id} ({working.name!r}): {exc.message} "
               + (f"{note} " if note else "") + "Nothing was released.")
    named = copy.copy(exc)
    named.args = (message,)
    named.message = message
    named.fields = {**exc.fields, "assistant_ids": [f"Assistant {working.id}: {exc.message}"]}
    return named


def _delete_clones(deps, cloned) -> None:
    """Delete what a failed release made in OpenAI; a deletion that fails is recorded in the
    outbox when the transaction ends, whichever way it ends, so nothing stays orphaned."""
    for gateway, result, attempt in cloned:
        attempt.kept = False
        doomed = []
        if result.openai_id:
            doomed.append((operations.DELETE_ASSISTANT, result.openai_id, gateway.delete))
        if result.created_vector_store and result.vector_store_id:
            doomed.append((operations.DELETE_VECTOR_STORE, result.vector_store_id,
                           gateway.storage.delete_vector_store))
        for kind, target, delete in doomed:
            try:
                delete(target)
            except RemoteError as exc:
                log.warning("%s %s after a failed release, recorded for later: %s", kind,
                            target, exc.message)
                host_transaction.record_clean_up(deps, kind=kind, target=target,
                                                 backend=gateway.backend,
                                                 team_id=attempt.team_id, error=exc.message)
        attempt.resolved = True  # deleted, or its deletion recorded: no sweep needed


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
