"""Assistants of one team: list, create, edit, import, and their files.

Routes, pages and the CLI call :class:`AssistantService`; it validates input with the schemas,
asks ``ocs_authorize``, talks to OpenAI through the remote gateway and saves with the host's
``db.session``. Every change that reaches OpenAI follows one rule: **push first, then save**, and
if saving fails undo the push, so the database and OpenAI never disagree because of us:

- create: push -> commit; a failed push saves nothing, a failed commit deletes what was created;
- edit: push the new spec -> commit; a failed commit pushes the old spec back;
- upload: upload the file -> push -> commit; any failure deletes the uploaded file again;
- remove: push without the file -> commit (the File's deletion is recorded in the same
  transaction as a remote operation, then carried out).

The module also holds what the sync fixes share with these services: whether an OpenAI File is
still used (:func:`files_in_use`), recording its deletion (:func:`record_file_deletion`), the
stored file contents (:func:`stored_content`, :func:`drop_unused_contents`) and
:func:`commit_or_undo`.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.orm import lazyload
from marshmallow import ValidationError

from . import Dependencies
from ..outbox import queue as operations
from ..errors import (
    AlreadyManaged,
    Conflict,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    RemoteError,
    RemoteNotFound,
    RemoteUnavailable,
)
from ..models import Assistant, AssistantFile, FileContent, RemoteOperation, utcnow
from ..remote import build_request
from ..remote.base import TOOLS_WITH_FILES, AssistantSpec, PushResult
from .store_listings import remember_listing
from ..remote.normalize import CONFIG_FIELDS, FILE_FIELDS, spec_differences
from ..schemas import (
    FILENAME_MAX,
    MAX_CODE_INTERPRETER_FILES,
    AssistantInputSchema,
    ImportInputSchema,
    invalid_input,
    text_problems,
)

log = logging.getLogger(__name__)


def validate(schema, data: Any, **kwargs) -> dict:
    """``schema.load(data)`` raising :class:`InvalidInput` with every bad field named.

    Text no layer below can take (NUL, lone surrogates, nesting past the limit) is refused
    first, wherever it is. ``partial=True`` applies to the top-level fields only: an item of a
    list (a function tool) is always whole."""
    if not isinstance(data, Mapping):
        raise InvalidInput("Send a JSON object.", {"body": ["Expected a JSON object."]})
    problems = text_problems(dict(data))
    if problems:
        raise InvalidInput(f"Invalid input: check {', '.join(sorted(problems))}.", problems)
    if kwargs.get("partial") is True:
        kwargs["partial"] = tuple(schema.fields)
    try:
        return schema.load(data, **kwargs)
    except ValidationError as exc:
        raise invalid_input(exc) from None


def spec_for(assistant: Assistant, **overrides) -> AssistantSpec:
    """The :class:`AssistantSpec` of a local assistant; ``overrides`` replace fields (for a push
    that should happen before the change is saved)."""

    def value(name):
        return overrides[name] if name in overrides else getattr(assistant, name)

    files = overrides["files"] if "files" in overrides else assistant.files
    return AssistantSpec(
        model=value("model"),
        name=value("name"),
        description=value("description") or None,
        instructions=value("instructions") or None,
        temperature=value("temperature"),
        top_p=value("top_p"),
        response_format=value("response_format"),
        builtin_tools=tuple(value("builtin_tools") or ()),
        function_tools=tuple(value("function_tools") or ()),
        code_interpreter_file_ids=tuple(f.openai_id for f in files if f.tool == "code_interpreter"),
        file_search_file_ids=tuple(f.openai_id for f in files if f.tool == "file_search"),
        vector_store_id=value("vector_store_id"),
    )


@dataclass(frozen=True)
class _FileRef:
    """A stand-in for an ``AssistantFile`` in a spec that has not been saved yet."""

    tool: str
    openai_id: str


@dataclass
class Page:
    items: list[Assistant]
    page: int
    has_next: bool


LIKE_ESCAPE = "\\"


def _contains_pattern(text: str) -> str:
    """A ``LIKE`` pattern (escaped with :data:`LIKE_ESCAPE`) for values containing ``text``."""
    for special in (LIKE_ESCAPE, "%", "_"):  # the escape character itself first
        text = text.replace(special, LIKE_ESCAPE + special)
    return f"%{text}%"


def _normalized_input(values: dict) -> dict:
    """Stored forms: ``None`` text is empty text, tool lists are lists."""
    out = dict(values)
    for name in ("description", "instructions"):
        if name in out and out[name] is None:
            out[name] = ""
    for name in ("builtin_tools", "function_tools"):
        if name in out and out[name] is None:
            out[name] = []
    if "function_tools" in out:
        out["function_tools"] = [dict(t) for t in out["function_tools"]]
    return out


class AssistantService:
    """Operations on the assistants of one team.

    :param deps: the app's :class:`~ocs_assistant_plugin.lifecycle.Dependencies`.
    :param team_id: the team everything is scoped to: another team's assistant is not found.
    :param authorize: ask ``ocs_authorize`` before each action (the CLI, run by an operator with
        shell access, passes ``False``).
    """

    def __init__(self, deps: Dependencies, team_id: int, *, authorize: bool = True):
        self.deps = deps
        self.team_id = team_id
        self.check_permissions = authorize
        self.session = deps.session

    @classmethod
    def for_current_team(cls, deps: Dependencies) -> "AssistantService":
        """The service of the signed-in team (``ocs_current_team_id``); 401 without one."""
        team_id = deps.hooks.current_team_id()
        if team_id is None:
            raise NotAuthenticated("Sign in to a team to manage its assistants.")
        return cls(deps, team_id)

    # -- lookups ----------------------------------------------------------------------------

    def require(self, action: str, assistant: Assistant | None = None) -> None:
        """Raise :class:`Forbidden` unless ``ocs_authorize`` allows ``action`` and ``view``.

        Every action answers with what it read or made, so reading is needed as well
        (DESIGN 5.2): the API and the pages ask the same questions through here."""
        if not self.check_permissions:
            return
        for needed in dict.fromkeys((action, "view")):
            if not self.deps.hooks.authorize(needed, self.team_id, assistant):
                what = f"assistant {assistant.id}" if assistant is not None else "assistants"
                raise Forbidden(f"You may not {needed} {what} in team {self.team_id}.")

    def get(self, assistant_id: int, action: str = "view", *, for_update: bool = False) -> Assistant:
        """The team's assistant (working or version), authorized for ``action``."""
        query = sa.select(Assistant).where(Assistant.id == assistant_id,
                                           Assistant.team_id == self.team_id)
        if for_update:
            # Serialises concurrent edits of one assistant: each push is saved in push order.
            query = query.with_for_update()
        assistant = self.session.execute(query).scalar_one_or_none()
        if assistant is None:
            raise NotFound(f"Assistant {assistant_id} not found.")
        self.require(action, assistant)
        return assistant

    def get_editable(self, assistant_id: int, action: str = "edit") -> Assistant:
        """The team's working, unarchived assistant, locked for the change (409 otherwise)."""
        assistant = self.get(assistant_id, action, for_update=True)
        refuse_read_only(assistant, "edit the working assistant instead.")
        return assistant

    def list(self, *, archived: bool = False, versions: bool = False, page: int = 1,
             page_size: int | None = None, search: str | None = None) -> Page:
        """A page of the team's assistants in id order: unarchived (or only archived) ones,
        working assistants only unless ``versions``, and with ``search`` only those whose name
        contains it (case-insensitive; ``%``, ``_`` and ``\\`` match themselves)."""
        self.require("view")
        size = page_size or self.deps.settings.page_size
        query = sa.select(Assistant).where(Assistant.team_id == self.team_id,
                                           Assistant.archived == bool(archived))
        if not versions:
            query = query.where(Assistant.is_version.is_(False))
        if search:
            query = query.where(sa.func.lower(Assistant.name).like(
                _contains_pattern(search.lower()), escape=LIKE_ESCAPE))
        query = query.order_by(Assistant.id).offset((page - 1) * size).limit(size + 1)
        rows = list(self.session.execute(query).scalars())
        return Page(items=rows[:size], page=page, has_next=len(rows) > size)

    # -- create and edit --------------------------------------------------------------------

    def create(self, data: Mapping) -> Assistant:
        """Validate AssistantInput, create the assistant in OpenAI, save it (201 in the API)."""
        self.require("create")
        values = {"description": "", "instructions": "", "builtin_tools": [], "function_tools": [],
                  **_normalized_input(validate(AssistantInputSchema(), data))}
        assistant = Assistant(team_id=self.team_id, files=[],
                              backend=self.deps.settings.backend, **values)
        gateway = self.deps.gateways.gateway(assistant.backend, self.team_id)
        with leftovers_recorded(self.deps, gateway, self.team_id, "creating an assistant"):
            result = gateway.push(spec_for(assistant), None, store_name=assistant.name)
            self._record_push(assistant, result)
            self.session.add(assistant)
            commit_or_undo(self.session, undo=lambda: self._undo_create(gateway, result))
        self.deps.hooks.assistant_pushed(assistant)
        return assistant

    def update(self, assistant_id: int, data: Mapping) -> Assistant:
        """Validate a partial AssistantInput, push the changed assistant, then save it."""
        assistant = self.get_editable(assistant_id)
        values = _normalized_input(validate(AssistantInputSchema(), data, partial=True))
        before = spec_for(assistant)
        gateway = self.deps.gateways.gateway(assistant.backend, self.team_id)
        created = assistant.openai_id is None and gateway.backend == "assistants"
        with leftovers_recorded(self.deps, gateway, self.team_id,
                                f"updating assistant {assistant.id}"):
            result = self._push_or_reconcile(gateway, assistant, before,
                                             spec_for(assistant, **values))
            for name, value in values.items():
                setattr(assistant, name, value)
            self._record_push(assistant, result)

            def undo():
                if created:
                    self._undo_create(gateway, result)
                else:
                    self._push_back(gateway, assistant, before, result)

            commit_or_undo(self.session, undo=undo)
        self.deps.hooks.assistant_pushed(assistant)
        return assistant

    def import_assistant(self, openai_assistant_id: str) -> Assistant:
        """Copy an assistant that exists in OpenAI (with every file of its vector store and the
        filenames) into this team. Nothing is changed in OpenAI.

        A remote object is managed by one team at most (DESIGN 5.2): 409 ``already_managed``
        when a live (unarchived) assistant or version of any team holds the OpenAI assistant or
        its vector store, naming the assistant only when it is this team's own; 409 too while
        the deletion of the OpenAI assistant is waiting in the outbox."""
        self.require("import")
        openai_id = validate(ImportInputSchema(), {"openai_assistant_id": openai_assistant_id}
                             )["openai_assistant_id"].strip()
        self._refuse_managed(Assistant.openai_id, openai_id, "OpenAI assistant")
        waiting = self.session.execute(sa.select(RemoteOperation.id).where(
            RemoteOperation.target == openai_id,
            RemoteOperation.kind == operations.DELETE_ASSISTANT,
            RemoteOperation.status.in_((operations.PENDING, operations.RUNNING))).limit(1)).first()
        if waiting is not None:
            raise Conflict(f"OpenAI assistant {openai_id} is being deleted (its assistant here "
                           "was archived).", {"openai_assistant_id": ["Being deleted."]})
        gateway = self.deps.gateways.gateway("assistants", self.team_id)
        try:
            remote = gateway.fetch(openai_id)
        except RemoteNotFound:
            raise InvalidInput(f"OpenAI has no assistant {openai_id}.",
                               {"openai_assistant_id": ["No such assistant in OpenAI."]}) from None
        spec = remote.spec
        if spec.vector_store_id:
            self._refuse_managed(Assistant.vector_store_id, spec.vector_store_id,
                                 f"The vector store of OpenAI assistant {openai_id}")
        assistant = Assistant(
            team_id=self.team_id, backend="assistants", openai_id=remote.openai_id,
            name=(spec.name or remote.openai_id)[:256], description=spec.description or "",
            instructions=spec.instructions or "", model=spec.model,
            temperature=spec.temperature, top_p=spec.top_p, response_format=spec.response_format,
            builtin_tools=list(spec.builtin_tools),
            function_tools=[dict(t) for t in spec.function_tools],
            vector_store_id=spec.vector_store_id, files=[])
        for tool in TOOLS_WITH_FILES:
            seen = set()
            for remote_file in remote.files.get(tool, ()):
                if remote_file.openai_id in seen:
                    continue
                seen.add(remote_file.openai_id)
                assistant.files.append(AssistantFile(
                    tool=tool, openai_id=remote_file.openai_id,
                    filename=(remote_file.filename or remote_file.openai_id)[:FILENAME_MAX],
                    bytes=remote_file.bytes, remote_only=True))
        assistant.refresh_content_hash()
        self.session.add(assistant)
        remember_listing(self.session, remote.store_listing)
        commit_or_undo(self.session)
        return assistant

    def _refuse_managed(self, column, remote_id: str, what: str,
                        field: str = "openai_assistant_id") -> None:
        """:class:`AlreadyManaged` when a live row of any team holds ``remote_id`` in
        ``column`` (the error names ``field``); another team is never named."""
        holder = self.session.execute(
            sa.select(Assistant.id, Assistant.team_id)
            .where(column == remote_id, Assistant.archived.is_(False))
            .order_by(Assistant.team_id != self.team_id, Assistant.id).limit(1)).first()
        if holder is None:
            return
        if holder.team_id == self.team_id:
            where = f"already managed here by assistant {holder.id}"
        else:
            where = "already managed by another team"
        raise AlreadyManaged(f"{what} {remote_id} is {where}.",
                             {field: [f"{what[0].upper()}{what[1:]} is {where}."]})

    def import_vector_store(self, vector_store_id: str, model: str,
                            name: str | None = None) -> Assistant:
        """A new ``responses`` assistant holding an OpenAI vector store and its files (with their
        filenames), for servers without the Assistants API: nothing is changed in OpenAI. 409
        ``already_managed`` when a live assistant of any team holds the store already."""
        self.require("import")
        values = validate(ImportInputSchema(), {"vector_store_id": vector_store_id, "model": model,
                                                **({"name": name} if name is not None else {})})
        store_id, model = values["vector_store_id"].strip(), values["model"].strip()
        self._refuse_managed(Assistant.vector_store_id, store_id, "Vector store",
                             field="vector_store_id")
        storage = self.deps.gateways.storage(self.team_id)
        try:
            store_name = storage.vector_store_name(store_id)
            listing = storage.list_store(store_id)
        except RemoteNotFound:
            raise InvalidInput(f"OpenAI has no vector store {store_id}.",
                               {"vector_store_id": ["No such vector store in OpenAI."]}) from None
        file_ids = list(listing.file_ids)
        names = storage.file_names(file_ids, may_list_project=True)
        assistant = Assistant(
            team_id=self.team_id, backend="responses", openai_id=None,
            name=(values.get("name") or store_name or store_id)[:256], model=model,
            description="", instructions="", builtin_tools=["file_search"], function_tools=[],
            vector_store_id=store_id, pushed_at=utcnow(), files=[
                AssistantFile(tool="file_search", openai_id=file_id, remote_only=True,
                              filename=(names[file_id].filename if file_id in names
                                        else file_id)[:FILENAME_MAX],
                              bytes=names[file_id].bytes if file_id in names else 0)
                for file_id in dict.fromkeys(file_ids)])
        assistant.refresh_content_hash()
        self.session.add(assistant)
        remember_listing(self.session, listing)
        commit_or_undo(self.session)
        return assistant

    # -- files ------------------------------------------------------------------------------

    def upload_file(self, assistant_id: int, *, tool: str, filename: str, content: bytes) -> AssistantFile:
        """Upload a file to OpenAI, attach it to ``tool`` (the vector store for file_search,
        the code_interpreter file ids otherwise), save it. On any failure the uploaded File is
        deleted again and nothing is saved."""
        assistant = self.get_editable(assistant_id)
        problems = {}
        if tool not in TOOLS_WITH_FILES:
            problems["tool"] = [f"Must be one of {', '.join(TOOLS_WITH_FILES)}."]
        elif tool not in assistant.builtin_tools:
            problems["tool"] = [f"The {tool} tool is off for this assistant: turn it on first."]
        if not filename or len(filename) > FILENAME_MAX:
            problems["file"] = [f"A filename of 1 to {FILENAME_MAX} characters is needed."]
        elif not content:
            problems["file"] = ["The file is empty."]
        elif tool == "code_interpreter" and len(assistant.files_for(tool)) >= MAX_CODE_INTERPRETER_FILES:
            problems["file"] = [f"code_interpreter takes at most {MAX_CODE_INTERPRETER_FILES} "
                                "files: remove one first."]
        if problems:
            raise InvalidInput("The file cannot be added: " + " ".join(
                m for texts in problems.values() for m in texts), problems)

        gateway = self.deps.gateways.gateway(assistant.backend, self.team_id)
        storage = gateway.storage
        with leftovers_recorded(self.deps, gateway, self.team_id,
                                f"adding a file to assistant {assistant.id}"):
            uploaded = storage.upload_file(filename, content)
            files = [*assistant.files, _FileRef(tool=tool, openai_id=uploaded.openai_id)]
            before = spec_for(assistant)
            try:
                result = self._push_or_reconcile(gateway, assistant, before,
                                                 spec_for(assistant, files=files))
            except RemoteError:
                storage.discard_file(uploaded.openai_id)
                raise
            record = AssistantFile(tool=tool, filename=filename, openai_id=uploaded.openai_id,
                                   bytes=uploaded.bytes or len(content), remote_only=False)

            def save():
                record.content = stored_content(self.session, content)
                assistant.files.append(record)
                self._record_push(assistant, result)

            def undo():
                self._push_back(gateway, assistant, before, result)
                storage.discard_file(uploaded.openai_id)

            commit_or_undo(self.session, save, undo)
        self.deps.hooks.assistant_pushed(assistant)
        return record

    def remove_file(self, assistant_id: int, file_ref: int | str, *, tool: str | None = None) -> None:
        """Detach a file (local id, or OpenAI file id) from its tool and push. The OpenAI File is
        deleted too when no other unarchived assistant or version uses it."""
        assistant = self.get_editable(assistant_id)
        if tool is not None and tool not in TOOLS_WITH_FILES:
            raise InvalidInput(f"Unknown tool {tool!r}.",
                               {"tool": [f"Must be one of {', '.join(TOOLS_WITH_FILES)}."]})
        record = self._find_file(assistant, file_ref, tool)
        gateway = self.deps.gateways.gateway(assistant.backend, self.team_id)
        remaining = [f for f in assistant.files if f is not record]
        before = spec_for(assistant)
        with leftovers_recorded(self.deps, gateway, self.team_id,
                                f"removing a file from assistant {assistant.id}"):
            result = self._push_or_reconcile(gateway, assistant, before,
                                             spec_for(assistant, files=remaining))

        openai_id, content_id = record.openai_id, record.content_id
        operation = None

        def save():
            nonlocal operation
            assistant.files.remove(record)  # delete-orphan: the row goes on flush
            self._record_push(assistant, result)
            self.session.flush()
            operation = record_file_deletion(
                self.deps, openai_id, team_id=self.team_id, backend=assistant.backend,
                reason=f"removed from assistant {assistant.id}")
            drop_unused_contents(self.session, [content_id])

        commit_or_undo(self.session, save,
                       lambda: self._push_back(gateway, assistant, before, result))
        self.deps.hooks.assistant_pushed(assistant)
        if operation is not None:
            operations.run_now(self.deps, [operation.id])

    # -- internals --------------------------------------------------------------------------

    def _push(self, gateway, assistant: Assistant, spec: AssistantSpec) -> PushResult:
        return gateway.push(spec, assistant.openai_id, store_name=spec.name)

    def _push_or_reconcile(self, gateway, assistant: Assistant, before: AssistantSpec,
                           wanted: AssistantSpec) -> PushResult:
        """Push ``wanted``; when the update's answer was lost (OpenAI may or may not have made
        it), read the assistant back: if it holds ``wanted`` the push counts as done (the caller
        saves it), if it still holds ``before`` the error stands (nothing changed anywhere),
        and anything else is pushed back to ``before``. An error says exactly what stays
        uncertain when OpenAI cannot be read back."""
        try:
            return self._push(gateway, assistant, wanted)
        except RemoteError as exc:
            if not exc.outcome_unknown or gateway.backend != "assistants" \
                    or not assistant.openai_id:
                raise
            lost = exc
        try:
            remote = gateway.fetch_state(wanted, assistant.openai_id).spec
        except RemoteError as exc:
            raise RemoteUnavailable(
                f"{lost.message} OpenAI's answer to the update of assistant {assistant.id} was "
                "lost and the assistant could not be read back, so it is uncertain whether "
                "OpenAI holds the change; nothing was saved here. Open the sync check to compare "
                f"and push or pull ({exc.message})", lost.fields, outcome_unknown=True) from exc
        if holds_spec(remote, wanted):
            log.info("the lost update of assistant %s had reached OpenAI: saving it", assistant.id)
            return PushResult(openai_id=assistant.openai_id,
                              vector_store_id=remote.vector_store_id)
        if not holds_spec(remote, before):
            self._push_back(gateway, assistant, before,
                            PushResult(assistant.openai_id, remote.vector_store_id))
        raise lost

    @staticmethod
    def _record_push(assistant: Assistant, result: PushResult) -> None:
        if result.openai_id is not None:
            assistant.openai_id = result.openai_id
        assistant.vector_store_id = result.vector_store_id
        assistant.pushed_at = utcnow()
        assistant.refresh_content_hash()

    def _undo_create(self, gateway, result: PushResult) -> None:
        gateway.discard(result.openai_id)
        if result.created_vector_store and result.vector_store_id:
            gateway.storage.discard_vector_store(result.vector_store_id)

    def _push_back(self, gateway, assistant: Assistant, before: AssistantSpec,
                   result: PushResult) -> None:
        """Restore what OpenAI had before a push whose save failed."""
        if result.created_vector_store:
            before = dataclasses.replace(before, vector_store_id=None)
        gateway.push(before, result.openai_id, store_name=before.name)
        if result.created_vector_store and result.vector_store_id:
            gateway.storage.discard_vector_store(result.vector_store_id)

    def _find_file(self, assistant: Assistant, file_ref: int | str, tool: str | None) -> AssistantFile:
        ref = str(file_ref)
        if ref.isascii() and ref.isdigit():
            matches = [f for f in assistant.files if f.id == int(ref)]
        else:
            matches = [f for f in assistant.files if f.openai_id == ref]
        if tool is not None:
            matches = [f for f in matches if f.tool == tool]
        if not matches:
            where = f" for {tool}" if tool else ""
            raise NotFound(f"Assistant {assistant.id} has no file {ref}{where}.")
        if len(matches) > 1:
            raise InvalidInput(f"File {ref} is attached to both tools: say which with `tool`.",
                               {"tool": ["Required: the file is attached to both tools."]})
        return matches[0]


