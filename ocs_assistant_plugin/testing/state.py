"""What the stand-in remembers, and the rules of each endpoint, all in memory.

One :class:`StandInState` holds assistants, files, vector stores (with their files) and file
batches. Its public methods are the API operations: each validates the whole request first
(spec schema, limits stated in prose, referenced ids) and only then changes anything, so a
refused request changes nothing. The server calls them under one lock.

Behaviour chosen where the spec is silent (the simplest faithful choice):

- every file is ``processed`` on upload, every vector-store file and batch ``completed`` at once;
- an id named inside a request body that does not exist gives 400 with ``param`` set
  ("No file found with id 'file-x'."); an id in the URL path that does not exist gives 404;
- attaching a file already in a store returns the existing vector-store file unchanged;
- cancelling a completed batch returns it unchanged (there is nothing left to cancel);
- deleting a file detaches it from every store; deleting a store keeps its files.
"""
from __future__ import annotations

import copy
import itertools
import secrets
import time
from dataclasses import dataclass, field

from .api_errors import invalid, not_found, unknown_reference
from .pagination import enum_param, first, paginate
from .validation import check_body, check_chunking_strategy, check_function_tools, check_metadata

DEFAULT_STATIC_CHUNKING = {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400}
FILE_STATUSES = ("in_progress", "completed", "failed", "cancelled")
UPLOAD_PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")


def new_id(prefix: str, length: int = 24) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


def _now() -> int:
    return int(time.time())


@dataclass
class StoredFile:
    obj: dict
    content: bytes


@dataclass
class VectorStore:
    obj: dict  # without the derived usage_bytes and file_counts
    description: str | None = None
    files: dict[str, dict] = field(default_factory=dict)  # file id -> vector_store.file object
    positions: dict[str, int] = field(default_factory=dict)  # file id -> attach sequence, kept


@dataclass
class FileBatch:
    obj: dict
    file_ids: list[str]


