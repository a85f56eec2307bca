"""Reading server-sent events, as a browser's ``EventSource`` does (the WHATWG rules).

:func:`parse_events` turns a ``text/event-stream`` body into ``(event, data)`` pairs: lines are
split on CRLF, LF or CR; ``:`` lines are comments; ``data`` lines of one event are joined with
newlines; an event without ``event:`` is a ``message``; an event ends at a blank line, and one
left unterminated at the end of the body is dropped (as a browser drops it). Tests use it to read
the stand-in's streams and the plugin's own ``try`` stream.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ServerSentEvent:
    event: str
    data: str

    def json(self):
        return json.loads(self.data)


def parse_events(body: str | bytes) -> list[ServerSentEvent]:
    """Every complete event in ``body``, in order."""
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    events: list[ServerSentEvent] = []
    name, data = "", []
    for line in re.split(r"\r\n|\r|\n", body.removeprefix("\ufeff")):
        if not line:
            if data:
                events.append(ServerSentEvent(name or "message", "\n".join(data)))
            name, data = "", []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
    return events
