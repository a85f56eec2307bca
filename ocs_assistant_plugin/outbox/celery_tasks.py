"""The outbox on Celery (``OCS_ASSISTANTS_TASK_BACKEND = "celery"``, DESIGN 3).

The host wires Celery the way Flask's documentation does (a ``celery_init_app`` that makes tasks
run inside the app context and stores the Celery app in ``app.extensions["celery"]``). The plugin
then registers two tasks on that Celery app, when ``init_app`` runs or when the host calls
``app.extensions["ocs_assistants"].init_celery(celery_app)`` later:

- :data:`RUN_TASK` carries out what is due in the outbox. It is sent after a commit that recorded
  operations and takes no arguments: the message only says "look at the outbox", so a lost,
  late or repeated message loses or repeats nothing (claims are atomic, see :mod:`.queue`).
  When it stops after a full batch it sends itself again, so a long queue is shared by every
  worker instead of held by one.
- :data:`SWEEP_TASK`, in ``celery_app.conf.beat_schedule`` every
  ``OCS_ASSISTANTS_OPERATIONS_SWEEP_INTERVAL`` seconds: gives operations whose lease ran out
  (their worker died) back to ``pending`` and sends one :data:`RUN_TASK` per batch of what is
  due. This is what finishes the work when a message was lost (the broker restarted, the web
  process died between commit and send).

The web process never carries out an operation itself on this backend: :func:`send_run` only
publishes a message, and a broker that cannot be reached is logged, not raised (the sweep
sends again).
"""
from __future__ import annotations

import logging
import math
import os

from typing import TYPE_CHECKING

from . import queue

if TYPE_CHECKING:
    from ..lifecycle import Dependencies

log = logging.getLogger(__name__)

RUN_TASK = "ocs_assistant_plugin.run_remote_operations"
SWEEP_TASK = "ocs_assistant_plugin.sweep_remote_operations"
#: The name of the sweep's entry in ``beat_schedule``.
BEAT_ENTRY = SWEEP_TASK
#: Operations one run task tries before it hands the rest to a new message.
RUN_BATCH = 100
#: At most this many run messages per sweep (each drains up to :data:`RUN_BATCH` and re-sends).
SWEEP_FAN_OUT = 16


class CeleryTasks:
    """The two tasks as registered on one Celery app for one Flask app."""

    def __init__(self, celery_app, run, sweep):
        self.celery_app = celery_app
        self.run = run
        self.sweep = sweep


def register(celery_app, deps: Dependencies) -> CeleryTasks:
    """Register :data:`RUN_TASK` and :data:`SWEEP_TASK` on ``celery_app`` and put the sweep in
    its beat schedule (every ``OPERATIONS_SWEEP_INTERVAL`` seconds). Each task runs in an app
    context of its own (``deps.app_context``, so in its own database session), whether or not
    the host's task class already pushed one."""

    def worker(task) -> str:
        hostname = getattr(task.request, "hostname", None)  # the worker's node: celery@machine
        return f"{hostname} pid {os.getpid()} (celery)" if hostname else \
            queue.worker_name("celery")

    @celery_app.task(name=RUN_TASK, bind=True, ignore_result=True, shared=False)
    def run_remote_operations(self):
        """Carry out the remote operations that are due (the outbox is the source of truth)."""
        with deps.app_context():
            tried = queue.run_pending(deps, limit=RUN_BATCH, worker=worker(self))
        if len(tried) >= RUN_BATCH:  # there may be more: let any worker take the next batch
            send_run(tasks)
        return len(tried)

    @celery_app.task(name=SWEEP_TASK, ignore_result=True, shared=False)
    def sweep_remote_operations():
        """Retake operations whose worker died and send a run task per batch that is due."""
        with deps.app_context():
            queue.requeue_stale(deps)
            due = queue.count_due(deps)
        for _ in range(min(math.ceil(due / RUN_BATCH), SWEEP_FAN_OUT)):
            send_run(tasks)
        return due

    tasks = CeleryTasks(celery_app, run_remote_operations, sweep_remote_operations)
    schedule = dict(celery_app.conf.beat_schedule or {})
    schedule[BEAT_ENTRY] = {"task": SWEEP_TASK, "schedule": deps.settings.outbox.sweep_interval}
    celery_app.conf.beat_schedule = schedule
    return tasks


def send_run(tasks: CeleryTasks | None) -> bool:
    """Publish one :data:`RUN_TASK` message. Returns False (and logs) when that is impossible:
    no Celery app yet, or the broker cannot be reached. The operations stay in the outbox and
    the next sweep sends for them."""
    if tasks is None:
        log.warning("remote operations recorded, but no Celery app is registered yet: call "
                    "init_celery(celery_app); the sweep will carry them out once it runs")
        return False
    try:
        tasks.run.apply_async(retry=True, retry_policy=PUBLISH_RETRY)
    except Exception as exc:  # the broker is down: the outbox keeps the work, the sweep re-sends
        log.warning("could not send %s to the Celery broker (%s); the sweep will send it again",
                    RUN_TASK, exc)
        return False
    return True


#: Publishing waits at most about a second for the broker: a web request must not hang on it.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.3,
                 "interval_max": 0.5}
