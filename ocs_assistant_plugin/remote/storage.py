"""Files and vector stores in OpenAI: the part both backends share.

Limits this code works within (OpenAI spec, see shared/openai-api/NOTES.md):

- ``POST /vector_stores`` takes at most 500 ``file_ids``; more are attached with
  ``POST /vector_stores/{id}/file_batches``, at most 2000 ids per batch.
- ``GET /vector_stores/{id}/files`` pages at most 100 per request; ``GET /files`` pages up to
  10000 per request (its default) and lists the whole OpenAI project, so only an import (which
  knows no filename yet) may read it; everything else looks a file up by its own
  ``GET /files/{id}``, so its cost is bounded by the assistant, never by the project.
- A store's pages are fetched *ahead*: with the cursors of its last full listing
  (:class:`~.base.StoreListing`) every page is asked for at once, then walked from the first page
  exactly as a sequential listing would (:meth:`RemoteStorage.collect_store_listing`).
- Detaching a file from a store (``DELETE /vector_stores/{vs}/files/{id}``) never deletes the File;
  ``DELETE /files/{id}`` deletes the File and removes it from every store.

Batches are not polled until processed: a file attached to a store is listed by the store at once
(``in_progress``), which is all the plugin's bookkeeping needs, and polling would cost one
request per second per batch for nothing.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import BinaryIO
from urllib.parse import quote

from ..errors import RemoteError, RemoteNotFound
from .base import STORE_FILES_PAGE, AssistantSpec, RemoteFile, StoreListing
from .concurrency import Outcome, chunked, gather, run_concurrently
from .leftovers import (CREATE_TAG_KEY, DELETE_FILE, DELETE_VECTOR_STORE, SWEEP_LOST_CREATE,
                        SWEEP_LOST_UPLOAD, Leftover, create_once_per_attempt)
from .translate import named, translated_errors

log = logging.getLogger(__name__)

FILE_PURPOSE = "assistants"
STORE_CREATE_MAX_FILES = 500
FILE_BATCH_MAX_FILES = 2000
FILES_LIST_PAGE = 10000
# From this many wanted ids on, an import reads the project's file list instead of one file per
# request (``file_names(..., may_list_project=True)``), at most one page (10000 files) per
# FILES_PER_LISTED_PAGE wanted ids, so even then the cost follows the assistant, not the project.
FILES_LIST_FROM = 500
FILES_PER_LISTED_PAGE = 1000
_STORE_OPTIONS = {"headers": {"OpenAI-Beta": "assistants=v2"}}


@dataclass(frozen=True)
class StorePage:
    """One page of a store's file list: its file ids in order, and whether more follow."""

    file_ids: tuple[str, ...]
    has_more: bool


@dataclass(frozen=True)
class StoreFilesChange:
    """What :meth:`RemoteStorage.set_vector_store_files` changed in a store."""

    attached: tuple[str, ...] = ()
    detached: tuple[str, ...] = ()


def files_by_tool(spec: AssistantSpec,
                  names: dict[str, RemoteFile]) -> dict[str, tuple[RemoteFile, ...]]:
    """Each tool's files with their filenames; a file OpenAI no longer has gets filename ``""``."""
    def files(ids):
        return tuple(names.get(i) or RemoteFile(openai_id=i, filename="") for i in ids)
    return {"code_interpreter": files(spec.code_interpreter_file_ids),
            "file_search": files(spec.file_search_file_ids)}


class _Segments:
    """Pages of a listing fetched ahead, by cursor: what each tells about what follows a file."""

    def __init__(self, pages: Mapping[str, StorePage]):
        self.pages = pages
        self.where: dict[str, list[tuple[StorePage, int]]] = {}
        for page in pages.values():
            for index, file_id in enumerate(page.file_ids):
                self.where.setdefault(file_id, []).append((page, index))

    def after(self, file_id: str) -> tuple[tuple[str, ...], bool] | None:
        """``(the files right after file_id, whether more follow them)``, from a page that
        starts at it or holds it with files after it (or that ends the listing with it); None
        when no page fetched ahead tells."""
        page = self.pages.get(file_id)
        if page is not None:
            return page.file_ids, page.has_more
        for page, index in self.where.get(file_id, ()):
            if index + 1 < len(page.file_ids) or not page.has_more:
                return page.file_ids[index + 1:], page.has_more
        return None