def refuse_read_only(assistant: Assistant, advice: str) -> None:
    """409 for a version (read-only: ``advice`` says what to do instead) or an archived
    assistant; the one read-only rule of every service that changes an assistant."""
    if assistant.is_version:
        raise Conflict(f"Assistant {assistant.id} is version {assistant.version_number} of "
                       f"assistant {assistant.working_id} and read-only: {advice}")
    if assistant.archived:
        raise Conflict(f"Assistant {assistant.id} is archived and cannot be changed.")


class TeamServiceBase:
    """A service built on the team's :class:`AssistantService` (its lookups, authorization and
    session): the sync fixes and archiving."""

    def __init__(self, assistants: AssistantService):
        self.assistants = assistants
        self.deps = assistants.deps
        self.team_id = assistants.team_id
        self.session = assistants.session


# -- shared by the services that change files (here and the sync fixes) ---------------------------


def lock_assistants(session, ids: Iterable[int], team_id: int) -> None:
    """Serialise with releases and archives of these assistants until the transaction ends:
    ``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite has no row locks, so a no-op write takes the
    database's writer lock there, before anything is read."""
    ids = sorted(set(ids))  # one order everywhere: two lockers cannot deadlock
    if session.get_bind(mapper=sa.inspect(Assistant)).dialect.name == "sqlite":
        session.execute(sa.update(Assistant)
                        .where(Assistant.id.in_(ids), Assistant.team_id == team_id)
                        .values(archived=Assistant.archived, updated_at=Assistant.updated_at)
                        .execution_options(synchronize_session=False))
    else:
        session.execute(sa.select(Assistant.id)
                        .where(Assistant.id.in_(ids), Assistant.team_id == team_id)
                        .order_by(Assistant.id).with_for_update())


