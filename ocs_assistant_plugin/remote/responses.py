"""The ``responses`` backend: the configuration stays local, only the store and files are remote.

Under the Responses API an assistant's configuration travels with every ``responses.create`` call
(:func:`build_request`), so there is no remote assistant object: ``push`` keeps the vector store
and its files, ``fetch_state`` reads them back, ``clone`` gives a release its own store holding
the same file ids, and ``delete`` has nothing to delete (stores and files are deleted through
:class:`~.storage.RemoteStorage`).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import partial

from ..errors import ConfigurationError, Conflict, InvalidInput
from .base import (RELEASE_TAG_KEY, AssistantSpec, Gateway, KnownFiles, PushResult,
                   RemoteAssistant)
from .concurrency import gather
from .leftovers import CREATE_TAG_KEY
from .normalize import EMPTY_PARAMETERS, normalize_spec
from .storage import RemoteStorage, files_by_tool

CODE_INTERPRETER_MAX_FILES = 50  # AutoCodeInterpreterToolParam.file_ids maxItems


def response_function_tool(tool: dict) -> dict:
    """A function tool in the Responses shape. ``parameters`` and ``strict`` are required there;
    unset, they get the Assistants defaults (no parameters, not strict) so behaviour is kept."""
    result = {"type": "function", "name": tool["name"],
              "parameters": tool.get("parameters") or dict(EMPTY_PARAMETERS),
              "strict": bool(tool.get("strict"))}
    if tool.get("description"):
        result["description"] = tool["description"]
    return result


def text_format(response_format: object) -> dict | None:
    """``text.format`` from an Assistants ``response_format`` (None when it is the default).

    The Assistants ``{"type": "json_schema", "json_schema": {name, schema, ...}}`` becomes the
    flat Responses ``{"type": "json_schema", "name", "schema", ...}``."""
    if response_format is None or response_format == "auto":
        return None
    if not isinstance(response_format, dict) or "type" not in response_format:
        raise InvalidInput("response_format must be 'auto' or an object with a 'type'.",
                           {"response_format": [f"not a response format: {response_format!r}"]})
    if response_format["type"] != "json_schema":
        return {"type": response_format["type"]}
    inner = response_format.get("json_schema") or {}
    if not inner.get("name"):
        raise InvalidInput("A json_schema response_format needs json_schema.name.",
                           {"response_format": ["json_schema.name is required"]})
    # The Responses API requires a schema; the Assistants API did not (any JSON object).
    result = {"type": "json_schema", "name": inner["name"],
              "schema": inner.get("schema") or {"type": "object"}}
    if inner.get("description"):
        result["description"] = inner["description"]
    if inner.get("strict") is not None:
        result["strict"] = bool(inner["strict"])
    return result


def build_request(spec: AssistantSpec) -> dict:
    """Keyword arguments for ``client.responses.create`` that make the model behave as ``spec``.

    The caller adds ``input`` (and anything per-conversation). Unset sampling values and the
    default response format are left out, so OpenAI's defaults apply as they did for the
    assistant. Raises ``Conflict`` when file_search is on but the store was never pushed."""
    request: dict = {"model": spec.model}
    if spec.instructions:
        request["instructions"] = spec.instructions
    if spec.temperature is not None:
        request["temperature"] = spec.temperature
    if spec.top_p is not None:
        request["top_p"] = spec.top_p
    tools: list[dict] = []
    if spec.uses_vector_store:
        if not spec.vector_store_id:
            raise Conflict("The assistant uses file_search but has no vector store in OpenAI yet: "
                           "push it first.", {"builtin_tools": ["file_search has no vector store"]})
        tools.append({"type": "file_search", "vector_store_ids": [spec.vector_store_id]})
    if "code_interpreter" in spec.builtin_tools or spec.code_interpreter_file_ids:
        file_ids = list(dict.fromkeys(spec.code_interpreter_file_ids))
        if len(file_ids) > CODE_INTERPRETER_MAX_FILES:
            raise Conflict(f"code_interpreter can use at most {CODE_INTERPRETER_MAX_FILES} files "
                           f"per response; this assistant has {len(file_ids)}.",
                           {"files": [f"at most {CODE_INTERPRETER_MAX_FILES} "
                                      "code_interpreter files"]})
        tools.append({"type": "code_interpreter",
                      "container": {"type": "auto", "file_ids": file_ids}})
    tools += [response_function_tool(t) for t in spec.function_tools]
    if tools:
        request["tools"] = tools
    fmt = text_format(spec.response_format)
    if fmt is not None:
        request["text"] = {"format": fmt}
    return request


class ResponsesGateway(Gateway):
    """Keeps each assistant's vector store and files in OpenAI; the rest is local."""

    backend = "responses"

    def __init__(self, client, *, concurrency: int = 8, storage: RemoteStorage | None = None):
        self.client = client
        self.storage = storage or RemoteStorage(client, concurrency=concurrency)

    build_request = staticmethod(build_request)

    def push(self, spec: AssistantSpec, openai_id: str | None = None, *,
             store_name: str | None = None,
             store_page_cursors: Sequence[str] = ()) -> PushResult:
        """Create the store or give it exactly the spec's file_search files. ``openai_id`` is
        ignored: there is no remote assistant object on this backend."""
        store_id, created = self.storage.sync_store(
            spec.vector_store_id, spec.file_search_file_ids, needed=spec.uses_vector_store,
            name=store_name or spec.name, page_cursors=store_page_cursors)
        return PushResult(openai_id=None, vector_store_id=store_id, created_vector_store=created)

    def fetch(self, openai_id: str) -> RemoteAssistant:
        """There is no assistant to read on this backend; use :meth:`fetch_state`."""
        raise ConfigurationError(
            "The 'responses' backend keeps no assistant object in OpenAI (the configuration is "
            "local); read its vector store and files with fetch_state(spec).")

    def fetch_state(self, spec: AssistantSpec, openai_id: str | None = None,
                    known: KnownFiles | None = None) -> RemoteAssistant:
        """``spec``'s configuration (it is the truth here) with the files OpenAI really has: the
        store's files (all pages) and the code_interpreter files that still exist. The store's
        pages (every one whose cursor ``known`` gives) and the code_interpreter files are asked
        for at once; see :meth:`.Gateway.fetch_state`.

        Raises ``RemoteNotFound`` when the store is gone in OpenAI."""
        known = known or KnownFiles()
        store_id = spec.vector_store_id
        cursors = known.store_page_cursors if store_id else ()
        pages = self.storage.store_page_calls(store_id, cursors) if store_id else []
        local_ci = list(dict.fromkeys(spec.code_interpreter_file_ids))
        outcomes = gather([*pages, *(partial(self.storage.retrieve_file, i) for i in local_ci)],
                          self.storage.concurrency)
        listing = (self.storage.collect_store_listing(store_id, cursors, outcomes[:len(pages)])
                   if store_id else None)
        store_files = listing.file_ids if listing else ()
        names = self.storage.files_present(local_ci, store_files, known.filenames,
                                           dict(zip(local_ci, outcomes[len(pages):])))
        remote = normalize_spec(dataclasses.replace(
            spec,
            code_interpreter_file_ids=tuple(
                i for i in spec.code_interpreter_file_ids if i in names),
            file_search_file_ids=tuple(store_files),
        ))
        return RemoteAssistant(openai_id=None, spec=remote, files=files_by_tool(remote, names),
                               store_listing=listing)

    def delete(self, openai_id: str | None) -> None:
        """Nothing to delete: the store and files are deleted through ``storage``."""

    def discard(self, openai_id: str | None) -> None:
        """Nothing to delete (see :meth:`delete`)."""

    def sweep_lost_create(self, tag: str, since: float, held=None) -> list[str]:
        """Delete the stores a create attempt tagged ``tag`` made (there is no assistant)."""
        return self.storage.sweep_tagged_vector_stores(CREATE_TAG_KEY, tag, since, held)

    def clone(self, spec: AssistantSpec, store_name: str | None = None, *,
              tag: str | None = None) -> PushResult:
        """A new store holding the same file ids (one request up to 500 files); no uploads.
        ``tag`` goes into the store's metadata; the SDK does not retry the create (a retry
        would repeat the tag, see :meth:`AssistantsGateway.clone`)."""
        if not spec.uses_vector_store:
            return PushResult(openai_id=None, vector_store_id=None)
        store_id = self.storage.create_vector_store(
            store_name or spec.name, spec.file_search_file_ids,
            metadata={RELEASE_TAG_KEY: tag} if tag else None, max_retries=0)
        return PushResult(openai_id=None, vector_store_id=store_id, created_vector_store=True)

    def sweep_clone(self, tag: str, since: float, held=None) -> list[str]:
        """Delete the stores a clone tagged ``tag`` created (there is no assistant object),
        except those ``held(id)`` says a local row holds."""
        return self.storage.sweep_tagged_vector_stores(RELEASE_TAG_KEY, tag, since, held)
