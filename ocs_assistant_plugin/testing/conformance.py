"""Check every HTTP response the SDK receives against the vendored spec.

:class:`SpecConformance` is an ``httpx2`` response event hook. It finds the spec operation that
served the request (method + path template, below ``/v1``), then validates a JSON body against
the operation's 200 schema (``AssistantObject``, ``ListFilesResponse``, ``Response``...) or, for
an error status, against ``ErrorResponse``. A ``text/event-stream`` body (``responses.create``
with ``stream=True``) has each event validated against the stream event schema its ``type``
names (``ResponseTextDeltaEvent`` for ``response.output_text.delta``...). Violations are collected, not raised, because the SDK
would turn an exception inside a hook into a connection error; call :meth:`assert_clean` at the
end of a test (the ``openai_client`` fixture does)::

    conformance = SpecConformance()
    client = openai.OpenAI(..., http_client=conformance.http_client())
"""
from __future__ import annotations

from .openapi import (SpecViolation, operation_for, stream_event_schema_name,
                      success_schema_name, validate_response)
from .sse import parse_events


class SpecConformance:
    """Validates responses against the spec; see the module docstring."""

    def __init__(self, api_root: str = "/v1"):
        self.api_root = api_root.rstrip("/")
        self.checked = 0  # JSON bodies validated
        self.violations: list[tuple[str, SpecViolation]] = []  # ("GET /v1/files", violation)

    def __call__(self, response) -> None:
        request = response.request
        path = request.url.path
        if self.api_root and path.startswith(self.api_root):
            path = path[len(self.api_root):]
        response.read()
        content_type = response.headers.get("content-type", "")
        found = operation_for(request.method, path)
        if "text/event-stream" in content_type and response.status_code == 200:
            self._check_events(f"{request.method} {request.url.path}", response.text)
            return
        if "json" not in content_type:
            return
        document = found[0] if found else "assistants"
        if response.status_code == 200:
            schema_name = success_schema_name(found[2]) if found else None
        elif response.status_code >= 400:
            schema_name = "ErrorResponse"
        else:
            schema_name = None
        if schema_name is None:
            return
        self.checked += 1
        try:
            validate_response(document, schema_name, response.json())
        except SpecViolation as violation:
            self.violations.append((f"{request.method} {request.url.path}", violation))

    def _check_events(self, where: str, body: str) -> None:
        for event in parse_events(body):
            data = event.json()
            kind = data.get("type") if isinstance(data, dict) else None
            self.checked += 1
            try:
                if kind != event.event:
                    raise AssertionError(f"the event named {event.event!r} carries a "
                                         f"{kind!r} payload")
                validate_response("responses", stream_event_schema_name(kind), data)
            except (SpecViolation, KeyError, AssertionError) as violation:
                self.violations.append((where, violation))

    def http_client(self, **options):
        """An SDK-default ``httpx2`` client with this hook installed (pass as ``http_client``)."""
        import openai

        hooks = dict(options.pop("event_hooks", {}) or {})
        hooks["response"] = [*hooks.get("response", []), self]
        return openai.DefaultHttpxClient(event_hooks=hooks, **options)

    def assert_clean(self) -> None:
        """Raise :class:`SpecViolation`-based ``AssertionError`` listing every violation."""
        if self.violations:
            lines = "\n".join(f"  {where}: {violation}" for where, violation in self.violations)
            raise AssertionError(f"{len(self.violations)} response(s) do not match the OpenAI "
                                 f"spec:\n{lines}")
