"""The blueprint: the JSON API, the admin pages (:mod:`.pages`) and their errors.

Error handlers are registered on the blueprint only, never on the host's app. API requests get
the one JSON error shape; page requests get ``ocs_assistants/error.html`` when a template of that
name exists, or a minimal page, with the right status, for the plugin's errors and for HTTP
errors alike (404, 405, 413, ...).

Routing errors happen before a blueprint is chosen, so the blueprint's handlers would never see
them: catch-all rules keep unknown URLs below the prefix inside the blueprint (the API's in
:func:`.api.no_route`, the pages' in :func:`no_page`).
"""
from __future__ import annotations

import logging
import re

from flask import Blueprint, current_app, jsonify, make_response, render_template, request
from jinja2 import TemplateNotFound
from markupsafe import escape
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import NotFound as RouteNotFound
from werkzeug.routing import Map, PathConverter, Rule

from . import api, csrf, pages, uploads
from ..errors import HTTPError, InternalError, PluginError
from ..schemas import ID_MAX, invalid_input

log = logging.getLogger(__name__)

ERROR_TEMPLATE = "ocs_assistants/error.html"
#: The endpoint (in the blueprint) of the catch-all rules for unknown page URLs.
NO_PAGE_ENDPOINT = "no_page"
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def build_blueprint(name: str = "ocs_assistants", *, catch_unknown_pages: bool = True) -> Blueprint:
    """A new blueprint with the API routes, the admin pages and the error handlers.

    ``catch_unknown_pages``: answer unknown URLs below the prefix with the plugin's error page
    (the extension turns it off when the blueprint is mounted at the root, where every unknown
    URL is the host's)."""
    bp = Blueprint(name, __name__, template_folder="templates", static_folder="static",
                   static_url_path="/static")
    # First of the blueprint's deferred functions: the catch-alls below need the converter.
    bp.record_once(lambda state: state.app.url_map.converters.setdefault(
        AnyPathConverter.NAME, AnyPathConverter))
    api.register(bp)
    pages.register(bp)
    if catch_unknown_pages:
        # Last, so that at "/" the list page answers GET before this rule is tried.
        bp.add_url_rule("/", endpoint=NO_PAGE_ENDPOINT, view_func=no_page, methods=ALL_METHODS,
                        defaults={"rest": ""})
        bp.add_url_rule("/<ocs_any_path:rest>", endpoint=NO_PAGE_ENDPOINT, view_func=no_page,
                        methods=ALL_METHODS)
    bp.before_request(guard_request)
    bp.register_error_handler(PluginError, handle_plugin_error)
    bp.register_error_handler(ValidationError, handle_validation_error)
    bp.register_error_handler(HTTPException, handle_http_exception)
    bp.register_error_handler(Exception, handle_unexpected_error)
    bp.context_processor(lambda: {"ocs_csrf_token": csrf.generate_token})
    return bp


class AnyPathConverter(PathConverter):
    """Werkzeug's ``path`` that also matches line breaks (``/api/assistants/1%0A``), so the
    catch-alls answer every unknown URL below the prefix, in JSON on the API."""

    NAME = "ocs_any_path"
    regex = r"[^/][\s\S]*?"


def _is_catch_all() -> bool:
    endpoint = (request.endpoint or "").rpartition(".")[2]
    return endpoint in (NO_PAGE_ENDPOINT, api.ENDPOINT_PREFIX + "no_route")


def _own_rules() -> list[Rule]:
    blueprint = request.blueprint
    return [rule for rule in current_app.url_map.iter_rules()
            if rule.endpoint.startswith(f"{blueprint}.")
            and rule.endpoint.rpartition(".")[2] not in (
                NO_PAGE_ENDPOINT, api.ENDPOINT_PREFIX + "no_route")]


