"""``POST /v1/responses``: validate the request like OpenAI, answer a deterministic Response.

The body is checked against ``CreateResponse`` of the responses spec; the vector stores and files
its ``file_search``/``code_interpreter`` tools name must exist in the stand-in, and a
``previous_response_id`` must name a stored response (400 ``previous_response_not_found``
otherwise, as OpenAI answers).

The reply repeats the input, so a test can tell which message was answered::

    You said: "What is the refund policy?"

When a ``file_search`` tool names vector stores, the file of those stores whose content shares the
most distinct words (three or more letters or digits, any case) with the input is quoted and cited
with a ``file_citation`` annotation (``file_id``, ``filename``, ``index`` = where the quote ends)::

    You said: "What is the refund policy?" From policies.txt: "Refunds are paid within 30 days."

A continued conversation says which turn it is (``(turn 2)`` after the quote of the input), and
usage counts whitespace-separated words as tokens: input tokens are the instructions, the input and
the whole earlier conversation; output tokens are the reply's words.

With ``stream: true`` the same Response is sent as the spec's server-sent events, in OpenAI's
order: ``response.created``, ``response.in_progress``, the file-search call's events, the message's
``output_item.added``/``content_part.added``, one ``response.output_text.delta`` per word,
``output_text.annotation.added`` per citation, the ``.done`` events and ``response.completed``.

The ``stream_error`` and ``response_failed`` faults (:mod:`.faults`) turn an answer into the
failures OpenAI reports inside one: :func:`errored_stream_events` ends a stream with an ``error``
event, :func:`failed_response` and :func:`failed_stream_events` give a ``failed`` Response.
"""
from __future__ import annotations

import copy
import json
import re
import secrets
import time

from .api_errors import APIError, invalid, unknown_reference
from .sse import parse_events
from .state import StandInState
from .validation import check_body, check_function_tools, check_metadata

# Request fields the Response object echoes back unchanged when given.
_ECHOED = ("instructions", "max_output_tokens", "previous_response_id", "reasoning", "text",
           "truncation", "service_tier", "max_tool_calls", "background")
_WORD = re.compile(r"[^\W_]{3,}")
_QUOTE_LIMIT = 200  # characters of a cited line quoted in the reply


def words(text: str) -> set[str]:
    """The distinct words (3+ letters or digits, lower-cased) that decide which file is cited."""
    return {word.lower() for word in _WORD.findall(text or "")}


def count_tokens(text: str | None) -> int:
    """The stand-in's token count: whitespace-separated words."""
    return len((text or "").split())


def input_text(value) -> str:
    """The user's text in a ``CreateResponse.input``: a string, or the text of its user messages."""
    if isinstance(value, str):
        return value
    parts: list[str] = []
    for item in value or ():
        if not isinstance(item, dict) or item.get("type", "message") != "message" \
                or item.get("role") != "user":
            continue
        content = item.get("content")
        if isinstance(content, str):
            parts.append(content)
            continue
        parts += [part.get("text", "") for part in content or ()
                  if isinstance(part, dict) and part.get("type") == "input_text"]
    return "\n".join(part for part in parts if part)


def _check_references(state: StandInState, body: dict) -> None:
    for index, tool in enumerate(body.get("tools") or []):
        if tool.get("type") == "file_search":
            for store_id in tool.get("vector_store_ids") or ():
                if store_id not in state.vector_stores:
                    raise unknown_reference("vector store", store_id,
                                            f"tools[{index}].vector_store_ids")
        container = tool.get("container") if tool.get("type") == "code_interpreter" else None
        if isinstance(container, dict):
            for file_id in container.get("file_ids") or ():
                if file_id not in state.files:
                    raise unknown_reference("file", file_id, f"tools[{index}].container.file_ids")
    previous = body.get("previous_response_id")
    if previous is not None and previous not in state.responses:
        raise APIError(400, f"Previous response with id '{previous}' not found.",
                       param="previous_response_id", code="previous_response_not_found")


def _searched_store_ids(tools) -> list[str]:
    return [store_id for tool in tools if tool.get("type") == "file_search"
            for store_id in tool.get("vector_store_ids") or ()]


