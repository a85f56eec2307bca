"""The sync check (DESIGN 1.1) and the fixes it offers: pull, push, restore and per-file fixes.

:func:`compare_with_openai` compares a local assistant (working copy or version) with what OpenAI holds and
returns a :class:`SyncReport`; it never raises for a remote failure, it reports it (state
``error``). Its cost is bounded by the assistant, never by the OpenAI project: for F files in the
vector store an in-sync check sends the assistant request and the store's ``ceil(F/100)`` pages
all at once (the page cursors remembered from the store's last listing,
:mod:`.store_listings`, at most ``OCS_ASSISTANTS_REMOTE_CONCURRENCY`` at a time), plus one
request per code_interpreter file, and asks nothing about filenames (the local rows have them).
Only files OpenAI has and the plugin does not are named, each by its own ``GET /files/{id}``; a
store changed since its last listing is listed on page by page from where it changed, so the
report stays exact.

What is compared (through :mod:`.remote.normalize`, so an untouched assistant is always
``in_sync``): the configuration fields (:data:`~.remote.normalize.CONFIG_FIELDS`), the vector
store id, and each tool's files. Files count as present in OpenAI when OpenAI still has the File;
a code_interpreter id naming a deleted File is therefore "missing in OpenAI".

:class:`SyncService` carries out the fixes for one team, each ending with a fresh report:

- ``pull``: local := OpenAI. Files only in OpenAI become remote-only records (filename and id:
  OpenAI files cannot be downloaded); local files OpenAI does not have are dropped locally.
  Nothing changes in OpenAI.
- ``push``: OpenAI := local; files whose File is gone in OpenAI are uploaded again from their
  stored content, extra files are detached (never deleted); a deleted assistant is created again.
- ``restore`` (versions only): push the frozen snapshot back; the version's configuration and
  files stay as they are (only the OpenAI ids recorded for it change if OpenAI needs a new
  assistant, store or file).
- per file: ``upload_file`` (make one local file present in OpenAI), ``remove_file`` (drop one
  local file from its tool), ``keep_remote_file`` (record one OpenAI-only file here) and
  ``remove_remote_file`` (detach one OpenAI-only file). A per-file fix changes only that file in
  OpenAI, leaving any other drift for the admin to decide.

No fix deletes an OpenAI File that another unarchived assistant or version still uses; Files that
were never known here are only ever detached. Versions are read-only: pull, push and the per-file
fixes answer 409 (:class:`~.errors.Conflict`).
"""
from __future__ import annotations

import dataclasses
import functools
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, raiseload

from . import Dependencies
from ..outbox import queue as operations
from .assistants import (
    AssistantService,
    TeamServiceBase,
    commit_or_undo,
    discard_file,
    drop_unused_contents,
    holds_spec,
    record_file_deletion,
    refuse_read_only,
    save_leftovers,
    spec_for,
    stored_content,
)
from ..errors import Conflict, InvalidInput, NotFound, PluginError, RemoteError, RemoteNotFound
from ..models import Assistant, AssistantFile, RemoteOperation, utcnow
from ..remote.base import (TOOLS_WITH_FILES, AssistantSpec, KnownFiles, PushResult,
                           RemoteAssistant, RemoteFile)
from ..remote.concurrency import chunked
from ..remote.normalize import CONFIG_FIELDS, canonical_json, spec_differences
from ..schemas import FILENAME_MAX, SyncState
from .store_listings import known_files, remember_listing, remembered_listings

log = logging.getLogger(__name__)

NOT_PUSHED, IN_SYNC, OUT_OF_SYNC, REMOTE_MISSING, ERROR = STATES = tuple(SyncState)
#: States that need an admin's attention (the bulk audit exits 1 when it finds one).
PROBLEM_STATES = (OUT_OF_SYNC, REMOTE_MISSING, ERROR)

#: The ``ocs_authorize`` action for every sync route.
SYNC_ACTION = "sync"
#: Fields listed in ``differences``, named as in AssistantInput; files are listed separately.
COMPARED_FIELDS = CONFIG_FIELDS + ("vector_store_id",)


