"""Bounded fan-out of independent OpenAI calls.

The SDK client is safe to share between threads, and OpenAI answers one object per request for
most lookups, so independent requests run side by side in a small thread pool instead of one after
another. The pool is bounded (``concurrency``) to stay friendly to OpenAI's rate limits.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def run_concurrently(fn: Callable[[T], R], items: Iterable[T], concurrency: int) -> list[R]:
    """``[fn(item) for item in items]``, at most ``concurrency`` at a time, results in order.

    On the first failure the calls not yet started are cancelled and that exception is raised;
    a single item runs in the calling thread, and so does the first item when they all fit in
    ``concurrency`` (one thread fewer to start and hand over to, for the common fan-out of a
    few requests)."""
    items = list(items)
    if not items:
        return []
    if len(items) == 1 or concurrency <= 1:
        return [fn(item) for item in items]
    caller_runs_first = len(items) <= concurrency
    pooled = items[1:] if caller_runs_first else items
    with ThreadPoolExecutor(max_workers=min(concurrency, len(pooled)),
                            thread_name_prefix="ocs-openai") as pool:
        futures = [pool.submit(fn, item) for item in pooled]
        try:
            first = [fn(items[0])] if caller_runs_first else []
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = next((f for f in futures if f in done and f.exception() is not None), None)
        if failed is not None:
            for future in futures:
                future.cancel()
            raise failed.exception()
        return first + [future.result() for future in futures]


def chunked(values: Sequence[T], size: int) -> list[Sequence[T]]:
    """``values`` in consecutive slices of at most ``size``."""
    return [values[i:i + size] for i in range(0, len(values), size)]


class Outcome:
    """What one call of :func:`gather` gave: its ``value``, or the ``error`` it raised."""

    __slots__ = ("value", "error")

    def __init__(self, value=None, error: BaseException | None = None):
        self.value = value
        self.error = error

    @property
    def ok(self) -> bool:
        return self.error is None

    def result(self):
        """The value, or raise the error."""
        if self.error is not None:
            raise self.error
        return self.value


def gather(calls: Sequence[Callable[[], R]], concurrency: int) -> list[Outcome]:
    """Run every call, at most ``concurrency`` at a time, and return each one's
    :class:`Outcome` in order. Unlike :func:`run_concurrently` a failure stops nothing: the
    caller decides what each failure means (a page fetched ahead of need may fail harmlessly)."""
    def outcome(call):
        try:
            return Outcome(call())
        except Exception as exc:  # handed back to the caller, who decides
            return Outcome(error=exc)

    return run_concurrently(outcome, calls, concurrency)
