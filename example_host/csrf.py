"""A tiny CSRF guard for the host's own forms (the plugin protects its own pages itself).

One random token per session; every POST to a host blueprint must echo it in the form field
``csrf_token``. Templates render it with ``{{ csrf_field() }}``.
"""
from __future__ import annotations

import hmac
import secrets

from flask import abort, current_app, request, session
from markupsafe import Markup, escape

SESSION_KEY = "_host_csrf_token"
FIELD = "csrf_token"


def csrf_token() -> str:
    token = session.get(SESSION_KEY)
    if not token:
        token = session[SESSION_KEY] = secrets.token_urlsafe(32)
    return token


def csrf_field() -> Markup:
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(csrf_token())}">')


def protect() -> None:
    """``before_request`` for a host blueprint: refuse a POST without the session's token."""
    if request.method != "POST" or not current_app.config.get("HOST_CSRF_ENABLED", True):
        return
    expected = session.get(SESSION_KEY)
    sent = request.form.get(FIELD, "")
    if not expected or not hmac.compare_digest(expected, sent):
        abort(400, description="The form expired or was not sent from this site. "
                               "Reload the page and try again.")
