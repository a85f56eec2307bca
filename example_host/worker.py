"""The host's Celery app for ``celery -A example_host.worker:celery_app worker`` (and ``beat``).

Importing this module builds the host (``create_app``), which registers the plugin's outbox tasks
on the Celery app; the environment is the web processes' (``DATABASE_URL``,
``CELERY_BROKER_URL``, ``OCS_ASSISTANTS_TASK_BACKEND=celery``, ...).
"""
from __future__ import annotations

from .app import create_app

app = create_app()
celery_app = app.extensions["celery"]
