"""Request validation against the vendored spec, with OpenAI's error messages.

:func:`check_body` validates a request body against a component schema and turns the most
specific JSON Schema error into the 400 OpenAI would answer, e.g.::

    {"message": "Invalid 'name': string too long. Expected a string with maximum length 256,
                 but got a string with length 257 instead.",
     "type": "invalid_request_error", "param": "name", "code": "string_above_max_length"}

``param`` is the dotted path of the offending value (``tool_resources.code_interpreter.file_ids``,
``tools[3].function.name``). The ``check_*`` helpers below add the limits the spec states only in
prose (metadata sizes, function names, static chunk overlap).
"""
from __future__ import annotations

import json
import re
from collections import defaultdict

from jsonschema.exceptions import relevance

from .api_errors import APIError, invalid
from .openapi import spec_validator

_TYPE_WORDS = {"string": "a string", "integer": "an integer", "number": "a decimal",
               "object": "an object", "array": "an array", "boolean": "a boolean",
               "null": "null"}


def param_path(parts) -> str | None:
    """``["tools", 3, "function"]`` -> ``"tools[3].function"``; empty -> None."""
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or None


def _join(path, key: str) -> str:
    prefix = param_path(path)
    return f"{prefix}.{key}" if prefix else key


def _type_of(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _quote(values, conjunction: str = "and") -> str:
    quoted = [f"'{v}'" if isinstance(v, str) else json.dumps(v) for v in values]
    if len(quoted) == 1:
        return quoted[0]
    return f"{', '.join(quoted[:-1])} {conjunction} {quoted[-1]}"


def _rules_out(error) -> bool:
    """True if this error shows its ``anyOf``/``oneOf`` branch was not the one meant: the value
    has another JSON type, or its ``type`` discriminator names another kind."""
    relative = list(error.relative_path)
    if error.validator == "type" and not relative:
        return True
    return error.validator in ("enum", "const") and relative == ["type"]


def _branches(error) -> dict[int, list]:
    branches = defaultdict(list)
    for sub in error.context:
        branches[sub.relative_schema_path[0]].append(sub)
    return branches


def _most_specific(error):
    """Walk into ``anyOf``/``oneOf`` while exactly one branch is plausibly the one meant."""
    while error.validator in ("anyOf", "oneOf") and error.context:
        branches = _branches(error)
        plausible = [errs for errs in branches.values() if not any(map(_rules_out, errs))]
        if len(plausible) != 1:
            return error
        error = max(plausible[0], key=relevance)
    return error


def _describe_alternatives(error) -> APIError:
    """An ``anyOf``/``oneOf`` that no single branch explains."""
    path = param_path(error.absolute_path)
    subschemas = error.validator_value
    if all(set(s) == {"required"} for s in subschemas):
        names = _quote([s["required"][0] for s in subschemas], "or")
        if path is None:
            return invalid(f"Missing required parameter: one of {names}.", None,
                           "missing_required_parameter")
        return invalid(f"Invalid '{path}': expected exactly one of {names}.", path,
                       "invalid_value")
    branches = _branches(error).values()
    if branches and all(any(map(_rules_out, errs)) for errs in branches):
        reasons = [e for errs in branches for e in errs if _rules_out(e)]
        enum_errors = [e for e in reasons if e.validator in ("enum", "const")]
        if not enum_errors:
            return _type_error(error.instance, path,
                               [t for e in reasons for t in _as_list(e.validator_value)])
        allowed = [v for e in enum_errors for v in _as_list(e.validator_value)]
        where = param_path(list(error.absolute_path) + ["type"])
        return invalid(f"Invalid value: '{error.instance.get('type')}'. Supported values are: "
                       f"{_quote(allowed)}.", where, "invalid_value")
    return invalid(f"Invalid '{path or 'body'}': the value matches none of the allowed shapes.",
                   path, "invalid_value")


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _type_error(instance, path, expected) -> APIError:
    words = [_TYPE_WORDS.get(t, t) for t in dict.fromkeys(expected) if t != "null"] or ["null"]
    wanted = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
    if path is None:
        return invalid(f"Invalid body: expected {wanted}, but got {_type_of(instance)} instead.",
                       None, "invalid_type")
    return invalid(f"Invalid type for '{path}': expected {wanted}, but got {_type_of(instance)} "
                   "instead.", path, "invalid_type")


def describe(error) -> APIError:
    """The OpenAI 400 for one :class:`jsonschema.ValidationError`."""
    error = _most_specific(error)
    v, value, inst = error.validator, error.validator_value, error.instance
    path = param_path(error.absolute_path)
    if "propertyNames" in error.schema_path:
        return invalid(f"Invalid '{path}': key '{inst}' is invalid. Expected keys of at most "
                       f"{error.schema.get('maxLength')} characters.", path, "invalid_key")
    if v in ("anyOf", "oneOf"):
        return _describe_alternatives(error)
    if v == "additionalProperties":
        extra = sorted(set(inst) - set(error.schema.get("properties", {})))[0]
        name = _join(error.absolute_path, extra)
        return invalid(f"Unrecognized request argument supplied: {name}", name,
                       "unknown_parameter")
    if v == "required":
        missing = next(r for r in value if r not in inst)
        name = _join(error.absolute_path, missing)
        return invalid(f"Missing required parameter: '{name}'.", name,
                       "missing_required_parameter")
    if v == "type":
        return _type_error(inst, path, _as_list(value))
    if v in ("enum", "const"):
        allowed = _as_list(value)
        return invalid(f"Invalid value: {_quote([inst])}. Supported values are: "
                       f"{_quote(allowed)}.", path, "invalid_value")
    if v == "maxLength":
        return invalid(f"Invalid '{path}': string too long. Expected a string with maximum "
                       f"length {value}, but got a string with length {len(inst)} instead.",
                       path, "string_above_max_length")
    if v == "minLength":
        return invalid(f"Invalid '{path}': string too short. Expected a string with minimum "
                       f"length {value}, but got a string with length {len(inst)} instead.",
                       path, "string_below_min_length")
    if v == "maxItems":
        return invalid(f"Invalid '{path}': array too long. Expected an array with maximum "
                       f"length {value}, but got an array with length {len(inst)} instead.",
                       path, "array_above_max_length")
    if v == "minItems":
        if not inst:
            return invalid(f"Invalid '{path}': empty array. Expected an array with minimum "
                           f"length {value}, but got an empty array instead.", path,
                           "empty_array")
        return invalid(f"Invalid '{path}': array too short. Expected an array with minimum "
                       f"length {value}, but got an array with length {len(inst)} instead.",
                       path, "array_below_min_length")
    if v in ("maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum"):
        kind = "integer" if isinstance(inst, int) else "decimal"
        above = v in ("maximum", "exclusiveMaximum")
        sign = {"maximum": "<=", "minimum": ">=", "exclusiveMaximum": "<",
                "exclusiveMinimum": ">"}[v]
        return invalid(f"Invalid '{path}': {kind} {'above maximum' if above else 'below minimum'}"
                       f" value. Expected a value {sign} {value}, but got {inst} instead.", path,
                       f"{kind}_{'above_max' if above else 'below_min'}_value")
    if v == "maxProperties":
        return invalid(f"Invalid '{path}': object too large. Expected an object with at most "
                       f"{value} properties, but got an object with {len(inst)} properties "
                       "instead.", path, "object_above_max_properties")
    if v == "pattern":
        return invalid(f"Invalid '{path}': string does not match pattern. Expected a string "
                       f"that matches the pattern '{value}'.", path, "invalid_value")
    return invalid(f"Invalid '{path or 'body'}': {error.message}", path, "invalid_value")


def check_body(schema_name: str, body, document: str | None = None) -> None:
    """Raise the OpenAI 400 for the most specific violation of the named request schema."""
    errors = list(spec_validator(schema_name, document).iter_errors(body))
    if errors:
        # Not ``best_match``: it would descend into anyOf/oneOf by depth alone, and report
        # "type must be 'auto'" for a static chunking strategy that lacks its ``static`` part.
        raise describe(max(errors, key=relevance))


# -- limits the spec states only in prose ---------------------------------------------------

_FUNCTION_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def check_metadata(metadata, param: str = "metadata") -> None:
    """At most 16 pairs; keys up to 64 characters, values up to 512 (``Metadata``'s text)."""
    if not isinstance(metadata, dict):
        return
    if len(metadata) > 16:
        raise invalid(f"Invalid '{param}': too many properties. Expected an object with at most "
                      f"16 properties, but got an object with {len(metadata)} properties "
                      "instead.", param, "object_above_max_properties")
    for key, value in metadata.items():
        if len(key) > 64:
            raise invalid(f"Invalid '{param}': metadata key '{key[:20]}...' is too long. "
                          "Expected keys of at most 64 characters.", f"{param}.{key}",
                          "string_above_max_length")
        if isinstance(value, str) and len(value) > 512:
            raise invalid(f"Invalid '{param}.{key}': string too long. Expected a string with "
                          f"maximum length 512, but got a string with length {len(value)} "
                          "instead.", f"{param}.{key}", "string_above_max_length")


def check_function_tools(tools, param: str = "tools") -> None:
    """Function names: a-z, A-Z, 0-9, ``_`` and ``-``, at most 64 (``FunctionObject``'s text)."""
    for index, tool in enumerate(tools or ()):
        if not isinstance(tool, dict) or tool.get("type") != "function":
            continue
        function = tool.get("function", tool)  # Responses tools carry ``name`` at the top
        name = function.get("name")
        where = f"{param}[{index}].function.name" if "function" in tool \
            else f"{param}[{index}].name"
        if isinstance(name, str) and not _FUNCTION_NAME.match(name):
            raise invalid(f"Invalid '{where}': string does not match pattern. Expected a string "
                          "that matches the pattern '^[a-zA-Z0-9_-]{1,64}$'.", where,
                          "invalid_value")


def check_chunking_strategy(strategy, param: str = "chunking_strategy") -> None:
    """A static strategy's overlap must not exceed half of its maximum chunk size."""
    if not isinstance(strategy, dict) or strategy.get("type") != "static":
        return
    static = strategy.get("static") or {}
    size, overlap = static.get("max_chunk_size_tokens"), static.get("chunk_overlap_tokens")
    if isinstance(size, int) and isinstance(overlap, int) and overlap > size / 2:
        where = f"{param}.static.chunk_overlap_tokens"
        raise invalid(f"Invalid '{where}': chunk_overlap_tokens must not exceed half of "
                      f"max_chunk_size_tokens ({size}), but got {overlap}.", where,
                      "invalid_value")
    if isinstance(overlap, int) and overlap < 0:
        where = f"{param}.static.chunk_overlap_tokens"
        raise invalid(f"Invalid '{where}': integer below minimum value. Expected a value >= 0, "
                      f"but got {overlap} instead.", where, "integer_below_min_value")


def parse_json_body(raw: bytes):
    """The JSON object of a request body; an empty body is ``{}``."""
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise invalid("We could not parse the JSON body of your request. (HINT: This likely "
                      "means you aren't using your HTTP library correctly. The OpenAI API "
                      "expects a JSON payload, but what was sent was not valid JSON.)") from None
    if not isinstance(body, dict):
        raise invalid(f"Invalid body: expected an object, but got {_type_of(body)} instead.",
                      None, "invalid_type")
    return body
