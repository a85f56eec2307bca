"""The ``thread`` task backend: the outbox carried out by a daemon thread of the app process.

:func:`~.queue.dispatch` wakes it (starting it the first time); it also polls every
``OCS_ASSISTANTS_OPERATIONS_POLL_INTERVAL`` seconds, so what a dead process left is finished.
"""
from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from .queue import run_pending, worker_name

if TYPE_CHECKING:
    from ..lifecycle import Dependencies

log = logging.getLogger(__name__)

#: Operations one pass of the thread worker carries out at most before it looks again (a
#: pass ends by waiting for the last of them, so fewer, longer passes keep the pool busier).
WORKER_PASS = 1000

_WORKERS_LOCK = threading.Lock()


def worker_for(deps) -> "ThreadWorker":
    """The app's :class:`ThreadWorker`, started if it is not running."""
    with _WORKERS_LOCK:
        worker = deps.worker
        if worker is None:
            worker = ThreadWorker(deps)
            deps.worker = worker
    worker.start()
    return worker


def stop_worker(deps, timeout: float | None = 10.0) -> None:
    """Stop the app's thread worker, if it runs (after the operations in flight)."""
    worker = deps.worker
    if worker is not None:
        worker.stop(timeout)


class ThreadWorker:
    """Runs the outbox in a daemon thread of the app process (backend ``thread``).

    It wakes when :func:`dispatch` says there is work and otherwise every
    ``OCS_ASSISTANTS_OPERATIONS_POLL_INTERVAL`` seconds, then runs what is due in its own app
    context and database session. Stopping lets the operations in flight finish and starts
    no other (those claimed ahead are given back); an operation cut off by the process dying is
    retaken after its lease."""

    def __init__(self, deps: "Dependencies"):
        self.deps = deps
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        with self._lock:
            if self.running:
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, daemon=True,
                                            name="ocs-remote-operations")
            self._thread.start()

    def wake(self) -> None:
        with self._lock:
            self._idle.clear()
            self._wake.set()

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until a pass finds nothing more that is due (for tests and shutdown)."""
        return self._idle.wait(timeout)

    def _loop(self) -> None:
        deps = self.deps
        interval = deps.settings.outbox.poll_interval
        while not self._stop.is_set():
            self._wake.clear()
            tried = []
            with deps.app_context():
                try:
                    tried = run_pending(deps, limit=WORKER_PASS, stop=self._stop,
                                        worker=worker_name("thread"))
                except Exception:  # a database outage must not kill the worker: log, poll again
                    log.exception("the remote-operations worker failed; it will try again")
                finally:
                    deps.session.remove()
            if tried:
                continue  # more may be due (a pass is at most WORKER_PASS): look again at once
            with self._lock:
                if not self._wake.is_set():  # nobody announced work during this pass
                    self._idle.set()
            self._wake.wait(interval)
