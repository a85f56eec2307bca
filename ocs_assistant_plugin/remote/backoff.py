"""How long to wait before trying again: one rule for every retry of the plugin.

Release clones and creates retried in-process (:mod:`.leftovers`) and the outbox of remote
operations all wait what OpenAI asked for (``Retry-After``, carried by the translated error as
``retry_after``), else a first delay doubling with each attempt, never more than a maximum.
"""
from __future__ import annotations

import datetime as dt


def retry_delay(attempts: int, *, first: dt.timedelta, maximum: dt.timedelta,
                retry_after: float | None = None) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failure.

    What OpenAI asked for (``retry_after`` seconds) when it said, else ``first`` doubling with
    each attempt; never more than ``maximum``."""
    if retry_after is not None:
        delay = dt.timedelta(seconds=max(retry_after, 0.0))
    else:
        delay = first * (2 ** min(max(attempts - 1, 0), 40))
    return min(delay, maximum)