class StandInState:
    """The stand-in's data. Not thread-safe by itself: the server serialises calls."""

    def __init__(self):
        self.clear()

    def clear(self) -> None:
        """Forget everything."""
        self._sequence = itertools.count(1)
        self._positions: dict[str, int] = {}  # object id -> creation sequence, kept on delete
        self.assistants: dict[str, dict] = {}
        self.files: dict[str, StoredFile] = {}
        self.vector_stores: dict[str, VectorStore] = {}
        self.batches: dict[str, FileBatch] = {}
        self.responses: dict[str, dict] = {}  # stored response id -> its place in a conversation

    def _register(self, object_id: str) -> int:
        position = next(self._sequence)
        self._positions[object_id] = position
        return position

    def _list(self, objects, query, **options) -> dict:
        rows = [(self._positions[obj["id"]], obj) for obj in objects]
        return paginate(rows, query, position=self._positions.get, **options)

    # -- lookups ---------------------------------------------------------------------------

    def _assistant(self, assistant_id: str) -> dict:
        try:
            return self.assistants[assistant_id]
        except KeyError:
            raise not_found("assistant", assistant_id) from None

    def _file(self, file_id: str) -> StoredFile:
        try:
            return self.files[file_id]
        except KeyError:
            raise not_found("file", file_id) from None

    def _store(self, vector_store_id: str) -> VectorStore:
        try:
            return self.vector_stores[vector_store_id]
        except KeyError:
            raise not_found("vector store", vector_store_id) from None

    def _require_files(self, file_ids, param: str) -> None:
        for file_id in file_ids or ():
            if file_id not in self.files:
                raise unknown_reference("file", file_id, param)

    def _require_stores(self, store_ids, param: str) -> None:
        for store_id in store_ids or ():
            if store_id not in self.vector_stores:
                raise unknown_reference("vector store", store_id, param)

    # -- assistants ------------------------------------------------------------------------

    def _check_assistant_body(self, body: dict, schema: str) -> None:
        check_body(schema, body)
        check_metadata(body.get("metadata"))
        check_function_tools(body.get("tools"))
        resources = body.get("tool_resources") or {}
        code = resources.get("code_interpreter") or {}
        self._require_files(code.get("file_ids"), "tool_resources.code_interpreter.file_ids")
        search = resources.get("file_search") or {}
        self._require_stores(search.get("vector_store_ids"),
                             "tool_resources.file_search.vector_store_ids")
        for index, helper in enumerate(search.get("vector_stores") or ()):
            where = f"tool_resources.file_search.vector_stores[{index}]"
            self._require_files(helper.get("file_ids"), f"{where}.file_ids")
            check_chunking_strategy(helper.get("chunking_strategy"), f"{where}.chunking_strategy")
            check_metadata(helper.get("metadata"), f"{where}.metadata")

    def _tool_resources(self, resources, *, helper: bool) -> dict:
        """Normalise ``tool_resources``; on create, runs the ``vector_stores`` helper."""
        normalized = {}
        if not resources:
            return normalized
        if "code_interpreter" in resources:
            file_ids = list((resources["code_interpreter"] or {}).get("file_ids") or [])
            normalized["code_interpreter"] = {"file_ids": file_ids}
        if "file_search" in resources:
            search = resources["file_search"] or {}
            store_ids = list(search.get("vector_store_ids") or [])
            for wanted in (search.get("vector_stores") or ()) if helper else ():
                store = self._new_store(file_ids=wanted.get("file_ids") or [],
                                        chunking=wanted.get("chunking_strategy"),
                                        metadata=wanted.get("metadata"))
                store_ids.append(store.obj["id"])
            normalized["file_search"] = {"vector_store_ids": store_ids}
        return normalized

    def create_assistant(self, body: dict) -> dict:
        self._check_assistant_body(body, "CreateAssistantRequest")
        assistant_id = new_id("asst_")
        self._register(assistant_id)
        assistant = {
            "id": assistant_id, "object": "assistant", "created_at": _now(),
            "name": body.get("name"), "description": body.get("description"),
            "model": body["model"], "instructions": body.get("instructions"),
            "tools": copy.deepcopy(body.get("tools") or []),
            "tool_resources": self._tool_resources(body.get("tool_resources"), helper=True),
            "metadata": dict(body.get("metadata") or {}),
            "temperature": _or_default(body.get("temperature"), 1.0),
            "top_p": _or_default(body.get("top_p"), 1.0),
            "response_format": _or_default(copy.deepcopy(body.get("response_format")), "auto"),
        }
        self.assistants[assistant_id] = assistant
        return assistant

    def retrieve_assistant(self, assistant_id: str) -> dict:
        return self._assistant(assistant_id)

    def modify_assistant(self, assistant_id: str, body: dict) -> dict:
        assistant = self._assistant(assistant_id)
        self._check_assistant_body(body, "ModifyAssistantRequest")
        for key in ("name", "description", "instructions", "model"):
            if key in body:
                assistant[key] = body[key]
        if "tools" in body:
            assistant["tools"] = copy.deepcopy(body["tools"])
        if "metadata" in body:
            assistant["metadata"] = dict(body["metadata"] or {})
        for key, default in (("temperature", 1.0), ("top_p", 1.0), ("response_format", "auto")):
            if key in body:
                assistant[key] = _or_default(copy.deepcopy(body[key]), default)
        if "tool_resources" in body:  # replaces the whole value
            assistant["tool_resources"] = self._tool_resources(body["tool_resources"],
                                                            helper=False)
        return assistant

    def delete_assistant(self, assistant_id: str) -> dict:
        self._assistant(assistant_id)
        del self.assistants[assistant_id]
        return {"id": assistant_id, "object": "assistant.deleted", "deleted": True}

    def list_assistants(self, query) -> dict:
        return self._list(self.assistants.values(), query)

    # -- files -----------------------------------------------------------------------------

    def upload_file(self, fields: dict[str, str], uploads: dict[str, tuple[str, bytes]]) -> dict:
        """``POST /files``: ``fields`` are the form's text parts, ``uploads`` its file parts."""
        document, expires = {}, {}
        for name, value in fields.items():
            if name.startswith("expires_after[") and name.endswith("]"):
                key = name[len("expires_after["):-1]
                expires[key] = int(value) if key == "seconds" and _is_int(value) else value
            elif name == "file":
                raise invalid("Invalid 'file': expected a file upload (a form part with a "
                              "filename), but got a text field instead.", "file", "invalid_type")
            else:
                document[name] = value
        if expires:
            document["expires_after"] = expires
        for name in uploads:
            document[name] = "<binary>"
        check_body("CreateFileRequest", document)
        filename, content = uploads["file"]
        file_id = new_id("file-", 22)
        self._register(file_id)
        created = _now()
        obj = {"id": file_id, "object": "file", "bytes": len(content), "created_at": created,
               "filename": filename, "purpose": document["purpose"], "status": "processed"}
        if expires:
            obj["expires_at"] = created + expires["seconds"]
        self.files[file_id] = StoredFile(obj, content)
        return obj

    def seed_files(self, count: int, *, purpose: str, filename: str, content: bytes) -> list[str]:
        """``count`` files as if uploaded one after another (see ``OpenAIStandIn.seed_files``)."""
        if purpose not in UPLOAD_PURPOSES:
            raise ValueError(f"purpose must be one of {', '.join(UPLOAD_PURPOSES)}")
        created, ids = _now(), []
        for index in range(count):
            file_id = new_id("file-", 22)
            self._register(file_id)
            self.files[file_id] = StoredFile(
                {"id": file_id, "object": "file", "bytes": len(content), "created_at": created,
                 "filename": filename.format(index=index), "purpose": purpose,
                 "status": "processed"}, content)
            ids.append(file_id)
        return ids

    def list_files(self, query) -> dict:
        purpose = first(query, "purpose")
        objects = [f.obj for f in self.files.values() if purpose in (None, f.obj["purpose"])]
        return self._list(objects, query, default_limit=10000, max_limit=10000,
                          allow_before=False)

    def retrieve_file(self, file_id: str) -> dict:
        return self._file(file_id).obj

    def file_content(self, file_id: str) -> bytes:
        return self._file(file_id).content

    def delete_file(self, file_id: str) -> dict:
        self._file(file_id)
        del self.files[file_id]
        for store in self.vector_stores.values():  # "remove it from all vector stores"
            store.files.pop(file_id, None)
        return {"id": file_id, "object": "file", "deleted": True}

    # -- vector stores ---------------------------------------------------------------------

    def _new_store(self, *, file_ids=(), chunking=None, metadata=None, name=None,
                   description=None, expires_after=None) -> VectorStore:
        store_id = new_id("vs_")
        self._register(store_id)
        created = _now()
        obj = {"id": store_id, "object": "vector_store", "created_at": created,
               "name": name or "", "status": "completed", "last_active_at": created,
               "metadata": dict(metadata or {})}
        _set_expiry(obj, expires_after)
        store = VectorStore(obj, description)
        self.vector_stores[store_id] = store
        for file_id in file_ids:
            self._attach(store, file_id, chunking, None)
        return store

    def _attach(self, store: VectorStore, file_id: str, chunking, attributes) -> dict:
        if file_id in store.files:
            return store.files[file_id]
        store.positions[file_id] = next(self._sequence)
        strategy = {"type": "static", "static": dict(DEFAULT_STATIC_CHUNKING)}
        if chunking and chunking.get("type") == "static":
            strategy = {"type": "static", "static": dict(chunking["static"])}
        vs_file = {"id": file_id, "object": "vector_store.file",
                   "usage_bytes": self.files[file_id].obj["bytes"], "created_at": _now(),
                   "vector_store_id": store.obj["id"], "status": "completed", "last_error": None,
                   "chunking_strategy": strategy, "attributes": dict(attributes or {})}
        store.files[file_id] = vs_file
        store.obj["last_active_at"] = _now()
        return vs_file

    @staticmethod
    def _render_store(store: VectorStore) -> dict:
        obj = dict(store.obj)
        obj["usage_bytes"] = sum(f["usage_bytes"] for f in store.files.values())
        completed = len(store.files)
        obj["file_counts"] = {"in_progress": 0, "completed": completed, "failed": 0,
                              "cancelled": 0, "total": completed}
        return obj

    def create_vector_store(self, body: dict) -> dict:
        check_body("CreateVectorStoreRequest", body)
        check_metadata(body.get("metadata"))
        check_chunking_strategy(body.get("chunking_strategy"))
        self._require_files(body.get("file_ids"), "file_ids")
        store = self._new_store(file_ids=body.get("file_ids") or [],
                                chunking=body.get("chunking_strategy"),
                                metadata=body.get("metadata"), name=body.get("name"),
                                description=body.get("description"),
                                expires_after=body.get("expires_after"))
        return self._render_store(store)

    def retrieve_vector_store(self, vector_store_id: str) -> dict:
        return self._render_store(self._store(vector_store_id))

    def update_vector_store(self, vector_store_id: str, body: dict) -> dict:
        store = self._store(vector_store_id)
        check_body("UpdateVectorStoreRequest", body)
        check_metadata(body.get("metadata"))
        if "name" in body:
            store.obj["name"] = body["name"] or ""
        if "metadata" in body:
            store.obj["metadata"] = dict(body["metadata"] or {})
        # The update is activity: the expiry is anchored on the new last_active_at.
        store.obj["last_active_at"] = _now()
        if "expires_after" in body:
            _set_expiry(store.obj, body["expires_after"])
        return self._render_store(store)

    def delete_vector_store(self, vector_store_id: str) -> dict:
        self._store(vector_store_id)
        del self.vector_stores[vector_store_id]  # its files stay
        for batch_id in [b for b, batch in self.batches.items()
                         if batch.obj["vector_store_id"] == vector_store_id]:
            del self.batches[batch_id]
        return {"id": vector_store_id, "object": "vector_store.deleted", "deleted": True}

    def list_vector_stores(self, query) -> dict:
        return self._list([self._render_store(s) for s in self.vector_stores.values()], query)

    # -- vector store files ----------------------------------------------------------------

    def _vs_file(self, store: VectorStore, file_id: str) -> dict:
        try:
            return store.files[file_id]
        except KeyError:
            raise not_found("file", file_id,
                            where=f" in vector store '{store.obj['id']}'") from None

    def _list_vs_files(self, store: VectorStore, file_ids, query) -> dict:
        status = enum_param(query, "filter", FILE_STATUSES, None)
        rows = [(store.positions[fid], store.files[fid]) for fid in file_ids
                if fid in store.files and status in (None, store.files[fid]["status"])]
        return paginate(rows, query, position=store.positions.get)

    def create_vector_store_file(self, vector_store_id: str, body: dict) -> dict:
        store = self._store(vector_store_id)
        check_body("CreateVectorStoreFileRequest", body)
        check_chunking_strategy(body.get("chunking_strategy"))
        self._require_files([body["file_id"]], "file_id")
        return self._attach(store, body["file_id"], body.get("chunking_strategy"),
                            body.get("attributes"))

    def list_vector_store_files(self, vector_store_id: str, query) -> dict:
        store = self._store(vector_store_id)
        return self._list_vs_files(store, list(store.files), query)

    def retrieve_vector_store_file(self, vector_store_id: str, file_id: str) -> dict:
        return self._vs_file(self._store(vector_store_id), file_id)

    def update_vector_store_file(self, vector_store_id: str, file_id: str, body: dict) -> dict:
        vs_file = self._vs_file(self._store(vector_store_id), file_id)
        check_body("UpdateVectorStoreFileAttributesRequest", body)
        vs_file["attributes"] = dict(body["attributes"] or {})
        return vs_file

    def delete_vector_store_file(self, vector_store_id: str, file_id: str) -> dict:
        store = self._store(vector_store_id)
        self._vs_file(store, file_id)
        del store.files[file_id]  # the File itself stays
        return {"id": file_id, "object": "vector_store.file.deleted", "deleted": True}

    # -- file batches ----------------------------------------------------------------------

    def _batch(self, store: VectorStore, batch_id: str) -> FileBatch:
        batch = self.batches.get(batch_id)
        if batch is None or batch.obj["vector_store_id"] != store.obj["id"]:
            raise not_found("vector store file batch", batch_id)
        return batch

    def create_file_batch(self, vector_store_id: str, body: dict) -> dict:
        store = self._store(vector_store_id)
        check_body("CreateVectorStoreFileBatchRequest", body)
        if "file_ids" in body and "files" in body:
            raise invalid("Invalid 'files': 'file_ids' and 'files' are mutually exclusive; "
                          "give one of them.", "files", "invalid_value")
        check_chunking_strategy(body.get("chunking_strategy"))
        if "file_ids" in body:
            entries = [(fid, body.get("chunking_strategy"), body.get("attributes"))
                       for fid in body["file_ids"]]
            self._require_files(body["file_ids"], "file_ids")
        else:
            entries = []
            for index, item in enumerate(body["files"]):
                check_chunking_strategy(item.get("chunking_strategy"),
                                        f"files[{index}].chunking_strategy")
                self._require_files([item["file_id"]], f"files[{index}].file_id")
                entries.append((item["file_id"], item.get("chunking_strategy"),
                                item.get("attributes")))
        file_ids = list(dict.fromkeys(fid for fid, _, _ in entries))
        for file_id, chunking, attributes in entries:
            self._attach(store, file_id, chunking, attributes)
        batch_id = new_id("vsfb_")
        self._register(batch_id)
        obj = {"id": batch_id, "object": "vector_store.files_batch", "created_at": _now(),
               "vector_store_id": vector_store_id, "status": "completed",
               "file_counts": {"in_progress": 0, "completed": len(file_ids), "failed": 0,
                               "cancelled": 0, "total": len(file_ids)}}
        self.batches[batch_id] = FileBatch(obj, file_ids)
        return obj

    def retrieve_file_batch(self, vector_store_id: str, batch_id: str) -> dict:
        return self._batch(self._store(vector_store_id), batch_id).obj

    def cancel_file_batch(self, vector_store_id: str, batch_id: str) -> dict:
        return self._batch(self._store(vector_store_id), batch_id).obj

    def list_file_batch_files(self, vector_store_id: str, batch_id: str, query) -> dict:
        store = self._store(vector_store_id)
        batch = self._batch(store, batch_id)
        return self._list_vs_files(store, batch.file_ids, query)


def _or_default(value, default):
    return default if value is None else value


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def _set_expiry(obj: dict, expires_after) -> None:
    obj.pop("expires_after", None)
    obj.pop("expires_at", None)
    if expires_after:
        obj["expires_after"] = dict(expires_after)
        obj["expires_at"] = obj["last_active_at"] + expires_after["days"] * 86400

