"""The ``assistants`` backend: the configuration lives in a remote assistant object (Assistants v2).

The SDK marks every ``client.beta.assistants`` method deprecated and warns on each call, so this
module speaks the same HTTP protocol through the client's generic ``get``/``post``/``delete`` with
the ``OpenAI-Beta: assistants=v2`` header the SDK would send. Retries, authentication and error
classes are the client's own, exactly as for the typed methods.

Request budget (what the tests hold this module to):

- ``push``: 1 create/update, plus the store work (list its files, attach, detach) when file_search
  is used.
- ``fetch_state`` (the sync check) of an assistant whose store holds F files, with the cursors
  of its last listing: the assistant, ``ceil(F/100)`` store pages and one request per
  code_interpreter file, all sent at once; then one ``GET /files/{id}`` per file only OpenAI has.
  When the store changed since, the listing goes on page by page from where it differs.
- ``fetch`` (an import): the assistant, the store's pages, one file list for every filename.
- ``clone``: exactly 1 request, whatever the number of files (the new store is created by the
  ``vector_stores`` helper of ``POST /assistants``), never retried by the SDK: a retry would
  repeat the same tag, so the caller retries with a new one (see :mod:`..versions`).
"""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from functools import partial
from urllib.parse import quote

from ..errors import AssistantsApiUnavailable, RemoteError, RemoteNotFound
from .base import (BUILTIN_TOOLS, RELEASE_TAG_KEY, AssistantSpec, Gateway, KnownFiles, PushResult,
                   RemoteAssistant, StoreListing)
from .concurrency import gather
from .leftovers import (CREATE_TAG_KEY, DELETE_ASSISTANT, SWEEP_LOST_CREATE, Leftover,
                        create_once_per_attempt)
from .normalize import normalize_spec
from .storage import RemoteStorage, files_by_tool
from .translate import named, translated_errors

log = logging.getLogger(__name__)

ASSISTANTS_HEADERS = {"OpenAI-Beta": "assistants=v2"}
_OPTIONS = {"headers": ASSISTANTS_HEADERS, "security": {"bearer_auth": True}}

# Fields sent as they are; None means "OpenAI's default" (left out on create, null on update).
_PLAIN_FIELDS = ("name", "description", "instructions", "temperature", "top_p", "response_format")


def assistant_path(openai_id: str) -> str:
    """``/assistants/{id}``, the id escaped so it can only ever name one assistant."""
    if not openai_id:
        raise ValueError("an assistant id is required")
    return f"/assistants/{quote(openai_id, safe='')}"


def function_definition(tool: dict) -> dict:
    """The Assistants ``function`` object for one function tool ``{name, description,
    parameters, strict}``; unset members are left out (OpenAI applies its defaults)."""
    definition = {"name": tool["name"]}
    if tool.get("description"):
        definition["description"] = tool["description"]
    if tool.get("parameters"):
        definition["parameters"] = tool["parameters"]
    if tool.get("strict") is not None:
        definition["strict"] = bool(tool["strict"])
    return definition


def assistant_tools(spec: AssistantSpec) -> list[dict]:
    """``tools`` for the assistant: built-in tools first, then the function tools."""
    tools: list[dict] = [{"type": name} for name in dict.fromkeys(spec.builtin_tools)]
    tools += [{"type": "function", "function": function_definition(t)} for t in spec.function_tools]
    return tools


def assistant_body(spec: AssistantSpec, *, for_update: bool) -> dict:
    """The create/modify body without ``tool_resources``."""
    body: dict = {"model": spec.model, "tools": assistant_tools(spec)}
    for name in _PLAIN_FIELDS:
        value = getattr(spec, name)
        if value is not None or for_update:
            body[name] = value
    return body


def _store_id(data: dict) -> str | None:
    resources = data.get("tool_resources") or {}
    store_ids = (resources.get("file_search") or {}).get("vector_store_ids") or []
    return store_ids[0] if store_ids else None


