"""The JSON API (DESIGN 5.2), mounted on the blueprint under ``/api``.

Each view reads the request, hands it to :class:`~.assistants.AssistantService` and dumps the
answer with a schema. The route table :data:`ROUTES` drives both the URL rules and the OpenAPI
document, so the two cannot drift apart. Errors become JSON in :mod:`.blueprint`.

A new route is one more ``@api_route`` view in this module.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import json
import logging

from flask import Blueprint, Response, jsonify, request, stream_with_context, url_for
from werkzeug.exceptions import NotFound as RouteNotFound
from werkzeug.routing import Map, Rule

from . import csrf, uploads
from .openapi import build_document
from .. import schemas
from .._version import __version__
from .state import settings, team_archive, team_assistants, team_sync
from ..errors import InternalError, InvalidInput, PluginError
from ..lifecycle.assistants import validate
from ..lifecycle.trying import Answer, TryService
from ..lifecycle.versions import release_versions
from ..outbox.queue import list_operations as operations_of

log = logging.getLogger(__name__)

API_PREFIX = "/api"
ENDPOINT_PREFIX = "api_"
COMMON_ERRORS = (400, 401, 403)
REMOTE_ERRORS = (502, 503)


@dataclass
class ApiRoute:
    """One operation of the API: its URL rule, view, and what the OpenAPI document says of it."""

    rule: str  # below API_PREFIX, werkzeug syntax
    methods: tuple[str, ...]
    view: Callable
    summary: str
    tag: str = "assistants"
    description: str = ""
    body: object = None  # a schema (class or component name) for the request body
    multipart: bool = False
    query: object = None
    response: object = None  # a schema (class or component name), None for no body
    status: int = 200
    response_text: str = "OK"
    errors: tuple[int, ...] = field(default_factory=tuple)
    event_stream: str = ""  # when set, the route also answers text/event-stream, as described

    @property
    def endpoint(self) -> str:
        return ENDPOINT_PREFIX + self.view.__name__


ROUTES: list[ApiRoute] = []


def api_route(rule: str, method: str, **info) -> Callable:
    def decorate(view):
        ROUTES.append(ApiRoute(rule=rule, methods=(method,), view=view, **info))
        return view

    return decorate


def register(bp: Blueprint) -> None:
    """Add every API route, and a catch-all that answers unknown API paths and methods in JSON."""
    for route in ROUTES:
        bp.add_url_rule(API_PREFIX + route.rule, endpoint=route.endpoint, view_func=route.view,
                        methods=list(route.methods))
    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    bp.add_url_rule(API_PREFIX, endpoint=ENDPOINT_PREFIX + "no_route", view_func=no_route,
                    methods=methods, defaults={"rest": ""})
    bp.add_url_rule(API_PREFIX + "/<ocs_any_path:rest>", endpoint=ENDPOINT_PREFIX + "no_route",
                    view_func=no_route, methods=methods)


_route_maps: dict[int, Map] = {}


def _route_map() -> Map:
    """The API's rules on their own, to tell 404 from 405 (rebuilt if modules add routes)."""
    if len(ROUTES) not in _route_maps:
        _route_maps[len(ROUTES)] = Map(
            [Rule(r.rule, endpoint=r.endpoint, methods=list(r.methods)) for r in ROUTES])
    return _route_maps[len(ROUTES)]


def no_route(rest: str):
    """Unknown API URL: 404, or 405 with ``Allow`` when the path exists for other methods.

    Routing failures happen before a blueprint is chosen, so the blueprint's error handlers
    would never see them; this rule keeps them inside the blueprint (and in JSON)."""
    _route_map().bind("api").match("/" + rest, method=request.method)  # raises 404 / 405
    raise RouteNotFound()


# -- helpers ------------------------------------------------------------------------------------


def _json_body() -> dict:
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # nested past what the parser can take
        raise InvalidInput("The request body is nested too deeply.",
                           {"body": ["Nested too deeply."]}) from None
    if not isinstance(data, dict):
        raise InvalidInput("The request body must be a JSON object (Content-Type: application/json).",
                           {"body": ["Expected a JSON object."]})
    return data


