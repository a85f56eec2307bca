"""Armed failures: which request fails, and how.

A :class:`Fault` watches the requests that match its ``method`` and ``path_prefix``: the first
``after`` pass, the next ``times`` fail (``times=None``: every later one), then it is spent.
Each fault counts every matching request, whether or not another fault failed it; when several
would fail the same request, the one armed first does, and the others keep their turn for the
next matching request.

A ``reset`` or ``timeout`` fault with ``after_processing`` lets the request do its work first (an
assistant is created, a store deleted...) and only then drops the connection: the client never
learns the outcome of something that did happen, as when a reply is lost on the way back.

A ``cut`` fault carries the request out and starts the answer (status, headers, the first half of
the body) and then closes the connection: an answer broken off midway, such as a streamed
response whose connection drops after some events.

Two faults make OpenAI itself report a failure of ``POST /v1/responses`` (they see no other
request, whatever their ``path_prefix``). The request is carried out (a request the stand-in
refuses gets that refusal), the response it made is forgotten (it cannot be continued), and:

* ``stream_error``: a streamed answer sends its first events, up to half its text, then the spec's
  ``error`` event (``code`` ``server_error``, ``param`` null) and ends without
  ``response.completed``; a plain answer is the ``status`` error (500 by default), which is how
  OpenAI reports the same failure when it does not stream.
* ``response_failed``: the Response comes back with ``status: "failed"``, its ``error``
  (``code`` ``server_error``) and no output: plain with status 200, streamed as
  ``response.created``, ``response.in_progress`` and ``response.failed``.

``message`` replaces the default error message of either.
"""
from __future__ import annotations

from dataclasses import dataclass

KINDS = ("status", "reset", "timeout", "cut", "stream_error", "response_failed")
#: The kinds OpenAI reports inside an answer of ``POST /v1/responses``: they fail only that.
RESPONSE_KINDS = ("stream_error", "response_failed")
RESPONSES_REQUEST = ("POST", "/v1/responses")


@dataclass
class Fault:
    kind: str = "status"  # "status": answer with an error; "reset": drop the connection;
    #                       "timeout": hold the request unanswered, then drop it;
    #                       "cut": carry it out, send half the answer, then close;
    #                       "stream_error", "response_failed": see the module docstring
    status: int = 500
    times: int | None = 1
    after: int = 0
    path_prefix: str | None = None
    method: str | None = None
    retry_after: float | None = None
    message: str | None = None
    hold: float = 10.0  # seconds a "timeout" holds the request (released early by stop/reset)
    after_processing: bool = False  # reset/timeout only: carry the request out, then drop it
    seen: int = 0  # matching requests so far
    fired: int = 0  # requests this fault failed

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of "
                             f"{', '.join(KINDS)}")
        if self.kind in ("status", "stream_error") and not 400 <= self.status <= 599:
            raise ValueError(f"a status fault needs a 4xx or 5xx status, not {self.status}")
        if self.after_processing and self.kind == "status":
            raise ValueError("after_processing applies to 'reset' and 'timeout' faults only")
        if self.times is not None and self.times < 0 or self.after < 0:
            raise ValueError("times and after must not be negative")
        if self.method:
            self.method = self.method.upper()

    def matches(self, method: str, path: str) -> bool:
        if self.kind in RESPONSE_KINDS and (method, path) != RESPONSES_REQUEST:
            return False
        return ((self.method is None or self.method == method)
                and (self.path_prefix is None or path.startswith(self.path_prefix)))

    @property
    def spent(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def observe(self, method: str, path: str) -> bool:
        """Count a request; True if this fault wants to fail it."""
        if not self.matches(method, path):
            return False
        self.seen += 1
        return self.seen > self.after and not self.spent


def pick(faults: list[Fault], method: str, path: str) -> Fault | None:
    """Let every fault observe the request; the first armed one that wants it fails it."""
    chosen = None
    for fault in faults:
        if fault.observe(method, path) and chosen is None:
            chosen = fault
    if chosen is not None:
        chosen.fired += 1
    return chosen
