"""What a lost answer or a failed clean-up may have left in OpenAI, noted for the outbox.

Two things can leave an object in OpenAI that no local row holds:

- a create whose answer never arrived (connection reset, timeout): OpenAI may have made the
  object, but its id is unknown;
- a clean-up ``DELETE`` (of a store or file made by a change that then failed) that fails too.

``remote/`` does not know the outbox (a higher layer), so it notes each case as a
:class:`Leftover` on :attr:`RemoteStorage.leftovers <.storage.RemoteStorage.leftovers>`; the
service that drove the change records them in the outbox
(:func:`ocs_assistant_plugin.outbox.queue.record_leftovers`), which deletes or sweeps them.

How a lost create is found again:

- an assistant or vector store carries a random token per attempt in its metadata
  (:data:`CREATE_TAG_KEY`); the sweep deletes what carries it (``sweep_lost_create``);
- a File has no metadata: the sweep (``sweep_lost_upload``) looks for its filename, size and
  purpose among the files created within the attempt's window, newest first, and deletes those no
  local row holds.

A create is never retried by the SDK (after a lost answer its retry would make a second object,
and only one of them would be known); :func:`create_once_per_attempt` retries it instead, as often
as the client's ``max_retries``, each attempt with its own token and its own note.
"""
from __future__ import annotations

import datetime as dt
import numbers
import secrets
import time
from dataclasses import dataclass, field
from typing import Callable, TypeVar

from ..errors import RemoteError
from . import backoff

T = TypeVar("T")

#: The metadata key carrying the token of the create attempt that made an assistant or a store.
CREATE_TAG_KEY = "ocs_create"
#: Seconds a sweep looks back before an attempt began (clock skew with OpenAI).
SWEEP_MARGIN = 300
#: Seconds after an attempt's timeout during which OpenAI may still finish the create: the sweep
#: looks again then, and a file sweep only deletes then (an upload that succeeded meanwhile has
#: been saved by its own request by that time).
SWEEP_SETTLE = 300
#: First pause between create attempts (doubling), and the longest, also for ``Retry-After``.
RETRY_DELAY = 0.25
MAX_RETRY_DELAY = 20.0
#: What :func:`request_timeout` counts for a client without a timeout.
NO_TIMEOUT = 600.0

# Leftover kinds: the outbox operation kinds that finish them.
DELETE_ASSISTANT = "delete_assistant"
DELETE_VECTOR_STORE = "delete_vector_store"
DELETE_FILE = "delete_file"
SWEEP_LOST_CREATE = "sweep_lost_create"
SWEEP_LOST_UPLOAD = "sweep_lost_upload"


@dataclass(frozen=True)
class Leftover:
    """Something that may stay in OpenAI unless the outbox deletes it.

    ``kind``: an outbox operation kind (above); ``target``: the OpenAI id to delete, or the
    token of the lost attempt; ``payload``: what the sweep needs (``since``/``until`` Unix
    times, a lost upload's ``filename`` and ``bytes``...); ``error``: why a clean-up failed."""

    kind: str
    target: str
    payload: dict = field(default_factory=dict)
    error: str | None = None


def client_setting(client, name: str, default):
    return getattr(client, name, default)


def request_timeout(client) -> float:
    """The longest the client waits for one answer, in seconds (an ``httpx``-style timeout
    counts its longest phase; none at all counts as :data:`NO_TIMEOUT`)."""
    timeout = client_setting(client, "timeout", None)
    if isinstance(timeout, numbers.Real) and not isinstance(timeout, bool):
        return float(timeout)
    phases = [getattr(timeout, name, None) for name in ("connect", "read", "write", "pool")]
    phases = [float(p) for p in phases if isinstance(p, numbers.Real)]
    return max(phases) if phases else NO_TIMEOUT


def retryable(exc: Exception) -> bool:
    """What the SDK itself would have retried for a create: no answer, 429, or 5xx."""
    if getattr(exc, "outcome_unknown", False):
        return True
    status = getattr(exc, "remote_status", None)
    return status is not None and (status == 429 or status >= 500)


def retry_delay(attempt: int, exc: BaseException) -> float:
    """Seconds before the next attempt: what OpenAI asked for (``Retry-After`` in seconds), else
    :data:`RETRY_DELAY` doubling; at most :data:`MAX_RETRY_DELAY`."""
    return backoff.retry_delay(attempt, first=dt.timedelta(seconds=RETRY_DELAY),
                               maximum=dt.timedelta(seconds=MAX_RETRY_DELAY),
                               retry_after=getattr(exc, "retry_after", None)).total_seconds()


def create_once_per_attempt(client, leftovers: list, create: Callable[[object, str], T],
                            lost: Callable[[str, float, float, float], Leftover]) -> T:
    """Run ``create(client_without_retries, token)`` until it answers, at most the client's
    ``max_retries`` more times after a retryable failure, each attempt with a new token.

    Every attempt whose outcome is unknown adds ``lost(token, since, created_before, until)`` to
    ``leftovers``, whether or not a later attempt succeeds: ``since`` is the attempt's start
    minus :data:`SWEEP_MARGIN`, ``created_before`` its start plus the client's timeout (OpenAI
    cannot have made it later), ``until`` that plus :data:`SWEEP_SETTLE` (when the last sweep
    runs)."""
    retries = client_setting(client, "max_retries", 0) or 0
    once = client.with_options(max_retries=0) if hasattr(client, "with_options") else client
    attempt = 0
    while True:
        attempt += 1
        token = secrets.token_hex(16)
        started = time.time()
        try:
            return create(once, token)
        except RemoteError as exc:
            if exc.outcome_unknown:
                created_before = started + request_timeout(client)
                leftovers.append(lost(token, started - SWEEP_MARGIN, created_before,
                                      created_before + SWEEP_SETTLE))
            if attempt <= retries and retryable(exc):
                time.sleep(retry_delay(attempt, exc))
                continue
            raise