def _query(schema) -> dict:
    return validate(schema, request.args.to_dict())


def _assistant_json(assistant, status: int = 200):
    return jsonify(schemas.AssistantSchema().dump(assistant)), status


# -- views --------------------------------------------------------------------------------------


@api_route("/assistants", "GET", summary="List the team's assistants",
           query=schemas.ListQuerySchema, response="AssistantPage", errors=COMMON_ERRORS,
           description="A page of assistants in id order; `next` is the URL of the next page. "
                       "`q` keeps those whose name contains it.")
def list_assistants():
    query = _query(schemas.ListQuerySchema())
    search = query.pop("q", None)
    page = team_assistants().list(search=search, **query)
    next_url = None
    if page.has_next:
        next_url = url_for(request.endpoint, archived=str(query["archived"]).lower(),
                           versions=str(query["versions"]).lower(), q=search or None,
                           page=page.page + 1)
    return jsonify({"items": schemas.AssistantSchema(many=True).dump(page.items), "next": next_url})


@api_route("/assistants", "POST", summary="Create an assistant and push it to OpenAI",
           body="AssistantInput", response="Assistant", status=201, response_text="Created",
           errors=COMMON_ERRORS + REMOTE_ERRORS)
def create_assistant():
    return _assistant_json(team_assistants().create(_json_body()), 201)


@api_route("/assistants/import", "POST", summary="Import an assistant that exists in OpenAI",
           body="ImportInput", response="Assistant", status=201, response_text="Created",
           errors=COMMON_ERRORS + (409,) + REMOTE_ERRORS,
           description="Copies the assistant, every file of its vector store and their filenames; "
                       "or, given vector_store_id and model, makes a new responses assistant "
                       "holding that vector store and its files. Nothing changes in OpenAI; 409 "
                       "already_managed when a live assistant holds the store.")
def import_assistant():
    body = validate(schemas.ImportInputSchema(), _json_body())
    if "vector_store_id" in body:
        return _assistant_json(team_assistants().import_vector_store(
            body["vector_store_id"], body["model"], body.get("name")), 201)
    return _assistant_json(team_assistants().import_assistant(body["openai_assistant_id"]), 201)


@api_route("/assistants/<int:assistant_id>", "GET", summary="Read an assistant",
           response="Assistant", errors=COMMON_ERRORS + (404,))
def get_assistant(assistant_id: int):
    return _assistant_json(team_assistants().get(assistant_id))


@api_route("/assistants/<int:assistant_id>", "PATCH", summary="Change an assistant and push it",
           body="AssistantPatch", response="Assistant",
           errors=COMMON_ERRORS + (404, 409) + REMOTE_ERRORS,
           description="Saves and pushes in one step: if the push fails nothing is saved. "
                       "Versions are read-only (409).")
def update_assistant(assistant_id: int):
    return _assistant_json(team_assistants().update(assistant_id, _json_body()))


@api_route("/assistants/<int:assistant_id>/files", "POST",
           summary="Upload a file and attach it to a tool", body="FileUpload", multipart=True,
           response=schemas.AssistantFileSchema, status=201, response_text="Created",
           errors=COMMON_ERRORS + (404, 409) + REMOTE_ERRORS,
           description="Multipart form with `file` and `tool` (code_interpreter or file_search). "
                       "With CSRF protection on, send the `csrf_token` field or the X-CSRF-Token "
                       "header.")
def upload_file(assistant_id: int):
    data = {k: v for k, v in request.form.to_dict().items() if k != csrf.FORM_FIELD}
    data.update(request.files.to_dict())
    upload = validate(schemas.FileUploadSchema(), data)
    stored = upload["file"]
    record = team_assistants().upload_file(assistant_id, tool=upload["tool"],
                                           filename=stored.filename, content=uploads.read(stored))
    return jsonify(schemas.AssistantFileSchema().dump(record)), 201


@api_route("/assistants/<int:assistant_id>/files/<file_id>", "DELETE",
           summary="Detach a file from its tool", query=schemas.FileRemoveQuerySchema,
           status=204, response_text="Removed", errors=COMMON_ERRORS + (404, 409) + REMOTE_ERRORS,
           description="`file_id` is the file's id here or its OpenAI id. The OpenAI File is "
                       "deleted too when no other assistant or version uses it.")