class RemoteStorage:
    """Files and vector stores through one ``openai.OpenAI`` client.

    Every method raises only ``errors.Remote*``; deletions treat OpenAI's 404 as done.
    ``concurrency`` bounds the requests one call runs side by side.

    ``leftovers``: what this object's creates and clean-ups may have left in OpenAI (a create
    whose answer was lost, a clean-up that failed), for the caller to record in the outbox (see
    :mod:`.leftovers`)."""

    def __init__(self, client, concurrency: int = 8):
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.client = client
        self.concurrency = concurrency
        self.leftovers: list[Leftover] = []

    # --- files -----------------------------------------------------------------------------

    def upload_file(self, filename: str, data: bytes | BinaryIO) -> RemoteFile:
        """Upload one file for assistants (``purpose="assistants"``). An attempt whose answer
        was lost is noted in :attr:`leftovers` (found later by filename, size and time)."""
        content = data if isinstance(data, bytes) else data.read()

        def upload(client, _token):
            with translated_errors(f"uploading {named('file', filename)}"):
                return client.files.create(file=(filename, content), purpose=FILE_PURPOSE)

        def lost(token, since, created_before, until):
            return Leftover(SWEEP_LOST_UPLOAD, token, {
                "filename": filename, "bytes": len(content), "since": since,
                "created_before": created_before, "until": until})

        created = create_once_per_attempt(self.client, self.leftovers, upload, lost)
        return RemoteFile(openai_id=created.id, filename=created.filename, bytes=created.bytes or 0)

    def discard_file(self, openai_id: str) -> None:
        """Delete a File uploaded by a change that failed; if that fails too, the deletion is
        noted in :attr:`leftovers` (the original error is the one to report)."""
        try:
            self.delete_file(openai_id)
        except RemoteError as exc:
            log.warning("could not delete the uploaded file %s after a failure: %s", openai_id,
                        exc.message)
            self.leftovers.append(Leftover(DELETE_FILE, openai_id, error=exc.message))

    def sweep_lost_upload(self, filename: str, size: int, since: float, created_before: float,
                          held: Callable[[str], bool]) -> list[str]:
        """Delete the files a lost upload may have made: purpose ``assistants``, this filename
        and size, created between ``since`` and ``created_before`` (Unix seconds), and not
        ``held`` by a local row. Lists newest first, 100 a page, stopping at the first file
        older than ``since``: only the attempt's window is read, never the whole project."""
        found = []
        with translated_errors(f"looking for the lost upload of {named('file', filename)}"):
            for f in self.client.files.list(purpose=FILE_PURPOSE, limit=100, order="desc"):
                if f.created_at < since:
                    break
                if (f.created_at <= created_before and f.filename == filename
                        and (f.bytes or 0) == size and not held(f.id)):
                    found.append(f.id)
        for file_id in found:
            self.delete_file(file_id)
        return found

    def delete_file(self, openai_id: str) -> None:
        """Delete a File (which also removes it from every store); 404 counts as done."""
        try:
            with translated_errors(f"deleting the file {openai_id}"):
                # Untyped: nothing of the answer is read, and an archive deletes thousands of
                # files, each of which the typed call would parse into a model.
                self.client.delete(f"/files/{quote(openai_id, safe='')}", cast_to=object)
        except RemoteNotFound:
            pass  # already gone: what we wanted

    def file_names(self, ids: Iterable[str], *,
                   may_list_project: bool = False) -> dict[str, RemoteFile]:
        """``{id: RemoteFile}`` for each id that exists in OpenAI (unknown ids are left out).

        Each id is one ``GET /files/{id}``, run concurrently, so the cost is bounded by the ids
        asked for. ``may_list_project`` (an import of many files, which knows no filename yet)
        first reads the project's file list: one ``GET /files`` returns up to 10000 files, and
        paging stops as soon as every wanted id was seen, or after one page per 1000 wanted ids
        (a project may hold far more files than the assistant); ids it did not show (another
        purpose, older, or gone) are then looked up one by one, so a missing file is confirmed
        by its own 404."""
        wanted = list(dict.fromkeys(i for i in ids if i))
        if not wanted:
            return {}
        found: dict[str, RemoteFile] = {}
        if may_list_project and len(wanted) >= FILES_LIST_FROM:
            found = self._names_from_list(set(wanted),
                                          max_pages=-(-len(wanted) // FILES_PER_LISTED_PAGE))
        missing = [i for i in wanted if i not in found]
        for remote in run_concurrently(self.retrieve_file, missing, self.concurrency):
            if remote is not None:
                found[remote.openai_id] = remote
        return {i: found[i] for i in wanted if i in found}

    def _names_from_list(self, wanted: set[str], max_pages: int) -> dict[str, RemoteFile]:
        found: dict[str, RemoteFile] = {}
        with translated_errors("listing the files"):
            page = self.client.files.list(purpose=FILE_PURPOSE, limit=FILES_LIST_PAGE)
            for number in range(1, max_pages + 1):
                for f in page.data:
                    if f.id in wanted:
                        found[f.id] = RemoteFile(openai_id=f.id, filename=f.filename,
                                                 bytes=f.bytes or 0)
                if len(found) == len(wanted) or number == max_pages or not page.has_next_page():
                    break
                page = page.get_next_page()
        return found

    def retrieve_file(self, openai_id: str) -> RemoteFile | None:
        """One File (``GET /files/{id}``), or None when OpenAI has no such file."""
        try:
            with translated_errors(f"reading the file {openai_id}"):
                f = self.client.files.retrieve(openai_id)
        except RemoteNotFound:
            return None
        return RemoteFile(openai_id=f.id, filename=f.filename, bytes=f.bytes or 0)

    # --- vector stores ---------------------------------------------------------------------

    def create_vector_store(self, name: str | None, file_ids: Iterable[str] = (), *,
                            metadata: dict[str, str] | None = None,
                            max_retries: int | None = None, client=None) -> str:
        """Create a store holding ``file_ids``; returns its id. ``max_retries`` overrides the
        client's own retries for the create request (0: the caller retries, see ``clone``).

        Up to 500 ids travel with the create request, the rest in batches of up to 2000. If a
        batch fails the new store is deleted again, so a failure leaves nothing behind."""
        ids = list(dict.fromkeys(file_ids))
        inline, rest = ids[:STORE_CREATE_MAX_FILES], ids[STORE_CREATE_MAX_FILES:]
        params: dict = {"file_ids": inline} if inline else {}
        if name:
            params["name"] = name
        if metadata:
            params["metadata"] = metadata
        client = client or self.client
        if max_retries is not None:
            client = client.with_options(max_retries=max_retries)
        with translated_errors(f"creating {named('vector store', name)}"):
            store = client.vector_stores.create(**params)
        try:
            self._attach(store.id, rest)
        except RemoteError:
            self.discard_vector_store(store.id)
            raise
        return store.id

    def list_vector_store_file_ids(self, vector_store_id: str,
                                   page_cursors: Sequence[str] = ()) -> list[str]:
        """Every file id in the store: all pages, 100 per request (see :meth:`list_store`)."""
        return list(self.list_store(vector_store_id, page_cursors).file_ids)

    def list_store(self, vector_store_id: str, page_cursors: Sequence[str] = ()) -> StoreListing:
        """The store's full listing. With the ``page_cursors`` of its last listing every page is
        asked for at once (at most ``concurrency`` at a time); without, one after another."""
        calls = self.store_page_calls(vector_store_id, page_cursors)
        return self.collect_store_listing(vector_store_id, page_cursors,
                                          gather(calls, self.concurrency))

    def store_page_calls(self, vector_store_id: str,
                         page_cursors: Sequence[str] = ()) -> list[Callable[[], StorePage]]:
        """One call per page a listing is expected to have: the first page, then one per
        cursor; run them together, then give their outcomes to :meth:`collect_store_listing`."""
        return [partial(self.store_page, vector_store_id, after)
                for after in (None, *page_cursors)]

    def collect_store_listing(self, vector_store_id: str, page_cursors: Sequence[str],
                              fetched: Sequence[Outcome]) -> StoreListing:
        """The store's full listing, walked from its first page as a sequential listing does,
        using the pages fetched ahead (``fetched``: the outcomes of :meth:`store_page_calls` for
        the same ``page_cursors``) wherever they tell what comes next.

        Each page fetched ahead is a contiguous slice of the listing: the files right after its
        cursor. So whenever the walk's last file is that cursor, or lies inside that page, the
        page tells exactly what follows it. When the store is as it was at its last listing,
        every page is used as it is and nothing more is asked. After files were detached the
        pages overlap differently but still join up (no request more); after files were added
        the last page overflows and the walk goes on page by page from there, as it does
        wherever no page fetched ahead joins up (``after`` = its last file). The result is the
        sequential listing's, whatever happened to the store. A page fetched ahead that failed
        is not used (its cursor may name a file detached since); the first page's failure is
        the listing's (e.g. ``RemoteNotFound``: no such store)."""
        ahead = dict(zip((None, *page_cursors), fetched))
        first = ahead.pop(None, None)
        page = first.result() if first is not None else self.store_page(vector_store_id)
        segments = _Segments({after: o.value for after, o in ahead.items() if o.ok})
        file_ids = list(page.file_ids)
        more = page.has_more and bool(page.file_ids)
        while more:
            following = segments.after(file_ids[-1])
            if following is None:  # nothing fetched ahead joins up here: ask for the next page
                page = self.store_page(vector_store_id, file_ids[-1])
                following = (page.file_ids, page.has_more)
            added, more = following
            file_ids.extend(added)
            more = more and bool(added)
        return StoreListing(vector_store_id, tuple(file_ids))

    def store_page(self, vector_store_id: str, after: str | None = None) -> StorePage:
        """One page (up to 100 ids, oldest first) of the store's files after the file ``after``.

        Read as plain JSON (the ids are all the plugin needs), through the client's own HTTP
        layer: the same request, retries and errors as ``client.vector_stores.files.list``."""
        params: dict = {"limit": STORE_FILES_PAGE, "order": "asc"}
        if after:
            params["after"] = after
        with translated_errors(f"listing the files of vector store {vector_store_id}"):
            page = self.client.get(f"/vector_stores/{quote(vector_store_id, safe='')}/files",
                                   cast_to=object, options={**_STORE_OPTIONS, "params": params})
        return StorePage(tuple(f["id"] for f in page.get("data") or ()),
                         bool(page.get("has_more")))

    def files_present(self, code_interpreter_ids: Iterable[str], store_ids: Iterable[str],
                      known_names: Mapping[str, str],
                      checked: Mapping[str, Outcome] | None = None) -> dict[str, RemoteFile]:
        """``{id: RemoteFile}`` of the files OpenAI has among an assistant's ``store_ids`` (the
        store lists only existing Files) and ``code_interpreter_ids`` (which may name a File
        deleted since, so each is confirmed).

        A filename known here (``known_names``) is used as it is; ``checked`` holds the outcomes
        of :meth:`retrieve_file` already run for some ids. Every other id is looked up, each by
        its own request, concurrently."""
        checked = checked or {}
        found: dict[str, RemoteFile] = {}
        to_look_up: list[str] = []
        for file_id in dict.fromkeys(store_ids):
            if known_names.get(file_id):
                found[file_id] = RemoteFile(openai_id=file_id, filename=known_names[file_id])
            else:
                to_look_up.append(file_id)
        for file_id in dict.fromkeys(code_interpreter_ids):
            if file_id in found or file_id in to_look_up:
                continue
            if file_id not in checked:
                to_look_up.append(file_id)
                continue
            remote = checked[file_id].result()
            if remote is not None:
                found[file_id] = (RemoteFile(openai_id=file_id, filename=known_names[file_id],
                                             bytes=remote.bytes)
                                  if known_names.get(file_id) else remote)
        for remote in run_concurrently(self.retrieve_file, to_look_up, self.concurrency):
            if remote is not None:
                found[remote.openai_id] = remote
        return found

    def set_vector_store_files(self, vector_store_id: str,
                               wanted_ids: Iterable[str]) -> StoreFilesChange:
        """Make the store hold exactly ``wanted_ids``.

        Missing files are attached (one request for one file, else batches of up to 2000); extra
        files are detached concurrently. Detaching never deletes the File itself."""
        return self._make_store_hold(vector_store_id, wanted_ids,
                                     self.list_vector_store_file_ids(vector_store_id))

    def sync_store(self, vector_store_id: str | None, file_ids: Iterable[str], *, needed: bool,
                   name: str | None, page_cursors: Sequence[str] = ()) -> tuple[str | None, bool]:
        """Bring an assistant's store in line with its files; returns ``(store id, created)``.

        An existing store gets exactly ``file_ids``. A store is created when there is none and
        one is ``needed`` (file_search on) or there are files, and also when OpenAI no longer
        knows ``vector_store_id`` (deleted there): pushing restores what the plugin holds."""
        store_id, created, _ = self.sync_store_with_change(
            vector_store_id, file_ids, needed=needed, name=name, page_cursors=page_cursors)
        return store_id, created

    def sync_store_with_change(self, vector_store_id: str | None, file_ids: Iterable[str], *,
                               needed: bool, name: str | None, page_cursors: Sequence[str] = ()
                               ) -> tuple[str | None, bool, StoreFilesChange]:
        """:meth:`sync_store`, also returning what it changed in an existing store (for
        :meth:`undo_store_change`)."""
        ids = list(dict.fromkeys(file_ids))
        if vector_store_id:
            try:
                current = self.list_vector_store_file_ids(vector_store_id, page_cursors)
            except RemoteNotFound:
                log.info("vector store %s is gone in OpenAI; creating a new one", vector_store_id)
            else:
                change = self._make_store_hold(vector_store_id, ids, current)
                return vector_store_id, False, change
        if needed or ids:
            return self.create_tagged_vector_store(name, ids), True, StoreFilesChange()
        return None, False, StoreFilesChange()

    def undo_store_change(self, vector_store_id: str, change: StoreFilesChange) -> None:
        """Put a store's files back as they were before ``change``, as clean-up after another
        failure: attaching and detaching neither make nor delete an object, so if OpenAI fails
        here too the store is left as it is (the sync check shows the difference) and the
        original error is the one to report."""
        if not (change.attached or change.detached):
            return
        try:
            run_concurrently(lambda file_id: self._detach(vector_store_id, file_id),
                             list(change.attached), self.concurrency)
            self._attach(vector_store_id, list(change.detached))
        except RemoteError as exc:
            log.warning("could not put the files of vector store %s back after a failed push: "
                        "%s", vector_store_id, exc.message)

    def create_tagged_vector_store(self, name: str | None, file_ids: Iterable[str] = ()) -> str:
        """:meth:`create_vector_store` for an assistant's own store: each attempt carries its
        token in the metadata (:data:`.leftovers.CREATE_TAG_KEY`), and one whose answer was lost
        is noted in :attr:`leftovers` for a sweep."""
        def create(client, token):
            return self.create_vector_store(name, file_ids, metadata={CREATE_TAG_KEY: token},
                                            client=client)

        def lost(token, since, created_before, until):
            return Leftover(SWEEP_LOST_CREATE, token, {"since": since, "until": until})

        return create_once_per_attempt(self.client, self.leftovers, create, lost)

    def _make_store_hold(self, vector_store_id: str, wanted_ids: Iterable[str],
                         current: list[str]) -> StoreFilesChange:
        wanted = list(dict.fromkeys(wanted_ids))
        present = set(current)
        to_attach = [i for i in wanted if i not in present]
        keep = set(wanted)
        to_detach = [i for i in current if i not in keep]
        self._attach(vector_store_id, to_attach)
        run_concurrently(lambda file_id: self._detach(vector_store_id, file_id), to_detach,
                         self.concurrency)
        return StoreFilesChange(attached=tuple(to_attach), detached=tuple(to_detach))

    def vector_store_name(self, vector_store_id: str) -> str:
        """The store's name (``""`` if it has none); ``RemoteNotFound`` when OpenAI has no such
        store."""
        with translated_errors(f"reading the vector store {vector_store_id}"):
            return self.client.vector_stores.retrieve(vector_store_id).name or ""

    def vector_store_metadata(self, vector_store_id: str) -> dict | None:
        """The store's metadata (``{}`` if it has none), or None when OpenAI has no such store."""
        try:
            with translated_errors(f"reading the vector store {vector_store_id}"):
                return dict(self.client.vector_stores.retrieve(vector_store_id).metadata or {})
        except RemoteNotFound:
            return None

    def sweep_tagged_vector_stores(self, key: str, tag: str, since: float,
                                   held: Callable[[str], bool] | None = None) -> list[str]:
        """Delete the stores whose metadata ``key`` is ``tag`` (and that no local row ``held``),
        looking only at those created at ``since`` (Unix seconds) or later: newest first, 100 a
        page, stopping at the first older one. Returns the ids deleted."""
        found = []
        with translated_errors("looking for the vector stores of a lost create"):
            for store in self.client.vector_stores.list(limit=100, order="desc"):
                if store.created_at < since:
                    break
                if (store.metadata or {}).get(key) == tag and not (held and held(store.id)):
                    found.append(store.id)
        for store_id in found:
            self.delete_vector_store(store_id)
        return found

    def delete_vector_store(self, vector_store_id: str) -> None:
        """Delete a store (its Files stay); 404 counts as done."""
        try:
            with translated_errors(f"deleting the vector store {vector_store_id}"):
                self.client.vector_stores.delete(vector_store_id)
        except RemoteNotFound:
            pass  # already gone: what we wanted

    def _attach(self, vector_store_id: str, file_ids: list[str]) -> None:
        if not file_ids:
            return
        if len(file_ids) == 1:
            with translated_errors(
                    f"adding the file {file_ids[0]} to vector store {vector_store_id}"):
                self.client.vector_stores.files.create(vector_store_id, file_id=file_ids[0])
            return
        batches = chunked(file_ids, FILE_BATCH_MAX_FILES)

        def create_batch(batch):
            with translated_errors(f"adding {len(batch)} files to vector store {vector_store_id}"):
                self.client.vector_stores.file_batches.create(vector_store_id, file_ids=list(batch))

        run_concurrently(create_batch, batches, self.concurrency)

    def _detach(self, vector_store_id: str, file_id: str) -> None:
        try:
            with translated_errors(
                    f"removing the file {file_id} from vector store {vector_store_id}"):
                self.client.vector_stores.files.delete(file_id, vector_store_id=vector_store_id)
        except RemoteNotFound:
            pass  # not attached any more: what we wanted

    def discard_vector_store(self, vector_store_id: str) -> None:
        """Delete a store as clean-up after another failure: if that fails too, the deletion is
        noted in :attr:`leftovers` instead of raising (the original error is the one to
        report)."""
        try:
            self.delete_vector_store(vector_store_id)
        except RemoteError as exc:
            log.warning("could not delete vector store %s after a failed create: %s",
                        vector_store_id, exc.message)
            self.leftovers.append(Leftover(DELETE_VECTOR_STORE, vector_store_id,
                                           error=exc.message))