@dataclass
class SyncReport:
    """The result of a sync check: DESIGN 5.2 ``SyncReport``.

    - ``differences``: ``[{"field", "local", "remote"}]`` in the order of
      :data:`COMPARED_FIELDS`, both values normalised (``temperature`` unset reads 1.0, tools
      sorted, ...);
    - ``files_missing_locally``: ``[{"openai_id", "filename", "tool"}]``, in OpenAI, not here;
    - ``files_missing_remotely``: ``[{"id", "filename", "openai_id", "tool"}]``, here (``id`` is
      the local AssistantFile id), not in OpenAI;
    - ``message``: one sentence or two for an admin, saying what to do.
    """

    state: SyncState
    assistant_id: int
    openai_id: str | None
    is_version: bool
    differences: list[dict] = field(default_factory=list)
    files_missing_locally: list[dict] = field(default_factory=list)
    files_missing_remotely: list[dict] = field(default_factory=list)
    message: str = ""

    @property
    def needs_attention(self) -> bool:
        return self.state in PROBLEM_STATES


# -- the check ----------------------------------------------------------------------------------


def compare_with_openai(deps: Dependencies, assistant: Assistant) -> SyncReport:
    """Compare ``assistant`` (working copy or version) with OpenAI. Never raises for a remote
    failure: OpenAI unreachable, refusing the key or answering 5xx gives state ``error``."""
    if not _was_pushed(assistant):
        return _report(assistant, NOT_PUSHED, _not_pushed_message(assistant))
    try:
        gateway = deps.gateways.gateway(assistant.backend, assistant.team_id)
        remote = _fetch(gateway, assistant, spec_for(assistant), deps.session)
    except RemoteNotFound:
        return _report(assistant, REMOTE_MISSING, _missing_message(assistant))
    except PluginError as exc:
        # A RemoteError (OpenAI failed), or e.g. no API key configured for the team.
        return _report(assistant, ERROR,
                       f"Could not compare assistant {assistant.id} with OpenAI: {exc.message}")
    return compare(assistant, remote)


def compare(assistant: Assistant, remote: RemoteAssistant, spec: AssistantSpec | None = None,
            files=None) -> SyncReport:
    """The report for ``assistant`` against a ``remote`` state already read from OpenAI.

    ``spec``: the assistant's :func:`spec_for`, if already made; ``files``: its files (rows with
    ``id``, ``tool``, ``openai_id`` and ``filename``), if read apart from it."""
    files = assistant.files if files is None else files
    differences = [{"field": name, "local": _plain(local), "remote": _plain(theirs)}
                   for name, local, theirs in spec_differences(
                       spec or spec_for(assistant, files=files), remote.spec,
                       fields=COMPARED_FIELDS)]
    present = present_files(remote)
    local_ids = {tool: {f.openai_id for f in files if f.tool == tool}
                 for tool in TOOLS_WITH_FILES}
    missing_locally = [
        {"openai_id": f.openai_id, "filename": f.filename, "tool": tool}
        for tool in TOOLS_WITH_FILES
        for f in sorted(present[tool].values(), key=lambda f: (f.filename, f.openai_id))
        if f.openai_id not in local_ids[tool]]
    missing_remotely = [
        {"id": f.id, "filename": f.filename, "openai_id": f.openai_id, "tool": f.tool}
        for f in files if f.openai_id not in present[f.tool]]
    if not (differences or missing_locally or missing_remotely):
        return _report(assistant, IN_SYNC, f"Assistant {assistant.id} matches OpenAI.")
    return _report(assistant, OUT_OF_SYNC,
                   _drift_message(assistant, differences, missing_locally, missing_remotely),
                   differences=differences, files_missing_locally=missing_locally,
                   files_missing_remotely=missing_remotely)


def present_files(remote: RemoteAssistant) -> dict[str, dict[str, RemoteFile]]:
    """Each tool's files that OpenAI really has, by id. A File OpenAI no longer has comes back
    from the gateway with an empty filename (an assistant may still list its id)."""
    return {tool: {f.openai_id: f for f in remote.files.get(tool, ()) if f.filename}
            for tool in TOOLS_WITH_FILES}


def _was_pushed(assistant: Assistant) -> bool:
    if assistant.backend == "assistants":
        return bool(assistant.openai_id)
    # responses: no remote assistant object; a push records its time (and store, if any).
    return assistant.pushed_at is not None or bool(assistant.vector_store_id)


def _fetch(gateway, assistant: Assistant, spec: AssistantSpec, session) -> RemoteAssistant:
    """What OpenAI holds for ``assistant``; ``RemoteNotFound`` only when the remote assistant
    object is gone. On the ``responses`` backend a deleted store reads as no store.

    Asks OpenAI only what the local rows cannot answer (:func:`.store_listings.known_files`)
    and remembers the store's listing for the next time (in ``session``'s transaction)."""
    remote = _fetch_remote(gateway, assistant.openai_id, spec, known_files(session, assistant))
    remember_listing(session, remote.store_listing)
    return remote