def remove_file(assistant_id: int, file_id: str):
    query = _query(schemas.FileRemoveQuerySchema())
    team_assistants().remove_file(assistant_id, file_id, tool=query.get("tool"))
    return "", 204


# -- sync (DESIGN 1.1): the check and its fixes -------------------------------------------------

SYNC_ERRORS = COMMON_ERRORS + (404, 409) + REMOTE_ERRORS
_NO_BODY = ("Send no body or `{}`; a form post needs the CSRF token (the `csrf_token` field or the "
            "X-CSRF-Token header).")


def _sync_action_input() -> None:
    """The sync actions take no input: a JSON body must be an empty object. Anything else is a
    form post, which needs the CSRF token (a cross-site form cannot send JSON)."""
    if request.is_json:
        data = _json_body() if request.get_data() else {}
        validate(schemas.SyncActionInputSchema(), data)


def _sync_json(report):
    return jsonify(schemas.SyncReportSchema().dump(report))


def _sync_fix(fix: str, *args, **kwargs):
    """Run one of :class:`~.sync.SyncService`'s fixes (these routes take no body) and answer
    the report after it."""
    _sync_action_input()
    return _sync_json(getattr(team_sync(), fix)(*args, **kwargs))


@api_route("/assistants/<int:assistant_id>/sync", "GET", tag="sync",
           summary="Compare an assistant with OpenAI", response=schemas.SyncReportSchema,
           errors=COMMON_ERRORS + (404,),
           description="The sync check, as the `ocs_assistant_edit_opened` hook returns it. OpenAI "
                       "failing is reported as state `error`, never as an error status.")
def sync_check(assistant_id: int):
    return _sync_json(team_sync().report(assistant_id))


@api_route("/assistants/<int:assistant_id>/pull", "POST", tag="sync",
           summary="Overwrite the local assistant from OpenAI", response=schemas.SyncReportSchema,
           errors=SYNC_ERRORS,
           description="Working assistants only (409 for a version). Files only in OpenAI become "
                       "remote-only files; nothing changes in OpenAI. Answers the report after "
                       "the pull. " + _NO_BODY)
def sync_pull(assistant_id: int):
    return _sync_fix("pull", assistant_id)


@api_route("/assistants/<int:assistant_id>/push", "POST", tag="sync",
           summary="Overwrite OpenAI from the local assistant", response=schemas.SyncReportSchema,
           errors=SYNC_ERRORS,
           description="Working assistants only (409 for a version). Files OpenAI lost are "
                       "uploaded again from their stored content, extra files detached (never "
                       "deleted), a deleted assistant created again. Answers the report after the "
                       "push. " + _NO_BODY)
def sync_push(assistant_id: int):
    return _sync_fix("push", assistant_id)


@api_route("/assistants/<int:assistant_id>/restore", "POST", tag="sync",
           summary="Push a version's released snapshot back to OpenAI",
           response=schemas.SyncReportSchema, errors=SYNC_ERRORS,
           description="Versions only (409 for a working assistant). Nothing changes locally "
                       "except the OpenAI ids, if OpenAI needs a new assistant, store or file. "
                       + _NO_BODY)
def sync_restore(assistant_id: int):
    return _sync_fix("restore", assistant_id)


@api_route("/assistants/<int:assistant_id>/sync/files/<int:file_id>/upload", "POST", tag="sync",
           summary="Make one local file present in OpenAI", body=schemas.SyncFileUploadSchema,
           multipart=True, response=schemas.SyncReportSchema, errors=SYNC_ERRORS,
           description="`file_id` is a local file (files_missing_remotely[].id). With a `file` "
                       "part, that content is uploaded and replaces the file (needed when OpenAI "
                       "lost a remote-only file); without, the file is attached again, or its "
                       "stored content uploaded again. Only this file changes in OpenAI.")
