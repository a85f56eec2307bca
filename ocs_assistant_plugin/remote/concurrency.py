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
    a single item runs in the calling thread."""
    items = list(items)
    if not items:
        return []
    if len(items) == 1 or concurrency <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(items)),
                            thread_name_prefix="ocs-openai") as pool:
        futures = [pool.submit(fn, item) for item in items]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = next((f for f in futures if f in done and f.exception() is not None), None)
        if failed is not None:
            for future in futures:
                future.cancel()
            raise failed.exception()
        return [future.result() for future in futures]


def chunked(values: Sequence[T], size: int) -> list[Sequence[T]]:
    """``values`` in consecutive slices of at most ``size``."""
    return [values[i:i + size] for i in range(0, len(values), size)]