def _fetch_remote(gateway, openai_id: str | None, spec: AssistantSpec,
                  known: KnownFiles) -> RemoteAssistant:
    """:func:`_fetch` without the database: safe in a worker thread."""
    try:
        return gateway.fetch_state(spec, openai_id, known)
    except RemoteNotFound:
        if gateway.backend == "assistants":
            raise
        return gateway.fetch_state(dataclasses.replace(spec, vector_store_id=None), None, known)


def _plain(value: object) -> object:
    """A normalised value as JSON-ready data (tuples become lists)."""
    return json.loads(canonical_json(value))


def _report(assistant: Assistant, state: str, message: str, **lists) -> SyncReport:
    return SyncReport(state=state, assistant_id=assistant.id, openai_id=assistant.openai_id,
                      is_version=bool(assistant.is_version), message=message, **lists)


def _what(assistant: Assistant) -> str:
    if assistant.is_version:
        return f"Version {assistant.version_number} of assistant {assistant.working_id}"
    return f"Assistant {assistant.id}"


def _not_pushed_message(assistant: Assistant) -> str:
    return f"{_what(assistant)} has never been created in OpenAI: push it to create it."


def _missing_message(assistant: Assistant) -> str:
    if assistant.archived:
        return (f"{_what(assistant)} is archived; OpenAI no longer has its assistant "
                f"{assistant.openai_id}.")
    if assistant.is_version:
        return (f"The released assistant {assistant.openai_id} of {_what(assistant).lower()} was "
                "deleted in OpenAI. Restore it to create it again from the released snapshot.")
    return (f"OpenAI has no assistant {assistant.openai_id} any more (it was deleted there). "
            "Push to create it again from this copy, or archive the assistant.")


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


def _drift_message(assistant, differences, missing_locally, missing_remotely) -> str:
    parts = []
    if differences:
        parts.append(_count(len(differences), "field") + " differ"
                     + ("s" if len(differences) == 1 else "") + " ("
                     + ", ".join(d["field"] for d in differences) + ")")
    if missing_locally:
        parts.append(_count(len(missing_locally), "file") + " in OpenAI missing here")
    if missing_remotely:
        parts.append(_count(len(missing_remotely), "file") + " here missing in OpenAI")
    summary = "; ".join(parts)
    if assistant.is_version:
        return (f"The released assistant of {_what(assistant).lower()} was modified in OpenAI: "
                f"{summary}. Restore it to push the released snapshot back to OpenAI (nothing "
                "changes here).")
    return (f"Assistant {assistant.id} differs from OpenAI: {summary}. Pull to take OpenAI's "
            "version, push to overwrite OpenAI with this one, or fix each file.")


# -- the bulk audit -----------------------------------------------------------------------------


#: Assistants the bulk audit reads from the database at a time.
AUDIT_CHUNK = 200


def audit(deps: Dependencies, assistant_ids: Iterable[int], *, concurrency: int = 4,
          on_report: Callable[[SyncReport], None] | None = None) -> list[SyncReport]:
    """Check many assistants, ``concurrency`` at a time; each report is the one
    :func:`compare_with_openai` gives. Returns the reports in the order of ``assistant_ids``;
    ``on_report`` is called as each one finishes (for a progress bar).

    Only OpenAI's answers are waited for in the pool. The calling thread does everything else:
    it reads :data:`AUDIT_CHUNK` assistants at a time with their files and their stores'
    remembered page cursors (a few queries per chunk, none per assistant), asks for one gateway
    per team and backend, compares each answer, and records the page cursors that changed,
    in one commit per chunk. No transaction stays open while OpenAI is asked."""
    ids = list(assistant_ids)
    reports: dict[int, SyncReport] = {}
    gateways: dict[tuple[str, int | None], object] = {}

    def finish(assistant_id: int, report: SyncReport) -> None:
        reports[assistant_id] = report
        if on_report is not None:
            on_report(report)

    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(ids) or 1)),
                            thread_name_prefix="ocs-sync-audit") as pool:
        for chunk in chunked(list(dict.fromkeys(ids)), AUDIT_CHUNK):
            _audit_chunk(deps, chunk, pool, gateways, finish)
    return [reports[i] for i in ids]


