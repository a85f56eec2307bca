"""Celery for the example host, wired the way Flask's documentation describes it.

``celery_init_app(app)`` makes a Celery app whose tasks run inside the Flask app context and
stores it in ``app.extensions["celery"]``; ``create_app`` calls it before the plugin's
``init_app`` when ``OCS_ASSISTANTS_TASK_BACKEND`` is ``celery``, so the plugin registers its two
tasks (``ocs_assistant_plugin.run_remote_operations`` and ``...sweep_remote_operations``) there.

Workers and beat load the host through :mod:`example_host.worker`::

    celery -A example_host.worker:celery_app worker --loglevel INFO
    celery -A example_host.worker:celery_app beat --loglevel INFO
"""
from __future__ import annotations

from celery import Celery, Task
from flask import Flask


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.import_name, task_cls=FlaskTask)
    celery_app.conf.update(
        broker_url=app.config["CELERY_BROKER_URL"],
        task_ignore_result=True,  # the outbox table holds every outcome
        broker_connection_retry_on_startup=True,
        # A message is acknowledged once its task finished: a worker killed mid-task leaves it
        # to another (the outbox's claims make the repeat harmless).
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
    )
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
