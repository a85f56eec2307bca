"""The URL table: which :class:`~.state.StandInState` operation answers ``METHOD /v1/...``.

The 13 path items of the assistants spec subset plus ``POST /v1/responses``. A handler gets the
state, the parsed :class:`Request` and the path parameters, and returns a JSON-able dict or
:class:`RawBody` (file content).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from .api_errors import APIError
from .multipart import parse_form
from .responses_api import create_response, encode_events, stream_events
from .state import StandInState
from .validation import parse_json_body

API_ROOT = "/v1"


@dataclass
class Request:
    method: str
    path: str  # as requested, e.g. /v1/assistants/asst_1
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    def json(self) -> dict:
        return parse_json_body(self.body)


@dataclass
class RawBody:
    content: bytes
    content_type: str = "application/octet-stream"


def _upload(state: StandInState, request: Request) -> dict:
    fields, uploads = parse_form(request.headers.get("content-type", ""), request.body)
    return state.upload_file(fields, uploads)


def _respond(state: StandInState, body) -> dict | RawBody:
    """A Response, or with ``stream: true`` the same Response as server-sent events."""
    response = create_response(state, body)
    if body.get("stream"):
        return RawBody(encode_events(stream_events(response)), "text/event-stream; charset=utf-8")
    return response


def _collection(path: str, item: str, *, noun: str, plural: str,
                modify: str = "update") -> list[tuple[str, str, Callable]]:
    """The five routes OpenAI gives a collection of objects: list and create on ``path``,
    retrieve, modify (a POST) and delete on ``item``. The handlers are the state's
    ``list_<plural>``, ``create_<noun>``, ``retrieve_<noun>``, ``<modify>_<noun>`` and
    ``delete_<noun>``; each takes the path parameters in order, then the query or the body."""
    list_, create, retrieve, change, delete = (
        getattr(StandInState, name)
        for name in (f"list_{plural}", f"create_{noun}", f"retrieve_{noun}", f"{modify}_{noun}",
                     f"delete_{noun}"))
    return [
        ("GET", path, lambda s, r, **ids: list_(s, *ids.values(), r.query)),
        ("POST", path, lambda s, r, **ids: create(s, *ids.values(), r.json())),
        ("GET", item, lambda s, r, **ids: retrieve(s, *ids.values())),
        ("POST", item, lambda s, r, **ids: change(s, *ids.values(), r.json())),
        ("DELETE", item, lambda s, r, **ids: delete(s, *ids.values())),
    ]


_TABLE: list[tuple[str, str, Callable]] = [
    *_collection("/assistants", "/assistants/{assistant_id}", noun="assistant",
                 plural="assistants", modify="modify"),

    ("GET", "/files", lambda s, r: s.list_files(r.query)),
    ("POST", "/files", _upload),
    ("GET", "/files/{file_id}", lambda s, r, file_id: s.retrieve_file(file_id)),
    ("DELETE", "/files/{file_id}", lambda s, r, file_id: s.delete_file(file_id)),
    ("GET", "/files/{file_id}/content", lambda s, r, file_id:
        RawBody(s.file_content(file_id))),

    *_collection("/vector_stores", "/vector_stores/{vector_store_id}", noun="vector_store",
                 plural="vector_stores"),
    *_collection("/vector_stores/{vector_store_id}/files",
                 "/vector_stores/{vector_store_id}/files/{file_id}", noun="vector_store_file",
                 plural="vector_store_files"),

    ("POST", "/vector_stores/{vector_store_id}/file_batches", lambda s, r, vector_store_id:
        s.create_file_batch(vector_store_id, r.json())),
    ("GET", "/vector_stores/{vector_store_id}/file_batches/{batch_id}",
     lambda s, r, vector_store_id, batch_id: s.retrieve_file_batch(vector_store_id, batch_id)),
    ("POST", "/vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel",
     lambda s, r, vector_store_id, batch_id: s.cancel_file_batch(vector_store_id, batch_id)),
    ("GET", "/vector_stores/{vector_store_id}/file_batches/{batch_id}/files",
     lambda s, r, vector_store_id, batch_id: s.list_file_batch_files(vector_store_id, batch_id,
                                                                     r.query)),

    ("POST", "/responses", lambda s, r: _respond(s, r.json())),
]


def _compile(template: str) -> re.Pattern:
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(API_ROOT + template))
    return re.compile(regex + "/?$")


ROUTES = [(method, _compile(template), handler) for method, template, handler in _TABLE]


#: Paths of the Assistants API (and its threads and runs), which OpenAI switched off on 2026-08-26.
ASSISTANTS_API_PATHS = re.compile(rf"{API_ROOT}/(assistants|threads)(/|$)")


def invalid_url(request: Request) -> APIError:
    """What OpenAI answers for a path it does not serve: 404 ``invalid_request_error``,
    "Invalid URL (POST /v1/assistants)"."""
    return APIError(404, f"Invalid URL ({request.method} {request.path})")


def dispatch(state: StandInState, request: Request, *, assistants_api: bool = True):
    """Run the operation for ``request``; raises :class:`APIError` for OpenAI-style failures.

    ``assistants_api=False``: the Assistants paths answer as OpenAI does since the sunset."""
    if not assistants_api and ASSISTANTS_API_PATHS.match(request.path):
        raise invalid_url(request)
    for method, pattern, handler in ROUTES:
        match = pattern.match(request.path)
        if match and method == request.method:
            return handler(state, request, **match.groupdict())
    raise invalid_url(request)
