"""``OpenAIStandIn``: a faithful local OpenAI for tests, over real HTTP.

It serves the assistants, files, vector stores and file-batches endpoints of the vendored spec
subset and ``POST /v1/responses`` on ``127.0.0.1`` at a free port, validating every request body
like OpenAI does (400 with ``param`` naming the field), so the real ``openai`` SDK can be pointed
at it::

    with OpenAIStandIn() as standin:
        client = openai.OpenAI(api_key=standin.api_key, base_url=standin.base_url)
        client.beta.assistants.create(model="gpt-4o")
        assert standin.count("POST", "/v1/assistants") == 1

Tests can slow it down (``latency``), count what it was asked (``count``, ``requests``: with the
order of arrivals and answers and the bytes sent back), fill it with many files at once
(``seed_files``) and arm failures (``inject_fault``): an error status (with ``Retry-After``), a
connection reset, a request held unanswered past the client's timeout, an answer cut off midway,
or a failure OpenAI reports inside its answer of ``POST /v1/responses`` (an ``error`` event in the
stream, a ``failed`` Response).

Every request is handled in its own thread; one lock guards the data, the log and the faults.
"""
from __future__ import annotations

import itertools
import json
import secrets
import socket
import struct
import sys
import threading
import traceback
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from .api_errors import APIError, incorrect_api_key, injected, missing_api_key
from .faults import RESPONSE_KINDS, Fault, pick
from .responses_api import (answered_response, encode_events, errored_stream_events,
                            failed_response, failed_stream_events)
from .routes import RawBody, Request, dispatch
from .state import StandInState

DEFAULT_API_KEY = "sk-standin"