def commit_or_undo(session, save=None, undo=None) -> None:
    """Run ``save`` (more database work) and commit; if the database refuses, roll back, undo
    the remote change already made (``undo``) and re-raise."""
    try:
        if save is not None:
            save()
        session.commit()
    except Exception:  # whatever failed, nothing was saved: undo remotely, then re-raise
        session.rollback()
        if undo is not None:
            try:
                undo()
            except RemoteError as exc:
                log.error("could not undo a remote change after a failed commit: %s", exc.message)
        raise


def files_in_use(session, openai_ids: Iterable[str]) -> set[str]:
    """Those of ``openai_ids`` that an unarchived assistant or version, of any team (OpenAI ids
    are global), still uses."""
    ids = sorted(set(openai_ids))
    if not ids:
        return set()
    return set(session.execute(
        sa.select(AssistantFile.openai_id).join(Assistant).where(
            AssistantFile.openai_id.in_(ids), Assistant.archived.is_(False)).distinct()
    ).scalars())


def record_file_deletion(deps, openai_id: str, *, team_id: int, backend: str,
                         reason: str) -> RemoteOperation | None:
    """Record the deletion of an OpenAI File in the outbox (current transaction) unless it is
    still in use; call after the change that stopped using it was flushed. The caller commits,
    then hands the operation to :func:`~.operations.run_now`."""
    if files_in_use(deps.session, [openai_id]):
        return None
    return operations.enqueue(deps, operations.DELETE_FILE, openai_id, team_id=team_id,
                              payload={"backend": backend, "reason": reason})