def options_response():
    """``OPTIONS``: the methods of the blueprint's own rules for this path (Flask's automatic
    answer would add the catch-alls' methods), 404 when no rule has the path."""
    rules = [Rule(rule.rule, endpoint=rule.endpoint, methods=list(rule.methods or ()))
             for rule in _own_rules()]
    adapter = Map(rules, converters=dict(current_app.url_map.converters)).bind("plugin")
    methods = set(adapter.allowed_methods(request.path))
    if not methods:
        raise RouteNotFound()
    response = current_app.response_class(status=200)
    response.headers["Allow"] = ", ".join(sorted(methods | {"OPTIONS"}))
    return response


def _ids_in_range() -> None:
    """A database id is 1..2^31-1 written in ASCII digits: anything else matched by an
    ``<int:...>`` rule (a huge number, fullwidth digits) is not found, before any query; so is
    a path part with a NUL (no id, here or in OpenAI, has one; PostgreSQL refuses it)."""
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not 0 <= value <= ID_MAX:
            raise RouteNotFound()
        if isinstance(value, str) and "\x00" in value:
            raise RouteNotFound()
    if any(part.isdigit() and not part.isascii() for part in request.path.split("/")):
        raise RouteNotFound()


def guard_request():
    """Before any view of the blueprint: ``OPTIONS`` answered from the blueprint's own rules,
    ids checked, and the CSRF rule for changing requests (not on the catch-alls, which only
    answer 404 or 405)."""
    if request.method == "OPTIONS":
        return options_response()
    if _is_catch_all():
        return None
    _ids_in_range()
    csrf.guard(is_api=is_api_request())
    uploads.guard_request_size()
    return None


def no_page(rest: str):
    """Unknown page URL below the prefix: 404, or 405 with ``Allow`` when a page has that URL
    but not for this method."""
    blueprint = request.blueprint
    rules = [Rule(rule.rule, endpoint=rule.endpoint, methods=list(rule.methods or ()))
             for rule in current_app.url_map.iter_rules()
             if rule.endpoint.startswith(f"{blueprint}.")
             and rule.endpoint != f"{blueprint}.{NO_PAGE_ENDPOINT}"]
    Map(rules, converters=dict(current_app.url_map.converters)).bind("pages").match(
        request.path, method=request.method)  # raises 404 / 405
    raise RouteNotFound()


def is_api_request() -> bool:
    return (request.endpoint or "").rpartition(".")[2].startswith(api.ENDPOINT_PREFIX)


def error_response(error: PluginError):
    """The response for a plugin error: JSON for the API, a page otherwise."""
    if is_api_request():
        return jsonify(error.to_dict()), error.status
    try:
        return render_template(ERROR_TEMPLATE, error=error), error.status
    except TemplateNotFound:
        return (f"<!doctype html><title>{escape(error.message)}</title>"
                f"<h1>Error {error.status}</h1><p>{escape(error.message)}</p>"), error.status


def handle_plugin_error(error: PluginError):
    if error.status >= 500:
        log.warning("%s: %s", error.code, error.message)
    return error_response(error)


def handle_validation_error(error: ValidationError):
    return error_response(invalid_input(error))


def _code_for(error: HTTPException) -> str:
    return re.sub(r"[^a-z0-9]+", "_", (error.name or "error").lower()).strip("_")


def handle_http_exception(error: HTTPException):
    """404, 405, 413 ...: the JSON error for the API, the error page for pages (the status and
    the ``Allow`` / ``Retry-After`` headers kept). Anything below 400 (a redirect) passes."""
    if error.code is None or error.code < 400:
        return error
    response = make_response(error_response(
        HTTPError(error.code, _code_for(error), error.description or error.name)))
    headers = dict(error.get_headers())
    for header in ("Allow", "Retry-After"):
        if header in headers:
            response.headers[header] = headers[header]
    return response


def handle_unexpected_error(error: Exception):
    """A bug or a database failure: JSON 500 for the API (re-raised when the app propagates
    exceptions, as in debug and testing, so the traceback is not hidden)."""
    propagate = current_app.config["PROPAGATE_EXCEPTIONS"]
    if propagate is None:
        propagate = current_app.testing or current_app.debug
    if propagate or not is_api_request():
        raise error
    log.exception("unexpected error in the ocs_assistants API")
    return error_response(InternalError())