def best_citation(state: StandInState, store_ids, text: str) -> dict | None:
    """``{file_id, filename, quote}`` of the stored file sharing the most words with ``text``.

    Files are compared in the order they were attached (store by store); the first one wins a tie;
    a file sharing no word is never cited. The quote is the file's line sharing the most words."""
    asked = words(text)
    best, best_shared = None, 0
    for store_id in dict.fromkeys(store_ids):
        store = state.vector_stores[store_id]
        for file_id in sorted(store.files, key=lambda fid: store.positions[fid]):
            stored = state.files.get(file_id)
            if stored is None or store.files[file_id].get("status") != "completed":
                continue
            content = stored.content.decode("utf-8", errors="ignore")
            shared = len(asked & words(content))
            if shared > best_shared:
                best, best_shared = (stored, content), shared
    if best is None:
        return None
    stored, content = best
    lines = [line.strip() for line in content.splitlines() if line.strip()]
    quote = max(lines, key=lambda line: len(asked & words(line)))  # max keeps the first of ties
    if len(quote) > _QUOTE_LIMIT:
        quote = quote[:_QUOTE_LIMIT - 3].rstrip() + "..."
    return {"file_id": stored.obj["id"], "filename": stored.obj["filename"], "quote": quote}


def reply(asked: str, turn: int, citation: dict | None) -> tuple[str, list[dict]]:
    """The reply text and its annotations."""
    text = f'You said: "{asked}"' + (f" (turn {turn})" if turn > 1 else "")
    annotations = []
    if citation is not None:
        text += f' From {citation["filename"]}: "{citation["quote"]}"'
        annotations.append({"type": "file_citation", "file_id": citation["file_id"],
                            "filename": citation["filename"], "index": len(text)})
    return text, annotations


def create_response(state: StandInState, body: dict) -> dict:
    """Validate ``body``, make the Response (stored unless ``store`` is false) and return it."""
    check_body("CreateResponse", body, document="responses")
    check_metadata(body.get("metadata"))
    check_function_tools(body.get("tools"))
    if "model" not in body:
        raise invalid("Missing required parameter: 'model'.", "model",
                      "missing_required_parameter")
    _check_references(state, body)

    tools = body.get("tools") or []
    asked = input_text(body.get("input"))
    previous = state.responses.get(body.get("previous_response_id"))
    turn = previous["turn"] + 1 if previous else 1
    store_ids = _searched_store_ids(tools)
    citation = best_citation(state, store_ids, asked) if store_ids else None
    text, annotations = reply(asked, turn, citation)

    output = []
    if store_ids:
        output.append({"id": "fs_" + secrets.token_hex(24), "type": "file_search_call",
                       "status": "completed", "queries": [asked], "results": None})
    output.append({
        "id": "msg_" + secrets.token_hex(24), "type": "message", "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": annotations,
                     "logprobs": []}],
    })
    input_tokens = count_tokens(body.get("instructions") if isinstance(
        body.get("instructions"), str) else None) + count_tokens(asked)
    if previous:
        input_tokens += previous["conversation_tokens"]
    output_tokens = count_tokens(text)

    now = int(time.time())
    response = {
        "id": "resp_" + secrets.token_hex(24),
        "object": "response",
        "created_at": now,
        "completed_at": now,
        "status": "completed",
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "model": body["model"],
        "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls") is not False,
        "previous_response_id": None,
        "store": body.get("store") is not False,
        "metadata": dict(body.get("metadata") or {}),
        "temperature": _or(body.get("temperature"), 1.0),
        "top_p": _or(body.get("top_p"), 1.0),
        "tool_choice": copy.deepcopy(_or(body.get("tool_choice"), "auto")),
        "tools": copy.deepcopy(tools),
        "usage": {"input_tokens": input_tokens,
                  "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                  "output_tokens": output_tokens,
                  "output_tokens_details": {"reasoning_tokens": 0},
                  "total_tokens": input_tokens + output_tokens},
    }
    for key in _ECHOED:
        if body.get(key) is not None:
            response[key] = copy.deepcopy(body[key])
    if response["store"]:
        state.responses[response["id"]] = {"turn": turn,
                                           "conversation_tokens": input_tokens + output_tokens}
    return response