def stored_content(session, data: bytes) -> FileContent:
    """The stored content for ``data``, shared with any file that has the same bytes."""
    digest = hashlib.sha256(data).hexdigest()
    existing = session.execute(sa.select(FileContent).where(
        FileContent.sha256 == digest, FileContent.size == len(data)).limit(1)).scalar()
    return existing or FileContent(sha256=digest, size=len(data), data=data)


def drop_unused_contents(session, content_ids: Iterable[int | None]) -> None:
    """Delete stored contents no file uses any more (call after the change was flushed)."""
    for content_id in {i for i in content_ids if i is not None}:
        still_used = session.execute(sa.select(AssistantFile.id).where(
            AssistantFile.content_id == content_id).limit(1)).first()
        if still_used is None:
            content = session.get(FileContent, content_id)
            if content is not None:
                session.delete(content)


def discard_file(storage, openai_id: str) -> None:
    """Delete a File uploaded by a change that failed; a deletion that fails too is noted in
    ``storage.leftovers`` (for :func:`leftovers_recorded` to queue in the outbox)."""
    storage.discard_file(openai_id)


def holds_spec(remote: AssistantSpec, wanted: AssistantSpec) -> bool:
    """Does the assistant read back from OpenAI hold ``wanted`` (configuration, files, store)?"""
    return not spec_differences(wanted, remote, fields=CONFIG_FIELDS + FILE_FIELDS)