def sync_upload_file(assistant_id: int, file_id: int):
    upload: dict = {}
    if request.is_json or not (request.form or request.files):
        _sync_action_input()
    else:
        data = {k: v for k, v in request.form.to_dict().items() if k != csrf.FORM_FIELD}
        data.update(request.files.to_dict())
        upload = validate(schemas.SyncFileUploadSchema(), data)
    stored = upload.get("file")
    report = team_sync().upload_file(
        assistant_id, file_id, filename=stored.filename if stored else None,
        content=uploads.read(stored) if stored else None)
    return _sync_json(report)


@api_route("/assistants/<int:assistant_id>/sync/files/<int:file_id>/remove", "POST", tag="sync",
           summary="Remove one local file from its tool", response=schemas.SyncReportSchema,
           errors=SYNC_ERRORS,
           description="Detaches the file in OpenAI if it is attached there and removes it here; "
                       "the OpenAI File is deleted only when no other assistant or version uses "
                       "it. Only this file changes in OpenAI. " + _NO_BODY)
def sync_remove_file(assistant_id: int, file_id: int):
    return _sync_fix("remove_file", assistant_id, file_id)


@api_route("/assistants/<int:assistant_id>/sync/remote-files/<openai_file_id>/keep", "POST",
           tag="sync", summary="Record a file that is only in OpenAI here",
           query=schemas.RemoteFileQuerySchema, response=schemas.SyncReportSchema,
           errors=SYNC_ERRORS,
           description="`openai_file_id` is a files_missing_locally[].openai_id; it is recorded as "
                       "a remote-only file. Nothing changes in OpenAI. " + _NO_BODY)
def sync_keep_remote_file(assistant_id: int, openai_file_id: str):
    query = _query(schemas.RemoteFileQuerySchema())
    return _sync_fix("keep_remote_file", assistant_id, openai_file_id, tool=query.get("tool"))


@api_route("/assistants/<int:assistant_id>/sync/remote-files/<openai_file_id>/remove", "POST",
           tag="sync", summary="Detach a file that is only in OpenAI",
           query=schemas.RemoteFileQuerySchema, response=schemas.SyncReportSchema,
           errors=SYNC_ERRORS,
           description="Detaches a files_missing_locally[] file from the tool in OpenAI; the File "
                       "itself is kept (the plugin never knew it). " + _NO_BODY)
def sync_remove_remote_file(assistant_id: int, openai_file_id: str):
    query = _query(schemas.RemoteFileQuerySchema())
    return _sync_fix("remove_remote_file", assistant_id, openai_file_id,
                     tool=query.get("tool"))


# -- versions -----------------------------------------------------------------------------------


@api_route("/assistants/<int:assistant_id>/release", "POST",
           summary="Release the working assistant as a version", tag="versions",
           body=schemas.ReleaseInputSchema, response="Assistant", status=201,
           response_text="Created: the new version (200 with the version reused when the "
                         "assistant is unchanged since its latest version).",
           errors=COMMON_ERRORS + (404, 409) + REMOTE_ERRORS,
           description="What the host's release hook does, for one assistant: a frozen version "
                       "and its own clone in OpenAI (one request, the same files). Versions and "
                       "archived assistants answer 409.")
def release_assistant(assistant_id: int):
    body = validate(schemas.ReleaseInputSchema(), _json_body())
    service = team_assistants()
    service.get(assistant_id, "release")
    (released,) = release_versions(service.deps, [assistant_id], service.team_id, body["label"])
    return _assistant_json(released.version, 201 if released.created else 200)


# -- try ----------------------------------------------------------------------------------------

EVENT_STREAM = "text/event-stream"
_TRY_EVENTS = ("`delta` events (`{\"text\"}`, the answer as it is written), then one `done` "
               "(TryResult) or one `error` (the error shape: OpenAI failing, or refusing the "
               "input, while the answer streams).")


