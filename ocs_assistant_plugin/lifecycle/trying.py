"""Try an assistant: send a message with its configuration and read the answer (DESIGN 5.2).

A try works the same for working assistants and versions, on either backend: the configuration is
local on both, so :func:`~ocs_assistant_plugin.remote.build_request` plus the input goes to
``client.responses.create``. ``previous_response_id`` continues a conversation (OpenAI keeps it).
Nothing is saved here and nothing changes in OpenAI but the stored response.

Everything that can be refused without OpenAI is checked in :meth:`TryService.prepare` (input,
access, an archived assistant, a store never pushed, no OpenAI key), so a streamed answer starts
only once the try can be sent. What OpenAI refuses about the admin's own input (an unknown
``previous_response_id``, an input it will not take) becomes ``InvalidInput`` naming that field.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Mapping

from ..errors import Conflict, InvalidInput, RemoteError
from ..remote import build_request
from ..remote.answers import Answer, Citation, TextDelta, ask, ask_streaming
from ..schemas import TryInputSchema
from .assistants import AssistantService, spec_for, validate

__all__ = ["Answer", "Citation", "PreparedTry", "TextDelta", "TryService"]

#: OpenAI parameters that carry the admin's input: a 400 about them is the admin's to fix.
_INPUT_PARAMS = {"input": "input", "previous_response_id": "previous_response_id"}


@dataclass(frozen=True)
class PreparedTry:
    """A try that passed every local check: the SDK client and the request to send."""

    client: object
    request: dict
    filenames: dict[str, str]  # OpenAI file id -> the filename known here


class TryService:
    """Tries of one team's assistants; built on that team's :class:`AssistantService`."""

    def __init__(self, assistants: AssistantService):
        self.assistants = assistants

    def prepare(self, assistant_id: int, data: Mapping) -> PreparedTry:
        """Validate TryInput and everything else a try needs; raises the plugin's errors."""
        values = validate(TryInputSchema(), data)
        assistant = self.assistants.get(assistant_id)  # reading needs `view`
        self.assistants.require("try", assistant)
        if assistant.archived:
            raise Conflict(f"Assistant {assistant.id} is archived: its files are gone from "
                           "OpenAI, so it cannot be tried.")
        request = {**build_request(spec_for(assistant)), "input": values["input"]}
        if values.get("previous_response_id"):
            request["previous_response_id"] = values["previous_response_id"]
        client = self.assistants.deps.hooks.openai_client(self.assistants.team_id)
        return PreparedTry(client=client, request=request,
                           filenames={f.openai_id: f.filename for f in assistant.files})

    def answer(self, prepared: PreparedTry) -> Answer:
        """Send the try and wait for the whole answer."""
        try:
            return _named_locally(ask(prepared.client, prepared.request), prepared.filenames)
        except RemoteError as exc:
            raise _as_input_error(exc) from exc

    def stream(self, prepared: PreparedTry) -> Iterator[TextDelta | Answer]:
        """Send the try and yield the answer's text as it comes, then the whole answer."""
        # A streamed body runs after the view's app context was torn down, which closes a client
        # the plugin built itself (the default ``ocs_openai_client``): ask for the client again
        # in the context the stream runs in.
        client = self.assistants.deps.hooks.openai_client(self.assistants.team_id)
        try:
            for piece in ask_streaming(client, prepared.request):
                yield _named_locally(piece, prepared.filenames) if isinstance(piece, Answer) \
                    else piece
        except RemoteError as exc:
            raise _as_input_error(exc) from exc


def _named_locally(answer: Answer, filenames: dict[str, str]) -> Answer:
    """Cited files under the names the admin gave them here (OpenAI's name otherwise)."""
    citations = tuple(Citation(c.file_id, filenames.get(c.file_id) or c.filename)
                      for c in answer.citations)
    return Answer(answer.response_id, answer.output_text, citations, answer.input_tokens,
                  answer.output_tokens)


def _as_input_error(error: RemoteError) -> Exception:
    """OpenAI refusing the admin's own input (400 about ``input`` or ``previous_response_id``)
    is bad input, named by field; anything else stays the remote error it is."""
    field = _INPUT_PARAMS.get(error.param or "")
    if field is None or error.remote_status not in (400, None):
        return error
    if field == "previous_response_id":
        message = ("The conversation to continue is unknown to OpenAI (it may have expired): "
                   "start a new conversation.")
    else:
        message = "OpenAI refused the input: " + error.message
    return InvalidInput(message, {field: [message]})
