"""The JSON API (DESIGN 5.2), mounted on the blueprint under ``/api``.

Each view reads the request, hands it to :class:`~.assistants.AssistantService` and dumps the
answer with a schema. The route table :data:`ROUTES` drives both the URL rules and the OpenAPI
document, so the two cannot drift apart. Errors become JSON in :mod:`.blueprint`.

Another module adds API routes the same way (``from .api import api_route``) and is listed in
:data:`.blueprint.API_MODULES` so it is imported before the routes are registered.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask import Blueprint, jsonify, request, url_for
from werkzeug.exceptions import NotFound as RouteNotFound
from werkzeug.routing import Map, Rule

from . import csrf, schemas
from .assistants import AssistantService, validate
from .errors import InvalidInput, NotAuthenticated
from .extension import get_state

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
    bp.add_url_rule(API_PREFIX + "/<path:rest>", endpoint=ENDPOINT_PREFIX + "no_route",
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


def _service() -> AssistantService:
    plugin = get_state()
    team_id = plugin.current_team_id()
    if team_id is None:
        raise NotAuthenticated("Sign in to a team to manage its assistants.")
    return AssistantService(plugin, team_id)


def _json_body() -> dict:
    data = request.get_json(silent=True)
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
           description="A page of assistants in id order; `next` is the URL of the next page.")
def list_assistants():
    query = _query(schemas.ListQuerySchema())
    page = _service().list(**query)
    next_url = None
    if page.has_next:
        next_url = url_for(request.endpoint, archived=str(query["archived"]).lower(),
                           versions=str(query["versions"]).lower(), page=page.page + 1)
    return jsonify({"items": schemas.AssistantSchema(many=True).dump(page.items), "next": next_url})


@api_route("/assistants", "POST", summary="Create an assistant and push it to OpenAI",
           body="AssistantInput", response="Assistant", status=201, response_text="Created",
           errors=COMMON_ERRORS + REMOTE_ERRORS)
def create_assistant():
    return _assistant_json(_service().create(_json_body()), 201)


@api_route("/assistants/import", "POST", summary="Import an assistant that exists in OpenAI",
           body="ImportInput", response="Assistant", status=201, response_text="Created",
           errors=COMMON_ERRORS + (409,) + REMOTE_ERRORS,
           description="Copies the assistant, every file of its vector store and their filenames; "
                       "nothing changes in OpenAI.")
def import_assistant():
    body = validate(schemas.ImportInputSchema(), _json_body())
    return _assistant_json(_service().import_assistant(body["openai_assistant_id"]), 201)


@api_route("/assistants/<int:assistant_id>", "GET", summary="Read an assistant",
           response="Assistant", errors=COMMON_ERRORS + (404,))
def get_assistant(assistant_id: int):
    return _assistant_json(_service().get(assistant_id))


@api_route("/assistants/<int:assistant_id>", "PATCH", summary="Change an assistant and push it",
           body="AssistantPatch", response="Assistant",
           errors=COMMON_ERRORS + (404, 409) + REMOTE_ERRORS,
           description="Saves and pushes in one step: if the push fails nothing is saved. "
                       "Versions are read-only (409).")
def update_assistant(assistant_id: int):
    return _assistant_json(_service().update(assistant_id, _json_body()))


@api_route("/assistants/<int:assistant_id>/files", "POST",
           summary="Upload a file and attach it to a tool", body="FileUpload", multipart=True,
           response=schemas.AssistantFileSchema, status=201, response_text="Created",
           errors=COMMON_ERRORS + (404, 409) + REMOTE_ERRORS,
           description="Multipart form with `file` and `tool` (code_interpreter or file_search). "
                       "With CSRF protection on, send the `csrf_token` field or the X-CSRF-Token "
                       "header.")
def upload_file(assistant_id: int):
    csrf.protect()
    data = {k: v for k, v in request.form.to_dict().items() if k != csrf.FORM_FIELD}
    data.update(request.files.to_dict())
    upload = validate(schemas.FileUploadSchema(), data)
    stored = upload["file"]
    record = _service().upload_file(assistant_id, tool=upload["tool"], filename=stored.filename,
                                    content=stored.read())
    return jsonify(schemas.AssistantFileSchema().dump(record)), 201


@api_route("/assistants/<int:assistant_id>/files/<file_id>", "DELETE",
           summary="Detach a file from its tool", query=schemas.FileRemoveQuerySchema,
           status=204, response_text="Removed", errors=COMMON_ERRORS + (404, 409) + REMOTE_ERRORS,
           description="`file_id` is the file's id here or its OpenAI id. The OpenAI File is "
                       "deleted too when no other assistant or version uses it.")
def remove_file(assistant_id: int, file_id: str):
    query = _query(schemas.FileRemoveQuerySchema())
    _service().remove_file(assistant_id, file_id, tool=query.get("tool"))
    return "", 204


@api_route("/openapi.json", "GET", summary="This document", tag="meta",
           response_text="The OpenAPI 3 document of this API.")
def openapi_document():
    from . import __version__
    from .openapi import build_document

    server_url = url_for(request.endpoint).rsplit("/openapi.json", 1)[0]
    return jsonify(build_document(ROUTES, server_url, __version__))
