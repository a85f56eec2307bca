"""Validation of the host's forms: typed input in, clean data or per-field errors out.

Each ``validate_*`` returns ``(data, errors)``; ``errors`` maps a form field to one message and
is empty when the input is good. Pages re-render the form with what was typed and the errors.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

NAME_MAX = 100
TEXT_MAX = 2000
LABEL_MAX = 100


def _text(form: Mapping, field: str, errors: dict, *, required=False, max_len=TEXT_MAX,
          label="This field") -> str:
    value = (form.get(field) or "").strip()
    if required and not value:
        errors[field] = f"{label} is required."
    elif len(value) > max_len:
        errors[field] = f"{label} must be at most {max_len} characters (it has {len(value)})."
    return value


def _choice(raw: str | None, allowed: Iterable[int]) -> int | None:
    """An id picked from a list, or None if it is not one of ``allowed``."""
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if value in set(allowed) else None


def validate_experiment(form: Mapping, assistant_ids: Iterable[int],
                        pipeline_ids: Iterable[int]) -> tuple[dict, dict]:
    """``assistant_ids``/``pipeline_ids``: what this team may pick (working, not archived)."""
    errors: dict[str, str] = {}
    data = {
        "name": _text(form, "name", errors, required=True, max_len=NAME_MAX, label="Name"),
        "description": _text(form, "description", errors, label="Description"),
        "welcome_message": _text(form, "welcome_message", errors, label="Welcome message"),
        "assistant_id": None,
        "pipeline_id": None,
    }
    raw_assistant = (form.get("assistant_id") or "").strip()
    if raw_assistant:
        data["assistant_id"] = _choice(raw_assistant, assistant_ids)
        if data["assistant_id"] is None:
            errors["assistant_id"] = "Pick one of your team's assistants."
    raw_pipeline = (form.get("pipeline_id") or "").strip()
    if raw_pipeline:
        data["pipeline_id"] = _choice(raw_pipeline, pipeline_ids)
        if data["pipeline_id"] is None:
            errors["pipeline_id"] = "Pick one of your team's pipelines."
    if not raw_assistant and not raw_pipeline:
        errors["assistant_id"] = "Pick an assistant, a pipeline, or both: the chatbot needs " \
                                 "something to answer with."
    return data, errors


def validate_pipeline(form, assistant_ids: Iterable[int]) -> tuple[dict, dict]:
    """``form.getlist("node")``: the assistant of each step, in order; blank steps are skipped."""
    errors: dict[str, str] = {}
    allowed = set(assistant_ids)
    data = {
        "name": _text(form, "name", errors, required=True, max_len=NAME_MAX, label="Name"),
        "description": _text(form, "description", errors, label="Description"),
        "nodes": [],
    }
    raw_nodes = [value.strip() for value in form.getlist("node") if value and value.strip()]
    for position, raw in enumerate(raw_nodes, start=1):
        assistant_id = _choice(raw, allowed)
        if assistant_id is None:
            errors["node"] = f"Step {position}: pick one of your team's assistants."
            break
        data["nodes"].append(assistant_id)
    if not raw_nodes:
        errors["node"] = "Add at least one step: pick the assistant that answers."
    return data, errors


def validate_release(form: Mapping) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    data = {
        "release_label": _text(form, "release_label", errors, max_len=LABEL_MAX,
                               label="Release notes"),
        "publish": form.get("publish") in ("1", "on", "true", "yes"),
    }
    return data, errors