def spec_from_assistant(data: dict, store_file_ids: list[str]) -> AssistantSpec:
    """The (normalised) spec of an AssistantObject as returned by OpenAI."""
    builtin, functions = [], []
    for tool in data.get("tools") or ():
        kind = tool.get("type")
        if kind in BUILTIN_TOOLS:
            builtin.append(kind)
        elif kind == "function":
            functions.append(tool.get("function") or {})
        else:
            log.info("assistant %s has a %r tool the plugin does not manage", data.get("id"), kind)
    resources = data.get("tool_resources") or {}
    return normalize_spec(AssistantSpec(
        model=data.get("model") or "",
        name=data.get("name"),
        description=data.get("description"),
        instructions=data.get("instructions"),
        temperature=data.get("temperature"),
        top_p=data.get("top_p"),
        response_format=data.get("response_format"),
        builtin_tools=tuple(builtin),
        function_tools=tuple(functions),
        code_interpreter_file_ids=tuple((resources.get("code_interpreter") or {}).get("file_ids")
                                        or ()),
        file_search_file_ids=tuple(store_file_ids),
        vector_store_id=_store_id(data),
    ))


class AssistantsGateway(Gateway):
    """Keeps each assistant as an OpenAI assistant object plus its vector store."""

    backend = "assistants"

    def __init__(self, client, *, concurrency: int = 8, storage: RemoteStorage | None = None):
        self.client = client
        self.storage = storage or RemoteStorage(client, concurrency=concurrency)

    # --- the remote assistant object ---------------------------------------------------------

    def _create(self, body: dict, action: str, *, max_retries: int | None = None) -> dict:
        options = _OPTIONS if max_retries is None else {**_OPTIONS, "max_retries": max_retries}
        with translated_errors(action):
            return self.client.post("/assistants", body=body, cast_to=object, options=options)

    def _create_tagged(self, body: dict, action: str) -> dict:
        """``POST /assistants`` once per attempt, each carrying its token in the metadata; an
        attempt whose answer was lost is noted in ``storage.leftovers`` for a sweep."""
        def create(client, token):
            tagged = {**body, "metadata": {**(body.get("metadata") or {}), CREATE_TAG_KEY: token}}
            with translated_errors(action):
                return client.post("/assistants", body=tagged, cast_to=object, options=_OPTIONS)

        def lost(token, since, created_before, until):
            return Leftover(SWEEP_LOST_CREATE, token, {"since": since, "until": until})

        return create_once_per_attempt(self.client, self.storage.leftovers, create, lost)

    def _update(self, openai_id: str, body: dict) -> dict:
        with translated_errors(f"updating the assistant {openai_id}"):
            return self.client.post(assistant_path(openai_id), body=body, cast_to=object,
                                    options=_OPTIONS)

    def retrieve(self, openai_id: str) -> dict:
        """The assistant object as OpenAI returns it (plain JSON)."""
        with translated_errors(f"reading the assistant {openai_id}"):
            return self.client.get(assistant_path(openai_id), cast_to=object, options=_OPTIONS)

    # --- Gateway -----------------------------------------------------------------------------

    def push(self, spec: AssistantSpec, openai_id: str | None = None, *,
             store_name: str | None = None,
             store_page_cursors: Sequence[str] = ()) -> PushResult:
        """Create or update the assistant; the store is created or given exactly the spec's
        file_search files first. If creating or updating the assistant then fails, a store this
        call created is deleted again, and an existing store whose files it changed gets them
        back when OpenAI surely did not carry the request out (when that is unknown, the
        caller reads the assistant back: see ``AssistantService._push_or_reconcile``)."""
        store_id, created, change = self.storage.sync_store_with_change(
            spec.vector_store_id, spec.file_search_file_ids, needed=spec.uses_vector_store,
            name=store_name or spec.name, page_cursors=store_page_cursors)
        body = assistant_body(spec, for_update=openai_id is not None)
        body["tool_resources"] = {
            "code_interpreter": {"file_ids": list(dict.fromkeys(spec.code_interpreter_file_ids))},
            "file_search": {"vector_store_ids": [store_id] if store_id else []},
        }
        try:
            if openai_id is None:
                assistant = self._create_tagged(body, f"creating {named('assistant', spec.name)}")
            else:
                assistant = self._update(openai_id, body)
        except RemoteError as exc:
            if created:
                self.storage.discard_vector_store(store_id)
            elif store_id and not exc.outcome_unknown:
                self.storage.undo_store_change(store_id, change)
            raise
        return PushResult(openai_id=assistant["id"], vector_store_id=store_id,
                          created_vector_store=created)

    def fetch(self, openai_id: str) -> RemoteAssistant:
        """The assistant, every file of its store (all pages) and every filename: what an import
        reads, knowing nothing of it yet (so filenames may come from the project's file list,
        see :meth:`.RemoteStorage.file_names`). A store the assistant points at but OpenAI no
        longer has reads as no store (``vector_store_id`` None, no files)."""
        data = self.retrieve(openai_id)
        store_id = _store_id(data)
        listing = self._listing(store_id, []) if store_id else None
        spec = self._spec(data, store_id, listing)
        names = self.storage.file_names(
            list(spec.code_interpreter_file_ids) + list(spec.file_search_file_ids),
            may_list_project=True)
        return RemoteAssistant(openai_id=data["id"], spec=spec, files=files_by_tool(spec, names),
                               store_listing=listing)

    def fetch_state(self, spec: AssistantSpec, openai_id: str | None,
                    known: KnownFiles | None = None) -> RemoteAssistant:
        """See :meth:`.Gateway.fetch_state`. In sync, with ``known`` from the last listing: one
        wave of requests (the assistant, the store's pages, the code_interpreter files) and
        nothing else."""
        if not openai_id:
            raise ValueError("fetch_state on the assistants backend needs the assistant's "
                             "openai_id")
        known = known or KnownFiles()
        hint = spec.vector_store_id
        cursors = known.store_page_cursors if hint else ()
        pages = self.storage.store_page_calls(hint, cursors) if hint else []
        local_ci = list(dict.fromkeys(spec.code_interpreter_file_ids))
        outcomes = gather([partial(self.retrieve, openai_id), *pages,
                           *(partial(self.storage.retrieve_file, i) for i in local_ci)],
                          self.storage.concurrency)
        data = outcomes[0].result()
        fetched_pages = outcomes[1:1 + len(pages)]
        checked = dict(zip(local_ci, outcomes[1 + len(pages):]))
        store_id = _store_id(data)
        listing = self._listing(store_id, fetched_pages if store_id == hint else None,
                                cursors) if store_id else None
        remote = self._spec(data, store_id, listing)
        names = self.storage.files_present(remote.code_interpreter_file_ids,
                                           remote.file_search_file_ids, known.filenames, checked)
        return RemoteAssistant(openai_id=data["id"], spec=remote,
                               files=files_by_tool(remote, names), store_listing=listing)

    def _listing(self, store_id: str, fetched, cursors=()) -> StoreListing | None:
        """The store's listing (pages ``fetched`` ahead for ``cursors`` are used), or None when
        OpenAI no longer has the store."""
        try:
            if fetched is None:
                return self.storage.list_store(store_id)
            return self.storage.collect_store_listing(store_id, cursors, fetched)
        except RemoteNotFound:
            return None

    @staticmethod
    def _spec(data: dict, store_id: str | None, listing: StoreListing | None) -> AssistantSpec:
        spec = spec_from_assistant(data, list(listing.file_ids) if listing else [])
        if store_id and listing is None:  # the assistant points at a store OpenAI no longer has
            spec = dataclasses.replace(spec, vector_store_id=None)
        return spec

    def delete(self, openai_id: str | None) -> None:
        """Delete the assistant object (not its store or files); 404 counts as done, and so
        does a server without the Assistants API: no assistant object is left there to delete
        (archiving and the move to ``responses`` go on with the stores and files)."""
        if not openai_id:
            return
        try:
            with translated_errors(f"deleting the assistant {openai_id}"):
                self.client.delete(assistant_path(openai_id), cast_to=object, options=_OPTIONS)
        except RemoteNotFound:
            pass  # already gone: what we wanted
        except AssistantsApiUnavailable:
            log.info("assistant %s not deleted: the server no longer offers the Assistants API",
                     openai_id)

    def discard(self, openai_id: str | None) -> None:
        """Delete the assistant object as clean-up after another failure; if that fails too,
        the deletion is noted in ``storage.leftovers`` instead of raising."""
        try:
            self.delete(openai_id)
        except RemoteError as exc:
            log.warning("could not delete the assistant %s after a failure: %s", openai_id,
                        exc.message)
            self.storage.leftovers.append(Leftover(DELETE_ASSISTANT, openai_id,
                                                   error=exc.message))

    def clone(self, spec: AssistantSpec, store_name: str | None = None, *,
              tag: str | None = None) -> PushResult:
        """A new assistant and, when file_search is used, a new store with the same file ids,
        in ONE request (the ``vector_stores`` helper of ``POST /assistants``); nothing is
        uploaded. The helper cannot name the store, so ``store_name`` goes into its metadata;
        ``tag`` goes into the metadata of both (see :meth:`sweep_clone`).

        The SDK does not retry this request (``max_retries=0``): a retry after a lost answer
        would make a second copy with the same tag, and the first would never be swept."""
        body = assistant_body(spec, for_update=False)
        tagged = {RELEASE_TAG_KEY: tag} if tag else {}
        if tagged:
            body["metadata"] = dict(tagged)
        resources: dict = {}
        if spec.code_interpreter_file_ids:
            resources["code_interpreter"] = {
                "file_ids": list(dict.fromkeys(spec.code_interpreter_file_ids))}
        wants_store = spec.uses_vector_store
        if wants_store:
            store: dict = {"file_ids": list(dict.fromkeys(spec.file_search_file_ids))}
            metadata = {"name": store_name[:512]} if store_name else {}
            metadata.update(tagged)
            if metadata:
                store["metadata"] = metadata
            resources["file_search"] = {"vector_stores": [store]}
        if resources:
            body["tool_resources"] = resources
        assistant = self._create(body, f"creating a copy of {named('assistant', spec.name)}",
                                 max_retries=0)
        store_id = None
        if wants_store:
            created = ((assistant.get("tool_resources") or {}).get("file_search") or {}).get(
                "vector_store_ids") or []
            if not created:
                self.discard(assistant["id"])
                raise RemoteError("OpenAI created the assistant copy without its vector store; "
                                  "the copy was deleted again.")
            store_id = created[0]
        return PushResult(openai_id=assistant["id"], vector_store_id=store_id,
                          created_vector_store=store_id is not None)

    def sweep_lost_create(self, tag: str, since: float, held=None) -> list[str]:
        """Delete what a create attempt tagged ``tag`` (:data:`.leftovers.CREATE_TAG_KEY`) made:
        the assistant with its tagged store, or a store on its own; never what ``held(id)`` says
        a local row holds."""
        deleted = self._sweep_tagged(CREATE_TAG_KEY, tag, since, held)
        return deleted + self.storage.sweep_tagged_vector_stores(CREATE_TAG_KEY, tag, since, held)

    def sweep_clone(self, tag: str, since: float, held=None) -> list[str]:
        """Find the assistants a clone tagged ``tag`` made and delete each with its store,
        except those ``held(id)`` says a local row holds (a committed version's)."""
        return self._sweep_tagged(RELEASE_TAG_KEY, tag, since, held)

    def _sweep_tagged(self, key: str, tag: str, since: float, held=None) -> list[str]:
        """Find the assistants whose metadata ``key`` is ``tag`` and delete each with its store.

        Lists ``GET /assistants?order=desc`` 100 at a time, newest first, and stops at the first
        one created before ``since``. A store is deleted only if its own metadata carries the
        tag (the helper made it with the assistant), and before the assistant, so a sweep cut
        off half-way finds the assistant again next time."""
        found = []
        after = None
        try:
            with translated_errors("looking for the assistants a lost create made"):
                while True:
                    params: dict = {"limit": 100, "order": "desc"}
                    if after:
                        params["after"] = after
                    page = self.client.get("/assistants", cast_to=object,
                                           options={**_OPTIONS, "params": params})
                    data = page.get("data") or []
                    older = False
                    for assistant in data:
                        if (assistant.get("created_at") or 0) < since:
                            older = True
                            break
                        if ((assistant.get("metadata") or {}).get(key) == tag
                                and not (held and held(assistant["id"]))):
                            found.append(assistant)
                    if older or not data or not page.get("has_more"):
                        break
                    after = data[-1]["id"]
        except AssistantsApiUnavailable:
            return []  # a server without the Assistants API made no copy to sweep
        deleted = []
        for assistant in found:
            for store_id in _store_ids(assistant):
                if (self.storage.vector_store_metadata(store_id) or {}).get(key) == tag:
                    self.storage.delete_vector_store(store_id)
                    deleted.append(store_id)
            self.delete(assistant["id"])
            deleted.append(assistant["id"])
        return deleted


def _store_ids(assistant: dict) -> list[str]:
    resources = assistant.get("tool_resources") or {}
    return list((resources.get("file_search") or {}).get("vector_store_ids") or [])
