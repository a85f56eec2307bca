"""The domain: one module per capability. Services receive their dependencies.

The composition root (``extension.py``) builds one :class:`Dependencies` per app and hands it to
every service; nothing in here looks up the Flask app.
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from ..hookspecs import HookRelay
from ..remote import GatewayFactory
from ..settings import Settings

if TYPE_CHECKING:
    from ..outbox.celery_tasks import CeleryTasks
    from ..outbox.thread_worker import ThreadWorker


@dataclass
class Dependencies:
    """What the services and the outbox of one app work with.

    - ``session``: the host's ``db.session``;
    - ``settings``: the validated :class:`~ocs_assistant_plugin.settings.Settings`;
    - ``gateways``: makes the remote gateway (or storage) of a backend for a team;
    - ``hooks``: the typed hook calls (authorization, the team, notifications, providers);
    - ``app_context``: opens a fresh app context, for work in another thread (the outbox's
      worker, the bulk sync audit);
    - ``worker``: the outbox's thread worker, once started;
    - ``celery_tasks``: the outbox's Celery tasks, once registered (backend ``celery``).
    """

    session: Any
    settings: Settings
    gateways: GatewayFactory
    hooks: HookRelay
    app_context: Callable[[], AbstractContextManager]
    worker: "ThreadWorker | None" = None
    celery_tasks: "CeleryTasks | None" = None