def stream_events(response: dict) -> list[dict]:
    """The spec's stream events that deliver ``response``, numbered from 0."""
    events: list[dict] = []

    def emit(kind: str, **fields):
        events.append({"type": kind, **fields, "sequence_number": len(events)})

    # The spec's examples show "usage": null here, but its schema has no null: leave it out.
    pending = {**copy.deepcopy(response), "status": "in_progress", "completed_at": None,
               "output": []}
    del pending["usage"]
    emit("response.created", response=pending)
    emit("response.in_progress", response=pending)
    for index, item in enumerate(response["output"]):
        if item["type"] == "file_search_call":
            _file_search_events(emit, index, item)
        else:
            _message_events(emit, index, item)
    emit("response.completed", response=copy.deepcopy(response))
    return events


def _file_search_events(emit, index: int, item: dict) -> None:
    emit("response.output_item.added", output_index=index,
         item={**item, "status": "in_progress"})
    for stage in ("in_progress", "searching", "completed"):
        emit(f"response.file_search_call.{stage}", output_index=index, item_id=item["id"])
    emit("response.output_item.done", output_index=index, item=copy.deepcopy(item))


def _message_events(emit, index: int, item: dict) -> None:
    where = {"item_id": item["id"], "output_index": index, "content_index": 0}
    part = item["content"][0]
    emit("response.output_item.added", output_index=index,
         item={**item, "status": "in_progress", "content": []})
    emit("response.content_part.added", **where,
         part={"type": "output_text", "text": "", "annotations": [], "logprobs": []})
    for delta in re.findall(r"\S+\s*|\s+", part["text"]):
        emit("response.output_text.delta", **where, delta=delta, logprobs=[])
    for number, annotation in enumerate(part["annotations"]):
        emit("response.output_text.annotation.added", **where, annotation_index=number,
             annotation=copy.deepcopy(annotation))
    emit("response.output_text.done", **where, text=part["text"], logprobs=[])
    emit("response.content_part.done", **where, part=copy.deepcopy(part))
    emit("response.output_item.done", output_index=index, item=copy.deepcopy(item))


# -- failures OpenAI reports in its answer (the ``stream_error`` and ``response_failed`` faults) --

FAILED_MESSAGE = "The model failed to generate a response."
STREAM_ERROR_MESSAGE = "An error occurred while the response was being generated."


def answered_response(body: bytes, streamed: bool) -> dict:
    """The Response in an answer: the JSON body, or the last event's (``response.completed``)."""
    if streamed:
        return parse_events(body)[-1].json()["response"]
    return json.loads(body)


def failed_response(response: dict, message: str | None = None) -> dict:
    """``response`` as OpenAI returns one the model failed to generate: ``status: "failed"``,
    its ``error``, no output and no usage."""
    failed = {**copy.deepcopy(response), "status": "failed", "completed_at": None, "output": [],
              "error": {"code": "server_error", "message": message or FAILED_MESSAGE}}
    failed.pop("usage", None)
    return failed


def failed_stream_events(response: dict, message: str | None = None) -> list[dict]:
    """``response.created``, ``response.in_progress``, then ``response.failed``."""
    events = stream_events(response)[:2]
    events.append({"type": "response.failed", "response": failed_response(response, message),
                   "sequence_number": len(events)})
    return events


def errored_stream_events(response: dict, message: str | None = None) -> list[dict]:
    """The first events of ``response``'s stream, up to half its text deltas, then an ``error``
    event: the stream ends there, without ``response.completed``."""
    events = stream_events(response)
    deltas = [index for index, event in enumerate(events)
              if event["type"] == "response.output_text.delta"]
    sent = events[:deltas[(len(deltas) - 1) // 2] + 1] if deltas else events[:2]
    sent.append({"type": "error", "code": "server_error",
                 "message": message or STREAM_ERROR_MESSAGE, "param": None,
                 "sequence_number": len(sent)})
    return sent


def encode_events(events: list[dict]) -> bytes:
    """Server-sent events as OpenAI writes them: ``event: <type>`` and ``data: <json>``."""
    return b"".join(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()
                    for event in events)


def _or(value, default):
    return default if value is None else value
