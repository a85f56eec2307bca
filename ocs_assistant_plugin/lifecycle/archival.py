"""Archiving (DESIGN 1.3): vetting across every reference provider, then a transactional archive.

**Vetting** (:meth:`ArchiveService.archive_check`) asks every provider registered through
``ocs_reference_providers`` which host objects reference the working assistant *or any of its
versions*, in ONE ``find_references`` call per provider for all those ids, so the cost does not
grow with the number of versions. Each reference is sorted by the rules table:

=====================================================  ===========  ================================
reference                                              outcome      modal section
=====================================================  ===========  ================================
archived                                               ignored      none
with live users (a pipeline used by a live experiment) blocks       "Experiments Referencing
                                                                    Pipeline" (user provider's
                                                                    section + " Referencing " +
                                                                    the reference's provider label),
                                                                    one entry per live user
live, no live user (a draft experiment, a working      blocks       the provider's section
pipeline no live experiment uses)                                   ("Experiments", "Pipelines")
released, with only released or archived users         archived     none (``auto_archive``)
                                                       through its
                                                       provider
=====================================================  ===========  ================================

Live means ``unreleased`` or ``published``. Every blocking entry says which version it points
at (``version_number``, ``None`` for the working assistant) and the action that unblocks it.

**Archive** (:meth:`ArchiveService.archive`) locks the working assistant's row (``SELECT ... FOR
UPDATE`` on PostgreSQL; on SQLite the database's single writer lock, taken first), checks again
(a release may have happened since the admin looked: then :class:`~.errors.ArchiveBlocked`, 409,
carrying the fresh check), archives the working assistant and every version, archives the
released references through their providers, and records in the same transaction the remote
deletions (the assistants, their vector stores, and the files no unarchived assistant or version
still uses) in the outbox (:mod:`.operations`), which carries them out after the commit.

The host fires ``ocs_reference_archived`` when it archives a released object on its own;
:func:`reference_archived` then archives the assistant version that object used once no
unarchived reference of any status uses it any more. It never archives another reference: an
older released version is the host's rollback target, archived only when the host says so.

Providers are host code: their answers are checked, and a bad one fails with
:class:`~.errors.ReferenceProviderError` (502) naming the provider's ``kind`` and the field.
Providers' ``archive(reference)`` runs inside the plugin's transaction (before the commit).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import lazyload

from ..outbox import host_transaction
from ..outbox import queue as operations
from .assistants import AssistantService, TeamServiceBase, files_in_use, lock_assistants
from ..errors import (
    ArchiveBlocked,
    ConfigurationError,
    Conflict,
    InvalidInput,
    NotFound,
    ReferenceProviderError,
)
from ..models import Assistant, AssistantFile, RemoteOperation
from ..references import Reference, RefStatus
from ..schemas import ArchiveCheckSchema

log = logging.getLogger(__name__)

#: Joins a user provider's section and a container provider's label: "Experiments Referencing
#: Pipeline".
REFERENCING = " Referencing "


# -- what a check says --------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockingEntry:
    """One object that blocks archiving, as the modal lists it.

    ``reference`` is the blocking object (for a "... Referencing ..." section: the live user);
    ``via`` the container it blocks through (the pipeline), else ``None``."""

    reference: Reference
    version_number: int | None
    action: str
    via: Reference | None = None


@dataclass
class Section:
    title: str
    references: list[BlockingEntry] = field(default_factory=list)


@dataclass
class ArchiveCheck:
    """The result of vetting (the API's ArchiveCheck)."""

    assistant_id: int
    versions: list[int]
    sections: list[Section]
    auto_archive: list[Reference]

    @property
    def can_archive(self) -> bool:
        return not self.sections


@dataclass
class ArchiveResult:
    """What an archive did: the assistants archived (working first), the references archived
    through their providers, and the remote deletions recorded."""

    archived: list[int]
    auto_archived: list[Reference]
    operations: list[RemoteOperation]


# -- providers -------------------------------------------------------------------------------------


def reference_providers(deps) -> list:
    """Every registered provider (flattened; a ``kind`` used twice is a configuration error),
    each checked to have the provider shape."""
    providers = deps.hooks.reference_providers()
    for provider in providers:
        kind = provider.kind
        for name in ("section", "label"):
            value = getattr(provider, name, None)
            if not isinstance(value, str) or not value.strip():
                raise ConfigurationError(
                    f"Reference provider {kind!r} ({provider!r}) needs a non-empty text "
                    f"`{name}`.", {f"{kind}.{name}": ["Must be a non-empty string."]})
        for name in ("find_references", "archive"):
            if not callable(getattr(provider, name, None)):
                raise ConfigurationError(
                    f"Reference provider {kind!r} ({provider!r}) has no `{name}` method.",
                    {f"{kind}.{name}": ["Must be a method."]})
    return providers


_REFERENCE_FIELD = re.compile(r"Reference\.(\w+)")


def _bad(kind: str, field_name: str, message: str) -> ReferenceProviderError:
    return ReferenceProviderError(
        f"Reference provider {kind!r} returned an invalid reference: {message}",
        {f"{kind}.{field_name}": [message]})


def find_references(provider, ids: list[int], team_id: int, kinds: set[str]) -> list[Reference]:
    """One provider's references to ``ids``, checked: ``Reference`` objects of the provider's
    kind, pointing at one of ``ids``, whose users are of registered kinds."""
    kind = provider.kind
    try:
        result = provider.find_references(list(ids), team_id)
        references = None if result is None or isinstance(result, (str, bytes, dict)) \
            else list(result)
    except (TypeError, ValueError) as exc:
        # A Reference built with a wrong value refuses itself; name the field it names.
        match = _REFERENCE_FIELD.search(str(exc))
        raise _bad(kind, match.group(1) if match else "find_references", str(exc)) from exc
    if references is None:
        raise _bad(kind, "find_references",
                   f"find_references() must return a list of Reference, got {result!r}")
    for index, reference in enumerate(references):
        if not isinstance(reference, Reference):
            raise _bad(kind, f"find_references[{index}]",
                       f"expected a Reference, got {type(reference).__name__}: {reference!r}")
        if reference.kind != kind:
            raise _bad(kind, "kind", f"reference {reference.id!r} has kind {reference.kind!r}, "
                                     f"not the provider's {kind!r}")
        if reference.assistant_id not in ids:
            raise _bad(kind, "assistant_id",
                       f"reference {reference.id!r} points at assistant "
                       f"{reference.assistant_id}, which is not one of those asked about "
                       f"({', '.join(map(str, ids))})")
        for position, user in enumerate(reference.users):
            if user.kind not in kinds:
                raise _bad(kind, f"users[{position}].kind",
                           f"user {user.id!r} of reference {reference.id!r} has kind "
                           f"{user.kind!r}, which no registered provider has "
                           f"({', '.join(sorted(kinds))})")
    return references


# -- the rules ----------------------------------------------------------------------------------------


def _noun(provider) -> str:
    return provider.label.lower()


def _provider_action(provider, reference: Reference) -> str | None:
    """The provider's own words, if it has an ``unblock_action(reference)`` method (optional)."""
    method = getattr(provider, "unblock_action", None)
    if not callable(method):
        return None
    action = method(reference)
    if action is None:
        return None
    if not isinstance(action, str) or not action.strip():
        raise _bad(provider.kind, "unblock_action",
                   f"unblock_action() must return text or None, got {action!r}")
    return action


def direct_action(reference: Reference, provider) -> str:
    """What unblocks a live reference listed under its provider's own section: the provider's
    ``unblock_action(reference)`` if it has one, else the plugin's wording (DESIGN 1.3)."""
    action = _provider_action(provider, reference)
    if action is not None:
        return action
    noun = _noun(provider)
    if reference.status is RefStatus.PUBLISHED:
        return f"Open this published {noun} version and archive it."
    return (f"Open this {noun} and remove its reference to the assistant, or archive the "
            f"{noun}.")


def user_action(user: Reference, user_provider, container: Reference, provider) -> str:
    """What unblocks a live user of a container (an experiment using a pipeline): the user's
    provider's ``unblock_action(user)`` if it has one, else the plugin's wording."""
    action = _provider_action(user_provider, user)
    if action is not None:
        return action
    noun, container_noun = _noun(user_provider), _noun(provider)
    if user.status is RefStatus.PUBLISHED:
        return (f"Open this published {noun} version and archive it (it uses the "
                f"{container_noun} “{container.label}”).")
    return (f"Open this {noun} and stop it using the {container_noun} “{container.label}”, "
            f"or archive the {noun}.")


def vet(deps, team_id: int, targets: dict[int, int | None]) -> tuple[list[Section], list[Reference]]:
    """Sort every provider's references to ``targets`` (assistant id -> version number, None
    for the working assistant) by the rules: ``(blocking sections, references to archive)``."""
    providers = reference_providers(deps)
    by_kind = {p.kind: p for p in providers}
    ids = sorted(targets)
    own: dict[str, list[BlockingEntry]] = {p.kind: [] for p in providers}
    combined: dict[tuple[str, str], list[BlockingEntry]] = {}
    seen: set[tuple] = set()
    auto: dict[tuple[str, object], Reference] = {}
    for provider in providers:
        for ref in find_references(provider, ids, team_id, set(by_kind)):
            if ref.status is RefStatus.ARCHIVED:
                continue
            version_number = targets[ref.assistant_id]
            live_users = [u for u in ref.users if u.is_live]
            if live_users:
                for user in live_users:
                    key = ("user", user.kind, user.id, provider.kind, ref.id, ref.assistant_id)
                    if key in seen:
                        continue
                    seen.add(key)
                    combined.setdefault((provider.kind, user.kind), []).append(BlockingEntry(
                        user, version_number,
                        user_action(user, by_kind[user.kind], ref, provider), via=ref))
            elif ref.is_live:
                key = ("own", provider.kind, ref.id, ref.assistant_id)
                if key not in seen:
                    seen.add(key)
                    own[provider.kind].append(
                        BlockingEntry(ref, version_number, direct_action(ref, provider)))
            else:
                auto.setdefault((ref.kind, ref.id), ref)
    sections = [Section(p.section, own[p.kind]) for p in providers if own[p.kind]]
    order = {p.kind: i for i, p in enumerate(providers)}
    for container_kind, user_kind in sorted(combined, key=lambda k: (order[k[0]], order[k[1]])):
        title = by_kind[user_kind].section + REFERENCING + by_kind[container_kind].label
        sections.append(Section(title, combined[(container_kind, user_kind)]))
    return sections, list(auto.values())


def archive_references(deps, references: Iterable[Reference]) -> list[Reference]:
    """Archive released references (and their released users) through their providers, each
    object once. Returns what was archived."""
    by_kind = {p.kind: p for p in reference_providers(deps)}
    done: dict[tuple[str, object], Reference] = {}
    for reference in references:
        for item in (reference, *reference.users):
            if item.status is not RefStatus.RELEASED or (item.kind, item.id) in done:
                continue
            by_kind[item.kind].archive(item)
            done[(item.kind, item.id)] = item
    return list(done.values())


# -- the service ----------------------------------------------------------------------------------------


class ArchiveService(TeamServiceBase):
    """Check and archive the assistants of one team (the JSON API and the pages).

    :param authorize: ask ``ocs_authorize("archive", ...)`` (the CLI and hooks pass ``False``).
    """

    def archive_check(self, assistant_id: int) -> ArchiveCheck:
        """Vet the working assistant ``assistant_id`` and all its versions (read only)."""
        working = self._working(assistant_id)
        return self._check(working)

    def archive(self, assistant_id: int) -> ArchiveResult:
        """Check again under lock, then archive everything, or raise :class:`ArchiveBlocked`."""
        try:
            self._lock(assistant_id)
            working = self._working(assistant_id, populate=True)
            check = self._check(working)
            if not check.can_archive:
                raise ArchiveBlocked(
                    f"Assistant {working.id} cannot be archived: "
                    + "; ".join(f"{s.title}: {len(s.references)}" for s in check.sections)
                    + ". Resolve those first.", ArchiveCheckSchema().dump(check))
            result = self._archive(working, check)
            self.session.commit()
        except Exception:  # blocked, refused or failed: nothing of it stays (and the lock goes)
            self.session.rollback()
            raise
        self._after_commit(result)
        if result.operations:  # expired by the commits: read back in one query, not one each
            ids = [sa.inspect(operation).identity[0] for operation in result.operations]
            self.session.execute(sa.select(RemoteOperation).where(RemoteOperation.id.in_(ids))
                                 ).scalars().all()
        return result

    # -- internals --------------------------------------------------------------------------

    def _working(self, assistant_id: int, *, populate: bool = False) -> Assistant:
        query = (sa.select(Assistant)
                 .where(Assistant.id == assistant_id, Assistant.team_id == self.team_id)
                 .options(lazyload(Assistant.versions), lazyload(Assistant.files)))
        if populate:
            query = query.execution_options(populate_existing=True)
        assistant = self.session.execute(query).scalar_one_or_none()
        if assistant is None:
            raise NotFound(f"Assistant {assistant_id} not found.")
        self.assistants.require("archive", assistant)
        if assistant.is_version:
            raise Conflict(
                f"Assistant {assistant.id} is version {assistant.version_number} of assistant "
                f"{assistant.working_id}: archive the working assistant {assistant.working_id} "
                "(its versions are archived with it).")
        if assistant.archived:
            raise Conflict(f"Assistant {assistant.id} is already archived.")
        return assistant

    def _lock(self, assistant_id: int) -> None:
        """Serialise with releases and other archives of this assistant until the commit."""
        lock_assistants(self.session, [assistant_id], self.team_id)

    def _versions(self, working: Assistant) -> dict[int, int | None]:
        rows = self.session.execute(
            sa.select(Assistant.id, Assistant.version_number)
            .where(Assistant.working_id == working.id, Assistant.is_version.is_(True),
                   Assistant.archived.is_(False))
            .order_by(Assistant.version_number)).all()
        return {row.id: row.version_number for row in rows}

    def _check(self, working: Assistant) -> ArchiveCheck:
        versions = self._versions(working)
        targets = {working.id: None, **versions}
        sections, auto = vet(self.deps, self.team_id, targets)
        return ArchiveCheck(assistant_id=working.id, versions=list(versions), sections=sections,
                            auto_archive=auto)

    def _archive(self, working: Assistant, check: ArchiveCheck) -> ArchiveResult:
        ids = [working.id, *check.versions]
        targets = archive_assistants(self.session, ids)
        archived_refs = archive_references(self.deps, check.auto_archive)
        self.session.flush()
        recorded = record_deletions(self.deps, targets, self.team_id)
        return ArchiveResult(archived=ids, auto_archived=archived_refs, operations=recorded)

    def _after_commit(self, result: ArchiveResult) -> None:
        notify_archived(self.deps, result.archived)
        if result.operations:
            operations.dispatch(self.deps)


def archive_assistants(session, ids: list[int]) -> list[Assistant]:
    """Mark the assistants archived (in the current transaction); returns them in ``ids`` order."""
    rows = session.execute(sa.select(Assistant).where(Assistant.id.in_(ids))
                           .options(lazyload(Assistant.versions), lazyload(Assistant.files))
                           ).scalars().all()
    by_id = {row.id: row for row in rows}
    targets = [by_id[i] for i in ids]
    for assistant in targets:
        assistant.archived = True
    return targets


def record_deletions(deps, targets: list[Assistant], team_id: int) -> list[RemoteOperation]:
    """Record in the outbox (current transaction) what archiving ``targets`` leaves unused in
    OpenAI: their assistant objects, their vector stores and their files, except stores and files
    an unarchived assistant or version (of any team: OpenAI ids are global) still uses, and
    except what is already waiting in the outbox. Call after ``targets`` were marked archived
    and flushed."""
    session = deps.session
    ids = [a.id for a in targets]
    backend_of = {a.id: a.backend for a in targets}
    wanted: dict[tuple[str, str], str] = {}  # (kind, target) -> backend
    remote_assistants = {a.openai_id: a.backend for a in targets
                         if a.backend == "assistants" and a.openai_id}
    stores = {a.vector_store_id: a.backend for a in targets if a.vector_store_id}
    # Another team's live row may hold the same OpenAI assistant or store (imported before one
    # team per remote object was the rule): it is theirs to delete.
    for column, kind, objects in ((Assistant.openai_id, operations.DELETE_ASSISTANT,
                                   remote_assistants),
                                  (Assistant.vector_store_id, operations.DELETE_VECTOR_STORE,
                                   stores)):
        if not objects:
            continue
        still_used = set(session.execute(
            sa.select(column).where(column.in_(list(objects)), Assistant.archived.is_(False))
        ).scalars())
        for remote_id, backend in objects.items():
            if remote_id not in still_used:
                wanted.setdefault((kind, remote_id), backend)
    files = {}
    for openai_id, assistant_id in session.execute(
            sa.select(AssistantFile.openai_id, AssistantFile.assistant_id)
            .where(AssistantFile.assistant_id.in_(ids))).all():
        files.setdefault(openai_id, backend_of[assistant_id])
    if files:
        still_used = files_in_use(session, files)
        for openai_id, backend in files.items():
            if openai_id not in still_used:
                wanted.setdefault((operations.DELETE_FILE, openai_id), backend)
    if not wanted:
        return []
    waiting = set(session.execute(
        sa.select(RemoteOperation.kind, RemoteOperation.target).where(
            RemoteOperation.target.in_(sorted({target for _, target in wanted})),
            RemoteOperation.status.in_((operations.PENDING, operations.RUNNING)))).all())
    reason = f"archived assistant {targets[0].id}" if targets else "archived"
    return [operations.enqueue(deps, kind, target, team_id=team_id,
                               payload={"backend": backend, "reason": reason})
            for (kind, target), backend in wanted.items() if (kind, target) not in waiting]


def notify_archived(deps, assistant_ids: list[int]) -> None:
    """``ocs_assistant_archived`` for each assistant (after the commit)."""
    if not assistant_ids:
        return
    rows = deps.session.execute(
        sa.select(Assistant).where(Assistant.id.in_(assistant_ids))
        .options(lazyload(Assistant.versions))).scalars().all()
    by_id = {row.id: row for row in rows}
    for assistant_id in assistant_ids:
        deps.hooks.assistant_archived(assistant=by_id[assistant_id])


# -- convenience for Python callers and the hook ----------------------------------------------------------


def reference_archived(deps, reference: Reference) -> list[int]:
    """The ``ocs_reference_archived`` event: archive the assistant version ``reference`` used
    once no other unarchived reference (of any status, live or released, directly or through a
    container) uses that version. Returns the ids archived (none or one).

    Nothing else is archived: a released reference still using the version keeps it (and is
    left alone: it may be the host's rollback target); the version goes when the host reports
    that last reference archived too. Nothing happens when the reference points at a working
    assistant (archiving that stays the admin's decision) or at an unknown or already archived
    assistant. It joins the host's transaction (DESIGN 5.1): fire it once the host's change is
    flushed; the archive and its recorded deletions are flushed, never committed nor rolled
    back here, and the deletions go to the outbox's workers once the host commits."""
    if not isinstance(reference, Reference):
        raise InvalidInput("ocs_reference_archived needs a Reference.",
                           {"reference": [f"Expected a Reference, got {type(reference).__name__}."]})
    session = deps.session
    version = session.get(Assistant, reference.assistant_id)
    if version is None or not version.is_version or version.archived:
        return []
    service = ArchiveService(AssistantService(deps, version.team_id, authorize=False))
    service._lock(version.working_id)
    session.refresh(version)
    if version.archived:
        return []
    sections, released = vet(deps, version.team_id, {version.id: version.version_number})
    # The reported object is archived in the host, whatever a provider that has not seen the
    # host's change yet still answers for it.
    released = [r for r in released if not _same_object(r, reference)]
    if sections or released:
        log.info("assistant version %s stays: still referenced (%s)", version.id,
                 ", ".join([s.title for s in sections] + [r.label for r in released]))
        return []
    targets = archive_assistants(session, [version.id])
    session.flush()
    if record_deletions(deps, targets, version.team_id):
        session.flush()
        host_transaction.dispatch_after_commit(deps)  # carried out once the host commits
    notify_archived(deps, [version.id])
    return [version.id]


def _same_object(a: Reference, b: Reference) -> bool:
    return a.kind == b.kind and str(a.id) == str(b.id)
