"""The seam between the plugin's services and OpenAI.

Services speak only in these backend-neutral values; ``remote/`` turns them into SDK calls.
Two backends share the files and vector-store code (:mod:`.storage`):

- ``assistants``: the configuration lives in a remote assistant object (Assistants v2 protocol);
- ``responses``: the configuration stays local and travels with each ``responses.create`` call;
  only the vector store and the files live remotely (DESIGN 1.4).
"""
from __future__ import annotations

import abc
from dataclasses import dataclass, field

BUILTIN_TOOLS = ("code_interpreter", "file_search")
TOOLS_WITH_FILES = ("code_interpreter", "file_search")


@dataclass(frozen=True)
class RemoteFile:
    """A file as OpenAI knows it."""

    openai_id: str
    filename: str
    bytes: int = 0


@dataclass(frozen=True)
class AssistantSpec:
    """What an assistant should look like in OpenAI: the local truth to push, or what was read."""

    model: str
    name: str | None = None
    description: str | None = None
    instructions: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    response_format: object = None  # None, "auto", or a {"type": ...} dict
    builtin_tools: tuple[str, ...] = ()
    function_tools: tuple[dict, ...] = ()  # [{name, description, parameters, strict}]
    code_interpreter_file_ids: tuple[str, ...] = ()
    file_search_file_ids: tuple[str, ...] = ()
    vector_store_id: str | None = None


@dataclass(frozen=True)
class PushResult:
    openai_id: str | None  # None on the responses backend (no remote assistant object)
    vector_store_id: str | None
    created_vector_store: bool = False


@dataclass(frozen=True)
class RemoteAssistant:
    """An assistant read back from OpenAI, with the filenames of every file it uses."""

    openai_id: str
    spec: AssistantSpec
    files: dict[str, tuple[RemoteFile, ...]] = field(default_factory=dict)  # tool -> files


class Gateway(abc.ABC):
    """One backend's way of keeping an assistant in OpenAI. Raises only ``errors.Remote*``."""

    backend: str

    @abc.abstractmethod
    def push(self, spec: AssistantSpec, openai_id: str | None = None, *,
             store_name: str | None = None) -> PushResult:
        """Create (``openai_id`` None) or update the remote assistant to match ``spec``.

        Creates the vector store when file_search files exist and ``spec.vector_store_id`` is
        None; otherwise makes the store's file set equal ``spec.file_search_file_ids``
        (attaching missing ones, detaching extra ones without deleting the files)."""

    @abc.abstractmethod
    def fetch(self, openai_id: str) -> RemoteAssistant:
        """Read an assistant with every file of its vector store (all pages) and filenames."""

    @abc.abstractmethod
    def delete(self, openai_id: str) -> None:
        """Delete the remote assistant object; a 404 counts as done."""
