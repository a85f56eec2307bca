"""The seam between the plugin's services and OpenAI.

Services speak only in these backend-neutral values; ``remote/`` turns them into SDK calls.
Two backends share the files and vector-store code (:mod:`.storage`):

- ``assistants``: the configuration lives in a remote assistant object (Assistants v2 protocol);
- ``responses``: the configuration stays local and travels with each ``responses.create`` call;
  only the vector store and the files live remotely (DESIGN 1.4).
"""
from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .storage import RemoteStorage

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

    @property
    def uses_vector_store(self) -> bool:
        """file_search is on or has files: the assistant needs a vector store in OpenAI."""
        return "file_search" in self.builtin_tools or bool(self.file_search_file_ids)


@dataclass(frozen=True)
class PushResult:
    openai_id: str | None  # None on the responses backend (no remote assistant object)
    vector_store_id: str | None
    created_vector_store: bool = False


#: Files per page when listing a vector store's files (OpenAI's maximum).
STORE_FILES_PAGE = 100


def page_cursors(file_ids: Sequence[str], page_size: int = STORE_FILES_PAGE) -> tuple[str, ...]:
    """The ``after`` cursor of every page but the first of a listing that returns ``file_ids``
    in this order: the last id of each full page that has another page after it."""
    return tuple(file_ids[end - 1] for end in range(page_size, len(file_ids), page_size))


@dataclass(frozen=True)
class StoreListing:
    """A vector store's file ids in the order OpenAI lists them (``order=asc``, oldest first),
    as one full listing read them. Its :attr:`page_cursors`, remembered, let the next listing
    ask for every page at once (:class:`KnownFiles`)."""

    vector_store_id: str
    file_ids: tuple[str, ...] = ()

    @property
    def page_cursors(self) -> tuple[str, ...]:
        return page_cursors(self.file_ids)


@dataclass(frozen=True)
class KnownFiles:
    """What the plugin already holds about an assistant's files, so that reading the assistant
    back from OpenAI asks only about what differs (cost bounded by the assistant, never by the
    OpenAI project's other files).

    - ``filenames``: OpenAI file id -> filename, from the local rows. A file present on both
      sides is never looked up; only files OpenAI has and the plugin does not are, each by its
      own ``GET /files/{id}``.
    - ``store_page_cursors``: :attr:`StoreListing.page_cursors` of the store's last full listing,
      so every page of its file list is asked for at the same time."""

    filenames: Mapping[str, str] = field(default_factory=dict)
    store_page_cursors: tuple[str, ...] = ()


@dataclass(frozen=True)
class RemoteAssistant:
    """An assistant read back from OpenAI, with the filenames of every file it uses.

    ``store_listing`` is the full listing of its vector store as just read (None when it has
    no store), for the caller to remember (:class:`KnownFiles`)."""

    openai_id: str | None  # None on the responses backend (no remote assistant object)
    spec: AssistantSpec
    files: dict[str, tuple[RemoteFile, ...]] = field(default_factory=dict)  # tool -> files
    store_listing: StoreListing | None = None


#: The metadata key that carries a clone's :meth:`Gateway.clone` ``tag`` (OpenAI allows 16
#: keys of up to 64 characters, values up to 512).
RELEASE_TAG_KEY = "ocs_release"


class Gateway(abc.ABC):
    """One backend's way of keeping an assistant in OpenAI. Raises only ``errors.Remote*``."""

    backend: str

    @abc.abstractmethod
    def push(self, spec: AssistantSpec, openai_id: str | None = None, *,
             store_name: str | None = None,
             store_page_cursors: Sequence[str] = ()) -> PushResult:
        """Create (``openai_id`` None) or update the remote assistant to match ``spec``.

        Creates the vector store when file_search is on or has files and ``spec.vector_store_id``
        is None (or names a store OpenAI no longer has); otherwise makes the store's file set
        equal ``spec.file_search_file_ids`` (attaching missing ones, detaching extra ones without
        deleting the files). ``PushResult`` says which store is used and whether it is new, so the
        caller can record it. A store created by a push that then fails is deleted again.
        ``store_page_cursors`` (from a listing just read) lets the store's pages be asked for at
        once (:meth:`.RemoteStorage.list_store`)."""

    @abc.abstractmethod
    def fetch(self, openai_id: str) -> RemoteAssistant:
        """Read an assistant with every file of its vector store (all pages) and filenames."""

    @abc.abstractmethod
    def delete(self, openai_id: str | None) -> None:
        """Delete the remote assistant object; a 404 counts as done."""

    @abc.abstractmethod
    def discard(self, openai_id: str | None) -> None:
        """:meth:`delete` as the clean-up after another failure: a deletion that fails too is
        noted in ``storage.leftovers`` (for the outbox) instead of raising."""

    @abc.abstractmethod
    def sweep_lost_create(self, tag: str, since: float, held=None) -> list[str]:
        """Delete what a create attempt whose answer was lost made: the objects whose metadata
        carries ``tag`` under :data:`.leftovers.CREATE_TAG_KEY`, created at ``since`` or later,
        except those ``held(id)`` says a local row holds. Returns the ids deleted."""

    @abc.abstractmethod
    def clone(self, spec: AssistantSpec, store_name: str | None = None, *,
              tag: str | None = None) -> PushResult:
        """Create a new remote copy of ``spec`` for a release: a new assistant (where the backend
        has one) and a new vector store holding the same file ids. Nothing is uploaded again.

        ``tag`` (one random token per attempt) goes into the metadata of everything the clone
        creates, under :data:`RELEASE_TAG_KEY`, so a clone whose answer was lost can still be
        found by :meth:`sweep_clone`."""

    @abc.abstractmethod
    def sweep_clone(self, tag: str, since: float, held=None) -> list[str]:
        """Delete what a clone tagged ``tag`` made (created at ``since``, Unix seconds, or
        later), except what ``held(id)`` says a local row holds (the clone of a release that
        committed); returns the ids deleted. Nothing found is a success: the clone never
        landed."""

    @abc.abstractmethod
    def fetch_state(self, spec: AssistantSpec, openai_id: str | None,
                    known: KnownFiles | None = None) -> RemoteAssistant:
        """What the sync check compares ``spec`` with, on any backend.

        ``assistants``: the assistant ``openai_id`` with its store's files; ``responses``: the
        configuration is ``spec`` itself (it lives locally), the files are those of
        ``spec.vector_store_id`` and the code_interpreter files that still exist in OpenAI.

        Everything that can be asked without waiting is asked at once (bounded by the
        gateway's concurrency): the assistant, every page of ``spec.vector_store_id`` whose
        cursor ``known`` gives, and each local code_interpreter file (a File deleted in OpenAI
        may still be listed by the assistant, so each is confirmed). Then only the files named
        by OpenAI and not in ``known.filenames`` are looked up, each by its own request. The
        project's file list is never read."""

    # The files and vector stores this gateway uses (a ``storage.RemoteStorage``), for services
    # that upload or delete files and stores directly.
    storage: "RemoteStorage"