def _audit_chunk(deps: Dependencies, ids, pool, gateways: dict, finish) -> None:
    session = deps.session
    # Read in a session of its own, closed at once: the rows stay loaded, detached, and no
    # transaction stays open (nor do thousands of file rows weigh on the caller's session).
    # The files as plain rows: the columns a check uses, without an ORM object each.
    with Session(session.get_bind(mapper=Assistant)) as reader:
        loaded = {a.id: a for a in reader.execute(
            sa.select(Assistant).where(Assistant.id.in_(list(ids)))
            .options(raiseload(Assistant.files), raiseload(Assistant.versions),
                     raiseload(Assistant.working))).scalars()}
        files: dict[int, list] = {i: [] for i in loaded}
        for row in reader.execute(
                sa.select(AssistantFile.assistant_id, AssistantFile.id, AssistantFile.tool,
                          AssistantFile.openai_id, AssistantFile.filename)
                .where(AssistantFile.assistant_id.in_(list(loaded)))
                .order_by(AssistantFile.id)):
            files[row.assistant_id].append(row)
        remembered = remembered_listings(reader, (a.vector_store_id for a in loaded.values()))
    asked = {}
    for assistant_id in ids:
        assistant = loaded.get(assistant_id)
        if assistant is None:  # deleted since it was listed
            finish(assistant_id, SyncReport(
                state=ERROR, assistant_id=assistant_id, openai_id=None, is_version=False,
                message=f"Assistant {assistant_id} no longer exists here."))
            continue
        if not _was_pushed(assistant):
            finish(assistant_id, _report(assistant, NOT_PUSHED, _not_pushed_message(assistant)))
            continue
        key = (assistant.backend, assistant.team_id)
        if key not in gateways:
            try:
                gateways[key] = deps.gateways.gateway(*key)
            except PluginError as exc:  # e.g. no API key configured for the team
                gateways[key] = exc
        if isinstance(gateways[key], PluginError):
            finish(assistant_id, _report(
                assistant, ERROR, f"Could not compare assistant {assistant.id} with OpenAI: "
                                  f"{gateways[key].message}"))
            continue
        own = files[assistant_id]
        spec = spec_for(assistant, files=own)
        known = known_files(session, assistant, remembered.get(assistant.vector_store_id), own)
        asked[pool.submit(_fetch_remote, gateways[key], assistant.openai_id, spec,
                          known)] = (assistant, spec, own)
    listings = {}
    for future in as_completed(asked):
        assistant, spec, own = asked[future]
        try:
            remote = future.result()
        except RemoteNotFound:
            report = _report(assistant, REMOTE_MISSING, _missing_message(assistant))
        except PluginError as exc:
            report = _report(assistant, ERROR,
                             f"Could not compare assistant {assistant.id} with OpenAI: "
                             f"{exc.message}")
        else:
            report = compare(assistant, remote, spec, own)
            if remote.store_listing is not None:
                listings[remote.store_listing.vector_store_id] = remote.store_listing
        finish(assistant.id, report)
    written = [remember_listing(session, listing, remembered.get(store_id))
               for store_id, listing in listings.items()]
    if any(written):
        session.commit()  # what the checks learnt (the stores' page cursors)


def summarize(reports: Iterable[SyncReport]) -> dict[str, int]:
    """``{state: count}`` for every state, in :data:`STATES` order."""
    counts = Counter(SyncState(r.state) for r in reports)
    return {state.value: counts.get(state, 0) for state in STATES}


# -- the fixes ----------------------------------------------------------------------------------


def _recording_leftovers(method):
    """Around a fix that reaches OpenAI: what its creates and clean-ups noted (a create whose
    answer was lost, a clean-up that failed) is recorded in the outbox once it is over, failed
    or not (see :func:`.assistants.leftovers_recorded`)."""
    @functools.wraps(method)
    def recording(self, assistant_id, *args, **kwargs):
        self._used_gateways = []
        reason = f"{method.__name__.replace('_', ' ')} of assistant {assistant_id}"
        try:
            return method(self, assistant_id, *args, **kwargs)
        except BaseException:
            self.session.rollback()
            raise
        finally:
            for gateway in self._used_gateways:
                save_leftovers(self.deps, gateway, self.team_id, reason)
            self._used_gateways = []
    return recording


