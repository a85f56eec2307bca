"""CSRF protection for the blueprint's form posts and multipart uploads.

A browser can send a cross-site form post or multipart upload with the user's cookies, but not a
JSON body (that needs a CORS preflight), so only those need a token (DESIGN 5.1,
``OCS_ASSISTANTS_CSRF_ENABLED``). The token lives in the Flask session; pages put it in a hidden
``csrf_token`` field (``{{ ocs_csrf_token() }}``), scripts send it as the ``X-CSRF-Token`` header.
"""
from __future__ import annotations

import hmac
import secrets

from flask import current_app, request, session

from ..errors import ConfigurationError, InvalidInput

SESSION_KEY = "_ocs_assistants_csrf"
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


def enabled() -> bool:
    return bool(current_app.config["OCS_ASSISTANTS_CSRF_ENABLED"])


def generate_token() -> str:
    """The session's token (created on first use)."""
    if not current_app.secret_key:
        raise ConfigurationError(
            "CSRF protection needs the Flask session: set SECRET_KEY, or set "
            "OCS_ASSISTANTS_CSRF_ENABLED = False if the host protects its forms itself.")
    token = session.get(SESSION_KEY)
    if not token:
        token = session[SESSION_KEY] = secrets.token_urlsafe(32)
    return token


def protect() -> None:
    """Refuse the current form post / upload without the session's token (400 naming the field)."""
    if not enabled():
        return
    expected = session.get(SESSION_KEY) if current_app.secret_key else None
    sent = request.headers.get(HEADER) or request.form.get(FORM_FIELD)
    if not sent:
        raise InvalidInput("The CSRF token is missing: reload the page and try again.",
                           {FORM_FIELD: [f"Missing: send the {FORM_FIELD} form field or the "
                                         f"{HEADER} header."]})
    if not expected or not hmac.compare_digest(str(expected), sent):
        raise InvalidInput("The CSRF token is invalid or expired: reload the page and try again.",
                           {FORM_FIELD: ["Invalid or expired."]})