def _event(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


def _try_events(service, prepared):
    """The streamed answer as server-sent events; a failure ends it with an `error` event
    (once the stream has begun there is no status left to send)."""
    try:
        for piece in service.stream(prepared):
            if isinstance(piece, Answer):
                yield _event("done", schemas.TryResultSchema().dump(piece))
            else:
                yield _event("delta", schemas.TextDeltaSchema().dump(piece))
    except Exception as exc:
        if not isinstance(exc, PluginError):  # a bug: say so rather than cut the stream off
            log.exception("a streamed try failed")
            exc = InternalError()
        yield _event("error", exc.to_dict())


@api_route("/assistants/<int:assistant_id>/try", "POST", tag="try",
           summary="Send a message to an assistant and read its answer", body="TryInput",
           response="TryResult", errors=COMMON_ERRORS + (404, 409) + REMOTE_ERRORS,
           event_stream=_TRY_EVENTS,
           description="Sends the assistant's configuration (as `responses_request`) and the "
                       "input to OpenAI's Responses API, for working assistants and versions on "
                       "either backend. `previous_response_id` (an earlier answer's "
                       "`response_id`) continues that conversation; an unknown one is 400 "
                       "naming the field. Nothing is saved. With `Accept: text/event-stream` the "
                       "answer streams as server-sent events; errors found before OpenAI is "
                       "asked still answer with their status and the JSON error shape.")
def try_assistant(assistant_id: int):
    service = TryService(team_assistants())
    prepared = service.prepare(assistant_id, _json_body())
    if request.accept_mimetypes.best_match(["application/json", EVENT_STREAM]) == EVENT_STREAM:
        return Response(stream_with_context(_try_events(service, prepared)),
                        mimetype=EVENT_STREAM,
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    return jsonify(schemas.TryResultSchema().dump(service.answer(prepared)))


# -- archiving and the remote-operations outbox ---------------------------------------------------


@api_route("/assistants/<int:assistant_id>/archive-check", "GET",
           summary="Check whether an assistant can be archived", tag="archiving",
           response=schemas.ArchiveCheckSchema, errors=COMMON_ERRORS + (404, 409, 502),
           description="Asks every reference provider, once each, which host objects use the "
                       "working assistant or any of its versions. `sections` lists what blocks "
                       "(empty: it can be archived); `auto_archive` the released references "
                       "archived with it. 409 for a version or an archived assistant; 502 when "
                       "a provider answers something invalid (its kind and field are named).")
def archive_check(assistant_id: int):
    check = team_archive().archive_check(assistant_id)
    return jsonify(schemas.ArchiveCheckSchema().dump(check))


@api_route("/assistants/<int:assistant_id>/archive", "POST",
           summary="Archive an assistant and all its versions", tag="archiving",
           response=schemas.ArchiveResultSchema, errors=COMMON_ERRORS + (404, 409, 502),
           description="Checks again under a lock, then archives the working assistant and every "
                       "version, archives the released references through their providers, and "
                       "records the deletions in OpenAI (assistants, vector stores, unshared "
                       "files), carried out after the commit. When something blocks, 409 with "
                       "the fresh ArchiveCheck and `error` (code `archive_blocked`), see "
                       "ArchiveBlocked.")
def archive_assistant(assistant_id: int):
    result = team_archive().archive(assistant_id)
    return jsonify(schemas.ArchiveResultSchema().dump(result))


@api_route("/operations", "GET", summary="The team's remote operations (the outbox)",
           tag="archiving", query=schemas.OperationsQuerySchema,
           response=schemas.RemoteOperationPageSchema, errors=COMMON_ERRORS,
           description="Deletions in OpenAI recorded by archiving and other changes, newest "
                       "first, with their state, attempts, last error and next attempt.")
def list_operations():
    query = _query(schemas.OperationsQuerySchema())
    service = team_assistants()
    service.require("view")
    size = settings().page_size
    rows = operations_of(service.deps, status=query.get("status"), team_id=service.team_id,
                         offset=(query["page"] - 1) * size, limit=size + 1)
    next_url = None
    if len(rows) > size:
        next_url = url_for(request.endpoint, page=query["page"] + 1,
                           **({"status": query["status"]} if "status" in query else {}))
    return jsonify({"items": schemas.RemoteOperationSchema(many=True).dump(rows[:size]),
                    "next": next_url})


@api_route("/openapi.json", "GET", summary="This document", tag="meta",
           response_text="The OpenAPI 3 document of this API.")
def openapi_document():
    server_url = url_for(request.endpoint).rsplit("/openapi.json", 1)[0]
    return jsonify(build_document(ROUTES, server_url, __version__))