class SyncService(TeamServiceBase):
    """The sync check and its fixes for one team's assistants (the API routes and the edit hook
    use it). Each fix returns the report after it; remote failures of a fix raise the usual
    ``Remote*`` errors (502/503) and leave the database as it was.

    :param assistants: the team's :class:`~.assistants.AssistantService`; its ``authorize``
        decides whether ``ocs_authorize`` (action ``sync``) is asked (the edit hook and the CLI
        pass ``False``).
    :param host_transaction: the edit hook's case: what a check learns (the store's page
        cursors, :mod:`.store_listings`) joins the host's transaction instead of being committed.
    """

    def __init__(self, assistants: AssistantService, *, host_transaction: bool = False):
        super().__init__(assistants)
        self.host_transaction = host_transaction
        self._used_gateways: list = []  # this fix's gateways, whose leftovers are recorded

    # -- the check ---------------------------------------------------------------------------

    def report(self, assistant_id: int) -> SyncReport:
        """The report for one of the team's assistants (404 for another team's)."""
        return self._fresh_report(self.assistants.get(assistant_id, SYNC_ACTION))

    def _fresh_report(self, assistant: Assistant) -> SyncReport:
        """:func:`compare_with_openai`, then commit what it learnt (unless in the host's
        transaction)."""
        report = compare_with_openai(self.deps, assistant)
        if not self.host_transaction:
            self.session.commit()
        return report

    # -- whole-assistant fixes ---------------------------------------------------------------

    def pull(self, assistant_id: int) -> SyncReport:
        """Local := OpenAI, for a working assistant. Changes nothing in OpenAI."""
        assistant = self._working(assistant_id, "pull")
        remote = self._remote(assistant, "pull")
        local = spec_for(assistant)
        for name, _, theirs in spec_differences(local, remote.spec, fields=COMPARED_FIELDS):
            setattr(assistant, name, _local_value(name, theirs))
        present = present_files(remote)
        dropped = [f for f in assistant.files if f.openai_id not in present[f.tool]]
        for record in dropped:
            assistant.files.remove(record)
        for tool in TOOLS_WITH_FILES:
            have = {f.openai_id for f in assistant.files_for(tool)}
            for remote_file in present[tool].values():
                if remote_file.openai_id not in have:
                    assistant.files.append(_remote_only_record(tool, remote_file))
        assistant.refresh_content_hash()
        self.session.flush()
        drop_unused_contents(self.session, [r.content_id for r in dropped])
        self._commit()
        return self._fresh_report(assistant)

    @_recording_leftovers
    def push(self, assistant_id: int) -> SyncReport:
        """OpenAI := local, for a working assistant (created again if deleted in OpenAI)."""
        assistant = self._working(assistant_id, "push")
        self._push_snapshot(assistant)
        return self._fresh_report(assistant)

    @_recording_leftovers
    def restore(self, assistant_id: int) -> SyncReport:
        """Push a version's frozen snapshot back to OpenAI; its configuration and files here do
        not change."""
        assistant = self.assistants.get(assistant_id, SYNC_ACTION, for_update=True)
        if not assistant.is_version:
            raise Conflict(f"Assistant {assistant.id} is a working assistant: restore is for "
                           "versions. Use push to overwrite OpenAI with it.")
        if assistant.archived:
            raise Conflict(f"{_what(assistant)} is archived and cannot be restored.")
        self._push_snapshot(assistant)
        return self._fresh_report(assistant)

    # -- per-file fixes ----------------------------------------------------------------------

    @_recording_leftovers
    def upload_file(self, assistant_id: int, file_id: int, *, filename: str | None = None,
                    content: bytes | None = None) -> SyncReport:
        """Make one local file present in OpenAI for its tool.

        With ``content`` (and ``filename``) that content is uploaded as a new File and replaces
        the record's OpenAI id (the only way for a remote-only file whose File is gone). Without,
        the record's File is attached again if OpenAI still has it, else its stored content is
        uploaded again. Only this file changes in OpenAI."""
        assistant = self._working(assistant_id, "change files of")
        record = self._local_file(assistant, file_id)
        if content is not None:
            _check_upload(filename, content)
        gateway = self._gateway(assistant)
        remote = self._remote(assistant, "fix files of", gateway)
        storage = gateway.storage
        old_id = record.openai_id
        old_exists = old_id in present_files(remote)[record.tool] or bool(
            storage.file_names([old_id]))
        uploaded: RemoteFile | None = None
        if content is not None:
            uploaded = storage.upload_file(filename, content)
        elif not old_exists:
            if record.content is None:
                raise InvalidInput(
                    f"OpenAI no longer has the file {record.filename!r} and its content is not "
                    "stored here: choose the file to upload.",
                    {"file": ["Required: this file is known only in OpenAI and is gone there."]})
            uploaded = storage.upload_file(record.filename, record.content.data)
        new_id = uploaded.openai_id if uploaded else old_id
        try:
            result = self._push_files(gateway, assistant, remote, record.tool,
                                      remove={old_id}, add=[new_id])
        except RemoteError:
            if uploaded is not None:
                discard_file(storage, uploaded.openai_id)
            raise

        operation = None

        def save():
            nonlocal operation
            if uploaded is not None:
                record.openai_id = uploaded.openai_id
                record.bytes = uploaded.bytes or record.bytes
                if content is not None:
                    old_content = record.content_id
                    record.filename = filename
                    record.content = stored_content(self.session, content)
                    record.remote_only = False
                    self.session.flush()
                    drop_unused_contents(self.session, [old_content])
            self._record_store(assistant, result)
            assistant.refresh_content_hash()
            self.session.flush()
            if uploaded is not None and old_exists:
                operation = self._delete_if_unused(old_id, assistant)

        def undo():
            if uploaded is not None:
                discard_file(storage, uploaded.openai_id)

        self._commit(save, undo)
        self.deps.hooks.assistant_pushed(assistant)
        if operation is not None:
            operations.run_now(self.deps, [operation.id])
        return self._fresh_report(assistant)

    @_recording_leftovers
    def remove_file(self, assistant_id: int, file_id: int) -> SyncReport:
        """Drop one local file from its tool: detach it in OpenAI if attached there, remove the
        record, and delete the File only when no other unarchived assistant or version uses it."""
        assistant = self._working(assistant_id, "change files of")
        record = self._local_file(assistant, file_id)
        gateway = self._gateway(assistant)
        remote = self._remote(assistant, "fix files of", gateway)
        openai_id, tool, content_id = record.openai_id, record.tool, record.content_id
        pushed = openai_id in present_files(remote)[tool] or openai_id in _listed(remote, tool)
        result = None
        if pushed:
            result = self._push_files(gateway, assistant, remote, tool, remove={openai_id})
        operation = None

        def save():
            nonlocal operation
            assistant.files.remove(record)
            if result is not None:
                self._record_store(assistant, result)
            assistant.refresh_content_hash()
            self.session.flush()
            operation = self._delete_if_unused(openai_id, assistant)
            drop_unused_contents(self.session, [content_id])

        def undo():
            if result is not None:
                self._push_files(gateway, assistant, remote, tool, add=[openai_id])

        self._commit(save, undo)
        if result is not None:
            self.deps.hooks.assistant_pushed(assistant)
        if operation is not None:
            operations.run_now(self.deps, [operation.id])
        return self._fresh_report(assistant)

    def keep_remote_file(self, assistant_id: int, openai_file_id: str,
                         tool: str | None = None) -> SyncReport:
        """Record a file that is only in OpenAI here, as remote-only (no change in OpenAI)."""
        assistant = self._working(assistant_id, "change files of")
        remote = self._remote(assistant, "fix files of")
        tool, remote_file = self._remote_only_file(assistant, remote, openai_file_id, tool)
        assistant.files.append(_remote_only_record(tool, remote_file))
        assistant.refresh_content_hash()
        self._commit()
        return self._fresh_report(assistant)

    @_recording_leftovers
    def remove_remote_file(self, assistant_id: int, openai_file_id: str,
                           tool: str | None = None) -> SyncReport:
        """Detach a file that is only in OpenAI from this assistant's tool. The File itself is
        never deleted: the plugin never knew it, and something else may use it."""
        assistant = self._working(assistant_id, "change files of")
        gateway = self._gateway(assistant)
        remote = self._remote(assistant, "fix files of", gateway)
        tool, _ = self._remote_only_file(assistant, remote, openai_file_id, tool)
        result = self._push_files(gateway, assistant, remote, tool, remove={openai_file_id})
        self._record_store(assistant, result)
        self._commit(undo=lambda: self._push_files(gateway, assistant, remote, tool,
                                                   add=[openai_file_id]))
        self.deps.hooks.assistant_pushed(assistant)
        return self._fresh_report(assistant)

    # -- internals ---------------------------------------------------------------------------

    def _working(self, assistant_id: int, doing: str) -> Assistant:
        """The team's unarchived working assistant, locked; 409 for a version."""
        assistant = self.assistants.get(assistant_id, SYNC_ACTION, for_update=True)
        refuse_read_only(assistant, f"you cannot {doing} it. Use restore to push the released "
                                    "snapshot back to OpenAI.")
        return assistant

    def _gateway(self, assistant: Assistant):
        gateway = self.deps.gateways.gateway(assistant.backend, assistant.team_id)
        self._used_gateways.append(gateway)
        return gateway

    def _remote(self, assistant: Assistant, doing: str, gateway=None) -> RemoteAssistant:
        """OpenAI's state of ``assistant``; 409 when there is none to work with."""
        if not _was_pushed(assistant):
            raise Conflict(f"{_not_pushed_message(assistant)} There is nothing to {doing} yet.")
        try:
            return _fetch(gateway or self._gateway(assistant), assistant, spec_for(assistant),
                          self.session)
        except RemoteNotFound:
            raise Conflict(_missing_message(assistant)) from None

    @staticmethod
    def _local_file(assistant: Assistant, file_id: int) -> AssistantFile:
        for record in assistant.files:
            if record.id == file_id:
                return record
        raise NotFound(f"Assistant {assistant.id} has no file {file_id}.")

    @staticmethod
    def _remote_only_file(assistant: Assistant, remote: RemoteAssistant, openai_file_id: str,
                          tool: str | None) -> tuple[str, RemoteFile]:
        """The tool and file of an OpenAI-only file of ``assistant`` (404 / 400 / 409)."""
        if tool is not None and tool not in TOOLS_WITH_FILES:
            raise InvalidInput(f"Unknown tool {tool!r}.",
                               {"tool": [f"Must be one of {', '.join(TOOLS_WITH_FILES)}."]})
        present = present_files(remote)
        tools = [t for t in TOOLS_WITH_FILES
                 if (tool is None or t == tool) and openai_file_id in present[t]]
        if not tools:
            where = f" for {tool}" if tool else ""
            raise NotFound(f"OpenAI has no file {openai_file_id} attached to assistant "
                           f"{assistant.id}{where}.")
        if len(tools) > 1:
            raise InvalidInput(f"File {openai_file_id} is attached to both tools in OpenAI: say "
                               "which with `tool`.",
                               {"tool": ["Required: the file is attached to both tools."]})
        found = tools[0]
        if openai_file_id in {f.openai_id for f in assistant.files_for(found)}:
            raise Conflict(f"File {openai_file_id} is attached to {found} here too, so it is not "
                           "missing here.")
        return found, present[found][openai_file_id]

    def _push_files(self, gateway, assistant: Assistant, remote: RemoteAssistant, tool: str, *,
                    remove: Iterable[str] = (), add: Iterable[str] = ()):
        """Push OpenAI's own state back with only ``tool``'s files changed, so one file's fix
        leaves every other difference as it is."""
        present = present_files(remote)
        removed = set(remove)
        ids = {t: [i for i in present[t] if not (t == tool and i in removed)]
               for t in TOOLS_WITH_FILES}
        ids[tool] += [i for i in add if i not in ids[tool]]
        spec = dataclasses.replace(
            remote.spec,
            code_interpreter_file_ids=tuple(ids["code_interpreter"]),
            file_search_file_ids=tuple(ids["file_search"]))
        return gateway.push(spec, remote.openai_id, store_name=assistant.name)

    def _push_snapshot(self, assistant: Assistant) -> None:
        """Make OpenAI hold exactly the local assistant. Files whose File is gone in OpenAI are
        uploaded again from their stored content (409 if a remote-only one has none); an
        assistant deleted in OpenAI is created again. Only OpenAI ids change here."""
        gateway = self._gateway(assistant)
        storage = gateway.storage
        openai_id = assistant.openai_id
        remote = None
        if _was_pushed(assistant):
            try:
                remote = _fetch(gateway, assistant, spec_for(assistant), self.session)
            except RemoteNotFound:
                openai_id = None  # deleted in OpenAI: create it again
        existing = _existing_files(storage, assistant, remote)
        gone = [f for f in assistant.files if f.openai_id not in existing]
        lost = [f for f in gone if f.content is None]
        if lost:
            names = ", ".join(repr(f.filename) for f in lost)
            raise Conflict(
                f"OpenAI no longer has {names} and the content is not stored here, so "
                f"{_what(assistant).lower()} cannot be pushed as it is: upload "
                f"{'it' if len(lost) == 1 else 'them'} again or remove "
                f"{'it' if len(lost) == 1 else 'them'} first.",
                {"files": [f"{f.filename} ({f.openai_id}): upload it again or remove it"
                           for f in lost]})
        uploads: dict[int, RemoteFile] = {}
        try:
            for record in gone:
                uploads[record.id] = storage.upload_file(record.filename, record.content.data)
            new_ids = {record.openai_id: uploads[record.id].openai_id for record in gone}
            spec = spec_for(assistant)
            spec = dataclasses.replace(
                spec,
                code_interpreter_file_ids=tuple(new_ids.get(i, i)
                                                for i in spec.code_interpreter_file_ids),
                file_search_file_ids=tuple(new_ids.get(i, i) for i in spec.file_search_file_ids))
            listing = remote.store_listing if remote is not None else None
            try:
                result = gateway.push(spec, openai_id, store_name=assistant.name,
                                      store_page_cursors=listing.page_cursors if listing else ())
            except RemoteError as exc:
                result = self._read_back_lost_push(gateway, assistant, openai_id, spec, exc)
        except RemoteError:
            for uploaded in uploads.values():
                discard_file(storage, uploaded.openai_id)
            raise

        def save():
            for record in gone:
                record.openai_id = uploads[record.id].openai_id
            if result.openai_id is not None and result.openai_id != assistant.openai_id:
                assistant.openai_id = result.openai_id
            if result.vector_store_id != assistant.vector_store_id:
                assistant.vector_store_id = result.vector_store_id
            if not assistant.is_version:
                assistant.pushed_at = utcnow()
                assistant.refresh_content_hash()

        def undo():
            if openai_id is None and result.openai_id:
                gateway.delete(result.openai_id)
            if result.created_vector_store and result.vector_store_id:
                storage.discard_vector_store(result.vector_store_id)
            for uploaded in uploads.values():
                discard_file(storage, uploaded.openai_id)

        self._commit(save, undo)
        self.deps.hooks.assistant_pushed(assistant)

    def _read_back_lost_push(self, gateway, assistant: Assistant, openai_id: str | None,
                             spec: AssistantSpec, lost: RemoteError) -> PushResult:
        """The push's answer was lost (OpenAI may or may not have made the update): when the
        assistant read back holds ``spec`` the push counts as done; otherwise, or when it
        cannot be read, ``lost`` stands and the caller undoes what it uploaded (the next check
        reports what OpenAI holds)."""
        if not lost.outcome_unknown or gateway.backend != "assistants" or not openai_id:
            raise lost
        try:
            remote = gateway.fetch_state(spec, openai_id)
        except RemoteError:
            raise lost from None
        if not holds_spec(remote.spec, spec):
            raise lost
        log.info("the lost push of assistant %s had reached OpenAI: saving it", assistant.id)
        return PushResult(openai_id=openai_id, vector_store_id=remote.spec.vector_store_id)

    @staticmethod
    def _record_store(assistant: Assistant, result) -> None:
        """A fix that had to create a store (OpenAI had none) records it here."""
        if result.created_vector_store:
            assistant.vector_store_id = result.vector_store_id

    def _commit(self, save=None, undo=None) -> None:
        commit_or_undo(self.session, save, undo)

    def _delete_if_unused(self, openai_id: str, assistant: Assistant) -> RemoteOperation | None:
        """Record the File's deletion (the outbox) unless an unarchived assistant or version,
        of any team, still uses it."""
        return record_file_deletion(self.deps, openai_id, team_id=self.team_id,
                                    backend=assistant.backend,
                                    reason=f"sync fix of assistant {assistant.id}")


