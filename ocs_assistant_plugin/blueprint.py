"""The blueprint: the JSON API (and, added by :mod:`.pages`, the admin pages) and its errors.

Error handlers are registered on the blueprint only, never on the host's app. API requests get
the one JSON error shape; page requests get ``ocs_assistants/error.html`` when a template of that
name exists, or a minimal page.
"""
from __future__ import annotations

import importlib
import importlib.util
import logging
import re

from flask import Blueprint, current_app, jsonify, render_template, request
from jinja2 import TemplateNotFound
from markupsafe import escape
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from . import api, csrf
from .errors import InvalidInput, PluginError
from .schemas import describe_unknown, flatten_messages

log = logging.getLogger(__name__)

ERROR_TEMPLATE = "ocs_assistants/error.html"
#: Modules (relative to this package) that add JSON API routes with ``api.api_route``; imported
#: before the routes are registered, so their views are routed and in the OpenAPI document.
API_MODULES: tuple[str, ...] = ()


def build_blueprint(name: str = "ocs_assistants") -> Blueprint:
    """A new blueprint with the API routes and error handlers. Page modules add their routes
    with ``register(bp)`` before the blueprint is registered on an app."""
    bp = Blueprint(name, __name__, template_folder="templates", static_folder="static",
                   static_url_path="/static")
    for module in API_MODULES:
        importlib.import_module(f"{__package__}.{module}")
    api.register(bp)
    _register_pages(bp)
    bp.register_error_handler(PluginError, handle_plugin_error)
    bp.register_error_handler(ValidationError, handle_validation_error)
    bp.register_error_handler(HTTPException, handle_http_exception)
    bp.register_error_handler(Exception, handle_unexpected_error)
    bp.context_processor(lambda: {"ocs_csrf_token": csrf.generate_token})
    return bp


def _register_pages(bp: Blueprint) -> None:
    if importlib.util.find_spec(f"{__package__}.pages") is None:
        return  # no admin pages in this build: the JSON API alone
    importlib.import_module(f"{__package__}.pages").register(bp)


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
    fields = describe_unknown(flatten_messages(error.messages))
    return error_response(InvalidInput(f"Invalid input: check {', '.join(sorted(fields))}.", fields))


def _code_for(error: HTTPException) -> str:
    return re.sub(r"[^a-z0-9]+", "_", (error.name or "error").lower()).strip("_")


def handle_http_exception(error: HTTPException):
    if not is_api_request() or error.code is None:
        return error
    body = {"error": {"code": _code_for(error), "message": error.description or error.name,
                      "fields": {}}}
    response = jsonify(body)
    response.status_code = error.code
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
    return jsonify({"error": {"code": "internal_error",
                              "message": "An unexpected error occurred; it has been logged.",
                              "fields": {}}}), 500
