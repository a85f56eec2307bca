"""Read-only access to the plugin's assistants, for pickers and labels.

The host never writes the plugin's tables: assistants are created and changed through the
plugin's API and pages. Here it only lists what a team may pick and names what it references.
"""
from __future__ import annotations

from sqlalchemy import select

from ocs_assistant_plugin.models import Assistant

from .models import db


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