@dataclass
class RecordedRequest:
    """One request the stand-in received: ``status`` is None until answered, 0 if dropped.

    ``started`` and ``finished`` are positions on one counter shared by every request (each
    arrival and each answer takes the next number), so the log tells, without any clock, which
    requests were sent before another one was answered: ``a.finished < b.started`` means ``b``
    waited for ``a`` (or at least came after it). ``finished`` is None until the request is
    answered or dropped. ``bytes_sent`` is the size of the response body sent back.
    """

    method: str
    path: str
    query: dict
    status: int | None = None
    fault: str | None = None  # the kind of the fault that failed it, if any
    started: int = 0
    finished: int | None = None
    bytes_sent: int = 0


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = True  # server_close() joins the handler threads
    request_queue_size = 128  # bursts of parallel clients must not wait on SYN retries

    def __init__(self, address, handler, standin: OpenAIStandIn):
        self.standin = standin
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # the client went away: nothing to report
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the SDK's connection pool expects
    server_version = "OpenAIStandIn/1.0"
    server: _HTTPServer

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle + delayed ACK add
        # ~40 ms to every keep-alive response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self):
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        if self.server.standin.verbose:
            super().log_message(format, *args)

    def do_GET(self):
        self._handle()

    do_POST = do_DELETE = do_PUT = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    # -- one request ---------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self):
        standin = self.server.standin
        try:
            body = self._read_body()
        except ValueError:  # a malformed Content-Length or chunk size: the stream is lost
            self.close_connection = True
            error = APIError(400, "Malformed request body framing.")
            self._send(400, _dump(error.body()), "application/json", {})
            return
        parts = urlsplit(self.path)
        request = Request(method=self.command, path=unquote(parts.path),
                          query=parse_qs(parts.query, keep_blank_values=True),
                          headers={k.lower(): v for k, v in self.headers.items()}, body=body)
        record, fault, release = standin._admit(request)
        if standin.latency > 0:
            standin._stopping.wait(standin.latency)
        if fault is not None and fault.kind in ("reset", "timeout"):
            if fault.after_processing:
                self._process(standin, request)  # done, but the answer is lost
            if fault.kind == "timeout":
                release.wait(fault.hold)  # answer nothing; stop()/reset() end the wait early
            standin._finish(record, 0, 0)
            self._abort_connection()
            return
        if fault is not None and fault.kind == "cut":
            status, payload, content_type, headers = self._process(standin, request)
            record.status = 0
            self.close_connection = True
            self._send(status, payload[:len(payload) // 2], content_type, headers,
                       length=len(payload))
            return
        if fault is not None and fault.kind in RESPONSE_KINDS:
            status, payload, content_type, headers = self._process(standin, request)
            if status == 200:
                status, payload, content_type, headers = standin._reported_failure(
                    fault, payload, content_type)
        elif fault is not None:
            error = injected(fault.status, fault.message, fault.retry_after)
            status, payload, headers = error.status, _dump(error.body()), error.headers
            content_type = "application/json"
        else:
            status, payload, content_type, headers = self._process(standin, request)
        standin._finish(record, status, len(payload) if self.command != "HEAD" else 0)
        self._send(status, payload, content_type, headers)

    @staticmethod
    def _process(standin, request: Request) -> tuple[int, bytes, str, dict]:
        """Authenticate and carry out the request: ``(status, body, content type, headers)``."""
        content_type, headers = "application/json", {}
        try:
            standin._authenticate(request.headers.get("authorization"))
            status, payload = 200, standin._dispatch(request)
            if isinstance(payload, RawBody):
                payload, content_type = payload.content, payload.content_type
        except APIError as error:
            status, payload, headers = error.status, _dump(error.body()), error.headers
        except Exception:  # a stand-in bug: answer 500 like OpenAI, and show it
            traceback.print_exc()
            error = APIError(500, "The stand-in failed while processing your request.",
                             type="server_error")
            status, payload = 500, _dump(error.body())
        return status, payload, content_type, headers

    def _send(self, status: int, payload: bytes, content_type: str, headers: dict, *,
              length: int | None = None):
        """Answer; ``length`` announces a longer body than ``payload`` (a ``cut`` answer)."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload) if length is None else length))
        self.send_header("x-request-id", "req_" + secrets.token_hex(16))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _abort_connection(self):
        """Drop the connection with a TCP reset (SO_LINGER 0 + close): no response at all."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass  # already gone
        self.rfile.close()  # release the file object's hold so close() is real
        self.connection.close()


def _dump(obj) -> bytes:
    return json.dumps(obj).encode()


class OpenAIStandIn:
    """A local OpenAI for tests: see the module docstring.

    :param host: interface to bind, ``127.0.0.1`` by default.
    :param port: TCP port; 0 (default) picks a free one.
    :param api_key: the only bearer key accepted (``sk-standin`` by default).
    :param latency: seconds added to every request (settable later).
    :param verbose: log each request to stderr.
    :param assistants_api: False answers every Assistants API path as OpenAI does since it
        switched that API off (404 ``invalid_request_error``, "Invalid URL (POST
        /v1/assistants)"); files, vector stores and responses work as before.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *,
                 api_key: str = DEFAULT_API_KEY, latency: float = 0.0, verbose: bool = False,
                 assistants_api: bool = True):
        self.host = host
        #: Settable while running: a test can switch the Assistants API off mid-way, as OpenAI did.
        self.assistants_api = assistants_api
        self._assistants_api_at_start = assistants_api
        self.port = port
        self.api_key = api_key
        self.latency = latency
        self.verbose = verbose
        self.lock = threading.RLock()
        self.state = StandInState()  # read it under ``lock``; drive it through HTTP
        self._faults: list[Fault] = []
        self._log: list[RecordedRequest] = []
        self._events = itertools.count(1)  # orders arrivals and answers (RecordedRequest)
        self._release = threading.Event()
        self._stopping = threading.Event()
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        """``http://host:port`` (without the API root)."""
        if self._server is None:
            raise RuntimeError("the stand-in is not running; call start() or use `with`")
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What to give the SDK as ``base_url``: ``http://127.0.0.1:<port>/v1``."""
        return self.url + "/v1"

    def start(self) -> OpenAIStandIn:
        if self._server is not None:
            raise RuntimeError("the stand-in is already running")
        self._stopping.clear()
        self._server = _HTTPServer((self.host, self.port), _Handler, self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name=f"OpenAIStandIn:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: held requests are released, open connections closed, threads joined."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        self._release_holds()
        server.shutdown()
        with server.connections_lock:
            connections = list(server.connections)
        for connection in connections:  # wake handlers waiting on idle keep-alive connections
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()
        thread.join()
        self._server = self._thread = None

    def __enter__(self) -> OpenAIStandIn:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- what tests control ----------------------------------------------------------------

    def reset(self) -> None:
        """Forget all data, faults, recorded requests, and set latency back to 0 (and
        ``assistants_api`` back to what the stand-in was made with)."""
        with self.lock:
            self.assistants_api = self._assistants_api_at_start
            self.state.clear()
            self._faults.clear()
            self._log.clear()
            self._events = itertools.count(1)
            self.latency = 0.0
            self._release_holds()

    def count(self, method: str | None = None, path_prefix: str | None = None) -> int:
        """How many requests were received (since the last reset), optionally only those with
        this method and a path starting with ``path_prefix`` (e.g. ``/v1/assistants``)."""
        method = method.upper() if method else None
        with self.lock:
            return sum(1 for r in self._log
                       if (method is None or r.method == method)
                       and (path_prefix is None or r.path.startswith(path_prefix)))

    def reset_counts(self) -> None:
        """Forget the recorded requests (the data stays); the log's order counter restarts."""
        with self.lock:
            self._log.clear()
            self._events = itertools.count(1)

    def seed_files(self, count: int, *, purpose: str = "assistants",
                   filename: str = "seeded-{index:06d}.txt", content: bytes = b"seeded") -> list[str]:
        """Add ``count`` files at once, without a request each (nothing is logged): for tests
        and benchmarks that need a project with many files. ``filename`` is formatted with the
        file's ``index`` (0-based). Returns their ids, oldest first; they are ordinary files
        from then on (listed, retrieved, attached, deleted like uploaded ones)."""
        if count < 0:
            raise ValueError("count must be 0 or more")
        with self.lock:
            return self.state.seed_files(count, purpose=purpose, filename=filename,
                                         content=content)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of the request log, oldest first."""
        with self.lock:
            return [replace(r) for r in self._log]

    def inject_fault(self, status: int = 500, times: int | None = 1,
                     path_prefix: str | None = None, method: str | None = None,
                     retry_after: float | None = None, after: int = 0, *,
                     kind: str = "status", hold: float = 10.0,
                     message: str | None = None, after_processing: bool = False) -> Fault:
        """Arm a failure for matching requests; returns the :class:`~.faults.Fault`.

        The first ``after`` matching requests pass, the next ``times`` fail (``None``: all).
        ``kind="status"`` answers ``status`` with OpenAI's error body (and ``Retry-After`` if
        ``retry_after`` is given); ``kind="reset"`` drops the connection without a response;
        ``kind="timeout"`` holds the request unanswered for ``hold`` seconds (longer than the
        client's timeout), then drops it; ``kind="cut"`` carries the request out, sends the
        status, headers and half the body, then closes the connection. With
        ``after_processing=True`` a ``reset`` or
        ``timeout`` fault first carries the request out (the change is made) and only then
        drops the connection: a reply lost on its way back. Several faults can be armed at once.

        Two kinds fail only ``POST /v1/responses``, as OpenAI reports a failure inside its
        answer (:mod:`.faults` has the details): ``kind="stream_error"`` ends a streamed answer,
        after half its text, with an ``error`` event (a plain request gets ``status``);
        ``kind="response_failed"`` answers a Response with ``status: "failed"`` and its
        ``error``, streamed as ``response.created``, ``response.in_progress``,
        ``response.failed``. ``message`` sets either's error message.
        """
        fault = Fault(kind=kind, status=status, times=times, after=after,
                      path_prefix=path_prefix, method=method, retry_after=retry_after,
                      message=message, hold=hold, after_processing=after_processing)
        with self.lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Disarm every fault and release requests held by ``timeout`` faults."""
        with self.lock:
            self._faults.clear()
            self._release_holds()

    @property
    def faults(self) -> list[Fault]:
        with self.lock:
            return list(self._faults)

    # -- used by the request handler -------------------------------------------------------

    def _release_holds(self) -> None:
        with self.lock:
            self._release.set()
            self._release = threading.Event()

    def _admit(self, request: Request):
        with self.lock:
            record = RecordedRequest(request.method, request.path, request.query,
                                     started=next(self._events))
            self._log.append(record)
            fault = pick(self._faults, request.method, request.path)
            if fault is not None:
                record.fault = fault.kind
            release = self._release if not self._stopping.is_set() else _SET_EVENT
            return record, fault, release

    def _finish(self, record: RecordedRequest, status: int, bytes_sent: int) -> None:
        with self.lock:
            record.status = status
            record.bytes_sent = bytes_sent
            record.finished = next(self._events)

    def _reported_failure(self, fault: Fault, payload: bytes,
                          content_type: str) -> tuple[int, bytes, str, dict]:
        """What a ``stream_error`` or ``response_failed`` fault makes of a carried-out
        ``POST /v1/responses`` (see :mod:`.faults`); the response made is forgotten."""
        streamed = content_type.startswith("text/event-stream")
        response = answered_response(payload, streamed)
        with self.lock:
            self.state.responses.pop(response["id"], None)
        if fault.kind == "stream_error" and not streamed:
            error = injected(fault.status, fault.message, fault.retry_after)
            return error.status, _dump(error.body()), "application/json", error.headers
        if fault.kind == "stream_error":
            return 200, encode_events(errored_stream_events(response, fault.message)), \
                content_type, {}
        if streamed:
            return 200, encode_events(failed_stream_events(response, fault.message)), \
                content_type, {}
        return 200, _dump(failed_response(response, fault.message)), content_type, {}

    def _authenticate(self, authorization: str | None) -> None:
        scheme, _, key = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise missing_api_key()
        if not secrets.compare_digest(key.strip(), self.api_key):
            raise incorrect_api_key(key.strip())

    def _dispatch(self, request: Request):
        with self.lock:
            result = dispatch(self.state, request, assistants_api=self.assistants_api)
            return result if isinstance(result, RawBody) else _dump(result)


_SET_EVENT = threading.Event()
_SET_EVENT.set()
