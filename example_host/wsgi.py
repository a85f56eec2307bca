"""The host for a WSGI server: ``gunicorn example_host.wsgi:app``.

Each server process builds its own app; on the ``thread`` backend each then resumes what an
earlier process left in the outbox (on ``celery`` the workers and the beat sweep do that).
"""
from __future__ import annotations

from .app import create_app

app = create_app()
with app.app_context():
    app.extensions["ocs_assistants"].resume_outbox()