def _existing_files(storage, assistant: Assistant, remote: RemoteAssistant | None) -> set[str]:
    """The ids of ``assistant``'s files that OpenAI still has: those ``remote`` shows, and each
    other one confirmed by its own request (never the project's file list)."""
    present = {i for files in present_files(remote).values() for i in files} if remote else set()
    others = [f.openai_id for f in assistant.files if f.openai_id not in present]
    return present | set(storage.file_names(others))


def _listed(remote: RemoteAssistant, tool: str) -> set[str]:
    """Every id the remote assistant lists for ``tool``, including Files OpenAI no longer has."""
    return {f.openai_id for f in remote.files.get(tool, ())}


def _local_value(name: str, value: object) -> object:
    """A normalised remote value in the form the local columns store."""
    if name in ("description", "instructions"):
        return value or ""
    if name == "name":
        return (value or "")[:256]
    if name in ("builtin_tools", "function_tools"):
        return _plain(value)
    return value


def _remote_only_record(tool: str, remote_file: RemoteFile) -> AssistantFile:
    return AssistantFile(tool=tool, openai_id=remote_file.openai_id,
                         filename=(remote_file.filename or remote_file.openai_id)[:FILENAME_MAX],
                         bytes=remote_file.bytes, remote_only=True)


def _check_upload(filename: str | None, content: bytes) -> None:
    if not filename or len(filename) > FILENAME_MAX:
        raise InvalidInput("The file needs a name.",
                           {"file": [f"A filename of 1 to {FILENAME_MAX} characters is needed."]})
    if not content:
        raise InvalidInput("The file is empty.", {"file": ["The file is empty."]})
