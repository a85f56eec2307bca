"""Notices shown once after a redirect, and rendering a page with them.

Notices are kept in the session under the plugin's own key rather than Flask's ``flash``, so a
host layout that shows flashed messages does not show them twice, and one that does not still
shows them.
"""
from __future__ import annotations

from flask import current_app, render_template, session

NOTICES_KEY = "_ocs_assistants_notices"


def notify(message: str, kind: str = "success") -> None:
    """Show ``message`` on the next page this session renders (after a redirect)."""
    if not current_app.secret_key:
        return  # no session to carry it (a host without SECRET_KEY and with CSRF off)
    session[NOTICES_KEY] = [*session.get(NOTICES_KEY, []), [kind, message]]


def render_page(template: str, status: int = 200, **context):
    """Render a page template with the notices waiting for this session."""
    notices = session.pop(NOTICES_KEY, []) if NOTICES_KEY in session else []
    context.setdefault("alerts", [])
    return render_template(template, ocs_notices=notices, **context), status