@contextlib.contextmanager
def leftovers_recorded(deps, gateway, team_id: int, reason: str):
    """Around a change that reaches OpenAI: whatever its creates and clean-ups noted in
    ``gateway.storage.leftovers`` (a create whose answer was lost, a clean-up ``DELETE`` that
    failed) is recorded in the outbox in a transaction of its own once the change is over,
    committed or failed, then handed to the outbox's worker. Nothing is only logged."""
    try:
        yield
    except BaseException:
        deps.session.rollback()  # the change's own transaction is over: it failed
        save_leftovers(deps, gateway, team_id, reason)
        raise
    save_leftovers(deps, gateway, team_id, reason)


def save_leftovers(deps, gateway, team_id: int, reason: str) -> list[RemoteOperation]:
    """Record and commit what ``gateway.storage.leftovers`` holds (see
    :func:`leftovers_recorded`), then dispatch it."""
    noted = gateway.storage.leftovers
    if not noted:
        return []
    what = [f"{leftover.kind} {leftover.target}" for leftover in noted]
    session = deps.session
    try:
        recorded = operations.record_leftovers(deps, noted, team_id=team_id,
                                               backend=gateway.backend, reason=reason)
        session.commit()
    except Exception:  # the change's own outcome is what the caller reports: keep the ids
        session.rollback()
        log.error("could not record what %s may have left in OpenAI; check these by hand: %s",
                  reason, ", ".join(what))
        return []
    log.warning("%s may have left objects in OpenAI; recorded for the outbox: %s", reason,
                ", ".join(what))
    operations.dispatch(deps)
    return recorded


