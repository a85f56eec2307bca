"""Read-only access to the plugin's assistants, for pickers, labels and links.

The host never writes the plugin's tables: assistants are created and changed through the
plugin's API and pages, and versions are made by the plugin's release hook. Here it only lists
what a team may pick and names (and links) what it references.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from ocs_assistant_plugin.models import Assistant

from .models import db


@dataclass(frozen=True)
class AssistantRef:
    """How a page shows an assistant a host object uses: its label and the plugin's page for it.

    A released object uses an assistant *version*, which the plugin names "NAME vN"; a working
    copy uses the working assistant. ``url`` is None when the assistant is not found."""

    id: int
    label: str
    url: str | None
    is_version: bool = False


def pickable_assistants(team_id: int) -> list[Assistant]:
    """The team's working assistants that are not archived, by name."""
    return list(db.session.execute(
        select(Assistant)
        .where(Assistant.team_id == team_id, Assistant.is_version.is_(False),
               Assistant.archived.is_(False))
        .order_by(Assistant.name, Assistant.id)
    ).scalars())


def assistants_by_id(team_id: int, ids) -> dict[int, Assistant]:
    """The team's assistants (working or versions, archived or not) among ``ids``, in one query."""
    ids = sorted({i for i in ids if i is not None})
    if not ids:
        return {}
    rows = db.session.execute(
        select(Assistant).where(Assistant.team_id == team_id, Assistant.id.in_(ids))).scalars()
    return {a.id: a for a in rows}


def assistant_label(assistant: Assistant | None, assistant_id: int | None) -> str:
    if assistant_id is None:
        return "—"
    if assistant is None:
        return f"Assistant #{assistant_id} (not found)"
    # Versions are already named "NAME vN" by the plugin.
    return f"{assistant.name} (archived)" if assistant.archived else assistant.name


def assistant_page_url(assistant_id: int) -> str:
    """The plugin's page for an assistant or a version (by path: its endpoints are its own)."""
    prefix = current_app.config.get("OCS_ASSISTANTS_URL_PREFIX", "/assistants").rstrip("/")
    return f"{prefix}/{assistant_id}"


def assistant_refs(team_id: int, ids) -> dict[int, AssistantRef]:
    """An :class:`AssistantRef` for every id in ``ids`` (None skipped), in one query."""
    ids = {i for i in ids if i is not None}
    found = assistants_by_id(team_id, ids)
    refs = {}
    for assistant_id in ids:
        assistant = found.get(assistant_id)
        refs[assistant_id] = AssistantRef(
            id=assistant_id, label=assistant_label(assistant, assistant_id),
            url=assistant_page_url(assistant_id) if assistant is not None else None,
            is_version=bool(assistant is not None and assistant.is_version))
    return refs
