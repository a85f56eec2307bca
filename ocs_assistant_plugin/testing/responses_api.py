"""``POST /v1/responses``: validate the request like OpenAI, answer a short canned Response.

The body is checked against ``CreateResponse`` of the responses spec; the vector stores and files
its ``file_search``/``code_interpreter`` tools name must exist in the stand-in. The answer is a
completed Response with one assistant message naming the tools it was given, e.g.
``"stand-in reply using tools: file_search, code_interpreter"``, so a host can try an
assistant on the ``responses`` backend without a model.
"""
from __future__ import annotations

import copy
import secrets
import time

from .api_errors import invalid, unknown_reference
from .state import StandInState
from .validation import check_body, check_function_tools, check_metadata

# Request fields the Response object echoes back unchanged when given.
_ECHOED = ("instructions", "max_output_tokens", "previous_response_id", "reasoning", "text",
           "truncation", "service_tier", "max_tool_calls", "background")


def tool_names(tools) -> list[str]:
    """``file_search``/``code_interpreter``/... by type; function and custom tools by name."""
    names = []
    for tool in tools or ():
        kind = tool.get("type")
        names.append(tool.get("name") or kind if kind in ("function", "custom") else kind)
    return names


def reply_text(tools) -> str:
    names = tool_names(tools)
    return f"stand-in reply using tools: {', '.join(names)}" if names \
        else "stand-in reply using no tools"


def create_response(state: StandInState, body: dict) -> dict:
    check_body("CreateResponse", body, document="responses")
    check_metadata(body.get("metadata"))
    check_function_tools(body.get("tools"))
    if body.get("stream"):
        raise invalid("The stand-in does not stream responses; leave 'stream' unset.", "stream",
                      "unsupported_value")
    if "model" not in body:
        raise invalid("Missing required parameter: 'model'.", "model",
                      "missing_required_parameter")
    tools = body.get("tools") or []
    for index, tool in enumerate(tools):
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

    now = int(time.time())
    text = reply_text(tools)
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
        "output": [{
            "id": "msg_" + secrets.token_hex(24),
            "type": "message",
            "role": "assistant",
            "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": [],
                         "logprobs": []}],
        }],
        "parallel_tool_calls": body.get("parallel_tool_calls") is not False,
        "metadata": dict(body.get("metadata") or {}),
        "temperature": _or(body.get("temperature"), 1.0),
        "top_p": _or(body.get("top_p"), 1.0),
        "tool_choice": copy.deepcopy(_or(body.get("tool_choice"), "auto")),
        "tools": copy.deepcopy(tools),
        "usage": {"input_tokens": 0, "input_tokens_details": {"cached_tokens": 0,
                                                              "cache_write_tokens": 0},
                  "output_tokens": len(text.split()),
                  "output_tokens_details": {"reasoning_tokens": 0},
                  "total_tokens": len(text.split())},
    }
    for key in _ECHOED:
        if body.get(key) is not None:
            response[key] = copy.deepcopy(body[key])
    return response


def _or(value, default):
    return default if value is None else value