def all_assistants(deps, *, team_id: int | None = None, archived: bool = False,
                   versions: bool = False, related: bool = True) -> list[Assistant]:
    """Every assistant (of one team, or of all teams) in (team, id) order, for operators (the
    CLI); no authorization. ``related=False`` leaves files and versions unread until used (a
    caller that needs only the assistants' own columns)."""
    query = sa.select(Assistant).where(Assistant.archived == bool(archived))
    if not related:
        query = query.options(lazyload(Assistant.files), lazyload(Assistant.versions))
    if team_id is not None:
        query = query.where(Assistant.team_id == team_id)
    if not versions:
        query = query.where(Assistant.is_version.is_(False))
    return list(deps.session.execute(query.order_by(Assistant.team_id, Assistant.id)).scalars())


def responses_request(deps, assistant_id: int) -> dict:
    """Keyword arguments for ``client.responses.create`` for an assistant (any team: the host
    asks for its own objects). See :func:`ocs_assistant_plugin.remote.build_request`."""
    assistant = deps.session.get(Assistant, assistant_id)
    if assistant is None:
        raise NotFound(f"Assistant {assistant_id} not found.")
    if assistant.archived:
        raise Conflict(f"Assistant {assistant_id} is archived.")
    return build_request(spec_for(assistant))
