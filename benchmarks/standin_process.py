"""The OpenAI stand-in in a process of its own, so its CPU time is never counted as ours.

:class:`StandInProcess` starts :class:`~ocs_assistant_plugin.testing.OpenAIStandIn` in a child
process (``spawn``: a fresh interpreter) and drives it over a pipe with the same methods the
benchmarks need from it: ``latency``, ``reset_counts``, ``requests``, ``seed_files``. The plugin
and the replays talk to it over HTTP exactly as they would to OpenAI.
"""
from __future__ import annotations

import multiprocessing
from dataclasses import asdict

from ocs_assistant_plugin.testing import OpenAIStandIn

_ALLOWED = ("reset_counts", "requests", "seed_files", "set_latency", "count")


def _serve(connection) -> None:
    """The child: run the stand-in and answer commands until told to stop."""
    with OpenAIStandIn() as standin:
        connection.send((standin.base_url, standin.api_key))
        while True:
            command, args, kwargs = connection.recv()
            if command == "stop":
                break
            try:
                if command == "set_latency":
                    standin.latency = args[0]
                    result = None
                elif command == "requests":
                    result = [asdict(r) for r in standin.requests]
                else:
                    result = getattr(standin, command)(*args, **kwargs)
                connection.send((True, result))
            except Exception as exc:  # handed to the parent, which raises it
                connection.send((False, repr(exc)))
    connection.close()


class StandInProcess:
    """The stand-in, served by a child process (use as a context manager)."""

    def __init__(self):
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), name="openai-standin",
                                         daemon=True)
        self.base_url = self.api_key = None

    def __enter__(self) -> StandInProcess:
        self._process.start()
        self.base_url, self.api_key = self._connection.recv()
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            self._connection.send(("stop", (), {}))
        finally:
            self._process.join(timeout=30)
            if self._process.is_alive():
                self._process.terminate()

    def _call(self, command: str, *args, **kwargs):
        if command not in _ALLOWED:
            raise ValueError(command)
        self._connection.send((command, args, kwargs))
        ok, result = self._connection.recv()
        if not ok:
            raise RuntimeError(f"the stand-in process failed on {command}: {result}")
        return result

    def set_latency(self, seconds: float) -> None:
        self._call("set_latency", seconds)

    def reset_counts(self) -> None:
        self._call("reset_counts")

    def requests(self) -> list[dict]:
        """The request log (dicts: method, path, query, status, started, finished, bytes_sent)."""
        return self._call("requests")

    def seed_files(self, count: int, **kwargs) -> list[str]:
        return self._call("seed_files", count, **kwargs)
