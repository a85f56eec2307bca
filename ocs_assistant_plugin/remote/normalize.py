"""One canonical form for assistant configurations, so "equal" means "behaves the same".

OpenAI and the local database spell the same configuration in several ways: ``temperature`` is
``None`` or ``1.0`` (the default), ``response_format`` is ``None`` or ``"auto"``, tools come in
any order, a function's JSON-schema parameters in any key order, and an omitted ``parameters`` is
OpenAI's "empty parameter list". :func:`normalize_spec` maps each of these to one value; a gateway's
``fetch`` returns normalised specs, and the sync check compares ``normalize_spec(local)`` with it
through :func:`spec_differences`.
"""
from __future__ import annotations

import dataclasses
import json

from .base import AssistantSpec

DEFAULT_SAMPLING = 1.0  # temperature and top_p: OpenAI's default when unset
DEFAULT_RESPONSE_FORMAT = "auto"
EMPTY_PARAMETERS = {"type": "object", "properties": {}}  # OpenAI: omitted == no parameters

# The configuration fields, named as in AssistantInput, in the order a report lists them.
CONFIG_FIELDS = ("name", "description", "instructions", "model", "temperature", "top_p",
                 "response_format", "builtin_tools", "function_tools")
FILE_FIELDS = ("code_interpreter_file_ids", "vector_store_id", "file_search_file_ids")


def canonical_json(value: object) -> str:
    """JSON with sorted keys: the comparison key for schemas and other free-form objects."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _json_copy(value: object) -> object:
    return json.loads(canonical_json(value))


def normalize_text(value: str | None) -> str | None:
    """``""`` and ``None`` both mean "not set"."""
    return value or None


def normalize_sampling(value: float | None) -> float:
    """temperature / top_p: ``None`` is OpenAI's default, 1.0."""
    return DEFAULT_SAMPLING if value is None else float(value)


def normalize_response_format(value: object) -> object:
    """``None`` -> ``"auto"``; a ``{"type": ...}`` dict loses its ``None`` members."""
    if value is None or value == DEFAULT_RESPONSE_FORMAT:
        return DEFAULT_RESPONSE_FORMAT
    if isinstance(value, dict):
        result = {k: v for k, v in value.items() if v is not None}
        inner = result.get("json_schema")
        if isinstance(inner, dict):
            inner = {k: v for k, v in inner.items() if v is not None}
            if inner.get("strict") is False:
                inner.pop("strict")  # False is the default
            result["json_schema"] = inner
        return _json_copy(result)
    return value


def normalize_function_tool(tool: dict) -> dict:
    """``{name, description, parameters, strict}`` with the defaults filled in.

    Accepts the plugin's flat shape and the Assistants shape ``{"type": "function",
    "function": {...}}``."""
    if "function" in tool and isinstance(tool["function"], dict):
        tool = tool["function"]
    parameters = tool.get("parameters")
    return {
        "name": tool.get("name"),
        "description": normalize_text(tool.get("description")),
        "parameters": _json_copy(parameters) if parameters else dict(EMPTY_PARAMETERS),
        "strict": bool(tool.get("strict")),
    }


def normalize_function_tools(tools) -> tuple[dict, ...]:
    normalised = [normalize_function_tool(t) for t in tools or ()]
    return tuple(sorted(normalised, key=lambda t: (t["name"] or "", canonical_json(t))))


def normalize_builtin_tools(tools) -> tuple[str, ...]:
    """Sorted, without duplicates; order is irrelevant to OpenAI."""
    return tuple(sorted(set(tools or ())))


def normalize_ids(ids) -> tuple[str, ...]:
    return tuple(sorted(set(ids or ())))


def normalize_spec(spec: AssistantSpec) -> AssistantSpec:
    """The canonical form of ``spec``: two specs that behave the same normalise equal."""
    return dataclasses.replace(
        spec,
        name=normalize_text(spec.name),
        description=normalize_text(spec.description),
        instructions=normalize_text(spec.instructions),
        temperature=normalize_sampling(spec.temperature),
        top_p=normalize_sampling(spec.top_p),
        response_format=normalize_response_format(spec.response_format),
        builtin_tools=normalize_builtin_tools(spec.builtin_tools),
        function_tools=normalize_function_tools(spec.function_tools),
        code_interpreter_file_ids=normalize_ids(spec.code_interpreter_file_ids),
        file_search_file_ids=normalize_ids(spec.file_search_file_ids),
        vector_store_id=spec.vector_store_id or None,
    )


def spec_differences(local: AssistantSpec, remote: AssistantSpec, *,
                     fields: tuple[str, ...] = CONFIG_FIELDS) -> list[tuple[str, object, object]]:
    """``[(field, local_value, remote_value)]`` for each field whose normalised values differ.

    ``fields`` defaults to the configuration (what a SyncReport lists as differences); add names
    from :data:`FILE_FIELDS` to compare file ids and the store too."""
    a, b = normalize_spec(local), normalize_spec(remote)
    result = []
    for name in fields:
        left, right = getattr(a, name), getattr(b, name)
        if canonical_json(left) != canonical_json(right):
            result.append((name, left, right))
    return result


def specs_equal(a: AssistantSpec, b: AssistantSpec) -> bool:
    """Same configuration, same file ids and same store, once normalised."""
    return not spec_differences(a, b, fields=CONFIG_FIELDS + FILE_FIELDS)
