"""CSRF protection for every POST, PUT, PATCH and DELETE of the blueprint (DESIGN 5.1).

The rule (``OCS_ASSISTANTS_CSRF_ENABLED``, on by default): a changing request carries the CSRF
token, in the ``csrf_token`` form field or the ``X-CSRFToken`` / ``X-CSRF-Token`` header, or, on
the JSON API only, a body sent as ``Content-Type: application/json`` (a cross-site page cannot
send that without a CORS preflight, which the plugin never answers). Anything else is 403
``csrf_failed``, refused in :func:`guard` before any view runs, so nothing changes.

The tokens are Flask-WTF's (signed, bound to the session, valid for ``WTF_CSRF_TIME_LIMIT``
seconds, 3600 by default): a host that uses Flask-WTF itself shares one token with the plugin.
The plugin does not install Flask-WTF's app-wide ``CSRFProtect``, so the host's own views are left
to the host. Pages render the token with ``{{ ocs_csrf_token() }}``.
"""
from __future__ import annotations

from flask import current_app, request
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from ..errors import ConfigurationError, CsrfFailed

from .state import plugin_state
FORM_FIELD = "csrf_token"
#: The headers Flask-WTF reads the token from (``WTF_CSRF_HEADERS`` overrides, as there).
HEADERS = ("X-CSRFToken", "X-CSRF-Token")
CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def enabled() -> bool:
    return plugin_state().settings.csrf_enabled


def _need_secret_key() -> None:
    if not current_app.secret_key and not current_app.config.get("WTF_CSRF_SECRET_KEY"):
        raise ConfigurationError(
            "CSRF protection needs the Flask session: set SECRET_KEY, or set "
            "OCS_ASSISTANTS_CSRF_ENABLED = False if the host protects its forms itself.")


def generate_token() -> str:
    """The session's token, signed (the same one for the whole request)."""
    _need_secret_key()
    return generate_csrf()


def sent_token() -> str | None:
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", FORM_FIELD)
    token = request.form.get(field) if request.mimetype in (
        "application/x-www-form-urlencoded", "multipart/form-data") else None
    if token:
        return token
    for header in current_app.config.get("WTF_CSRF_HEADERS", HEADERS):
        if request.headers.get(header):
            return request.headers[header]
    return None


def protect(*, json_counts: bool = False) -> None:
    """Refuse the current request with 403 ``csrf_failed`` unless it carries the session's
    token, or (``json_counts``: the JSON API) a body sent as ``application/json``."""
    if not enabled():
        return
    if json_counts and request.mimetype == "application/json":
        return
    token = sent_token()
    if not token:
        how = "send the csrf_token form field or the X-CSRFToken header"
        if json_counts:
            how += ", or send the body as JSON (Content-Type: application/json; {} for no input)"
        raise CsrfFailed("The CSRF token is missing: reload the page and try again.",
                         {FORM_FIELD: [f"Missing: {how}."]})
    _need_secret_key()
    try:
        validate_csrf(token)
    except ValidationError as exc:
        raise CsrfFailed("The CSRF token is invalid or expired: reload the page and try again.",
                         {FORM_FIELD: [str(exc.args[0]) if exc.args else "Invalid."]}) from None


def guard(*, is_api: bool) -> None:
    """The blueprint's check before any view of a changing request."""
    if request.method in CHANGING_METHODS:
        protect(json_counts=is_api)
