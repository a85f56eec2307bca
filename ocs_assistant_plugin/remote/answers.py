"""Asking an assistant a question: one ``client.responses.create`` call, plain or streamed.

A try sends the assistant's configuration (:func:`.responses.build_request`) plus the admin's
input to the Responses API on either backend, and reads back the answer's text, the files it
cites (``file_citation`` annotations) and the tokens used. SDK exceptions become ``errors.Remote*``
(:mod:`.translate`), also while a stream is being read.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..errors import RemoteError, RemoteUnavailable
from .translate import translated_errors

ASKING = "asking the assistant"


@dataclass(frozen=True)
class Citation:
    file_id: str
    filename: str


@dataclass(frozen=True)
class Answer:
    """A finished answer: what TryResult shows."""

    response_id: str
    output_text: str
    citations: tuple[Citation, ...]
    input_tokens: int
    output_tokens: int

    @property
    def usage(self) -> dict[str, int]:
        return {"input_tokens": self.input_tokens, "output_tokens": self.output_tokens}


@dataclass(frozen=True)
class TextDelta:
    """A piece of the answer's text, as it streams in."""

    text: str


def _answer(response) -> Answer:
    citations: dict[str, Citation] = {}  # file id -> citation, first mention first
    texts = []
    for item in response.output or ():
        if getattr(item, "type", None) != "message":
            continue
        for part in item.content or ():
            kind = getattr(part, "type", None)
            if kind == "output_text":
                texts.append(part.text)
                for note in part.annotations or ():
                    if getattr(note, "type", None) == "file_citation":
                        citations.setdefault(note.file_id, Citation(note.file_id, note.filename))
            elif kind == "refusal":  # the model declined: its words are the answer
                texts.append(part.refusal)
    usage = response.usage
    return Answer(response_id=response.id, output_text="".join(texts),
                  citations=tuple(citations.values()),
                  input_tokens=usage.input_tokens if usage else 0,
                  output_tokens=usage.output_tokens if usage else 0)


def ask(client, request: dict) -> Answer:
    """``client.responses.create(**request)`` and its answer."""
    with translated_errors(ASKING):
        response = client.responses.create(**request)
    if response.status == "failed":
        raise _failed(response)
    return _answer(response)


def _failed(response) -> RemoteError:
    error = response.error
    return RemoteError(f"OpenAI could not answer while {ASKING}: "
                       f"{error.message if error else 'the response failed'}")


def ask_streaming(client, request: dict) -> Iterator[TextDelta | Answer]:
    """The answer as it streams: :class:`TextDelta` pieces, then the :class:`Answer`.

    Raises ``Remote*`` errors when the call fails, when OpenAI reports a failure in the stream
    (an ``error`` or ``response.failed`` event) or when the stream ends before the answer."""
    with translated_errors(ASKING):
        stream = client.responses.create(**request, stream=True)
        try:
            for event in stream:
                kind = event.type
                if kind == "response.output_text.delta":
                    yield TextDelta(event.delta)
                elif kind in ("response.completed", "response.incomplete"):
                    yield _answer(event.response)
                    return
                elif kind == "response.failed":
                    raise _failed(event.response)
                elif kind == "error":
                    raise RemoteError(f"OpenAI reported an error while {ASKING}: {event.message}",
                                      param=event.param)
        finally:
            stream.close()
    raise RemoteUnavailable(f"OpenAI's answer stopped before it was complete while {ASKING}. "
                            "Try again.")
