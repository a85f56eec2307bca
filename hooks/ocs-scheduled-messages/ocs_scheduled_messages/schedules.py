"""Creating and changing scheduled messages, with every input checked.

Each function works in the current app (after ``ScheduledMessages().init_app``), flushes and
leaves the commit to the caller, except :func:`archive`, which commits and then fires the plugin's
``ocs_reference_archived`` event. Bad input raises ocs-assistant-plugin's ``InvalidInput`` naming
the field and changes nothing; a missing message (or another team's) raises ``NotFound``.
"""
from __future__ import annotations

import datetime as dt
import re

from flask import current_app
from sqlalchemy import select

from ocs_assistant_plugin.errors import Conflict, InvalidInput, NotFound
from ocs_assistant_plugin.models import Assistant

from .extension import get_setup
from .models import ScheduledMessage
from .provider import ScheduledMessageProvider

NAME_MAX = 100
SCHEDULE_MAX = 100
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,\-]+$")
#: A message starts sending or on hold; archiving is :func:`archive`'s job.
CREATE_STATUSES = ("active", "paused")
CRON_MACROS = ("@hourly", "@daily", "@weekly", "@monthly", "@yearly")


def is_schedule(value) -> bool:
    """A five-field cron expression (``"0 9 * * MON"``) or one of :data:`CRON_MACROS`.

    Only the shape is checked: the host's scheduler interprets it.
    """
    if not isinstance(value, str) or not value.strip() or len(value) > SCHEDULE_MAX:
        return False
    if value.strip() in CRON_MACROS:
        return True
    fields = value.split()
    return len(fields) == 5 and all(_CRON_FIELD.match(field) for field in fields)


def create_scheduled_message(*, team_id: int, name: str, assistant_id: int, schedule: str,
                             message: str = "", status: str = "active",
                             next_run_at: dt.datetime | None = None) -> ScheduledMessage:
    """Add a scheduled message for one of the team's unarchived assistants."""
    errors: dict[str, list[str]] = {}
    name = _check_name(name, errors)
    if not is_schedule(schedule):
        errors["schedule"] = ["must be a five-field cron expression or one of "
                              + ", ".join(CRON_MACROS)]
    if not isinstance(message, str):
        errors["message"] = ["must be text"]
    if status not in CREATE_STATUSES:
        errors["status"] = ["must be one of " + ", ".join(CREATE_STATUSES)]
    if next_run_at is not None and (not isinstance(next_run_at, dt.datetime)
                                    or next_run_at.tzinfo is None):
        errors["next_run_at"] = ["must be a timezone-aware datetime"]
    _check_assistant(assistant_id, team_id, errors)
    if errors:
        raise InvalidInput("The scheduled message is not valid.", errors)

    row = ScheduledMessage(team_id=team_id, name=name, assistant_id=assistant_id,
                           schedule=schedule.strip(), message=message, status=status,
                           next_run_at=next_run_at)
    session = get_setup(current_app).db.session
    session.add(row)
    session.flush()
    return row


def pause(team_id: int, message_id: int) -> ScheduledMessage:
    """Stop sending for now. A paused message no longer blocks archiving its assistant."""
    row = _changeable_message(team_id, message_id)
    row.status = "paused"
    get_setup(current_app).db.session.flush()
    return row


def resume(team_id: int, message_id: int) -> ScheduledMessage:
    """Send again (``active``)."""
    row = _changeable_message(team_id, message_id)
    row.status = "active"
    get_setup(current_app).db.session.flush()
    return row


def archive(team_id: int, message_id: int) -> ScheduledMessage:
    """Retire a scheduled message for good, tell ocs-assistant-plugin, and **commit** both.

    Unlike the other functions this one commits: the plugin's ``ocs_reference_archived`` event
    joins this transaction (it only flushes) and archives the assistant *version* the message
    used, if nothing live still references it (a working assistant is left alone); one commit
    keeps the message and that version together.
    """
    row = _changeable_message(team_id, message_id)
    row.mark_archived()
    setup = get_setup(current_app)
    setup.db.session.flush()  # the plugin's vetting reads the message as archived
    reference = ScheduledMessageProvider().reference(row)
    try:
        setup.plugin.hook.ocs_reference_archived(reference=reference)
        setup.db.session.commit()
    except Exception:
        setup.db.session.rollback()
        raise
    return row


def reassign(team_id: int, message_id: int, assistant_id: int) -> ScheduledMessage:
    """Point a scheduled message at another of the team's unarchived assistants."""
    row = _changeable_message(team_id, message_id)
    errors: dict[str, list[str]] = {}
    _check_assistant(assistant_id, team_id, errors)
    if errors:
        raise InvalidInput("The assistant is not valid.", errors)
    row.assistant_id = assistant_id
    get_setup(current_app).db.session.flush()
    return row


def get_scheduled_message(team_id: int, message_id: int) -> ScheduledMessage:
    row = get_setup(current_app).db.session.get(ScheduledMessage, message_id)
    if row is None or row.team_id != team_id:
        raise NotFound(f"Scheduled message {message_id} not found.")
    return row


def _changeable_message(team_id: int, message_id: int) -> ScheduledMessage:
    row = get_scheduled_message(team_id, message_id)
    if row.status == "archived":
        raise Conflict(f"Scheduled message {row.id} is archived: it cannot change any more.")
    return row


def scheduled_messages(team_id: int | None = None) -> list[ScheduledMessage]:
    """Every scheduled message (of one team, when given), oldest first."""
    query = select(ScheduledMessage).order_by(ScheduledMessage.id)
    if team_id is not None:
        query = query.where(ScheduledMessage.team_id == team_id)
    return list(get_setup(current_app).db.session.execute(query).scalars())


def _check_name(name, errors) -> str:
    if not isinstance(name, str) or not name.strip():
        errors["name"] = ["is required"]
        return ""
    name = name.strip()
    if len(name) > NAME_MAX:
        errors["name"] = [f"must be at most {NAME_MAX} characters"]
    return name


def _check_assistant(assistant_id, team_id, errors) -> None:
    if isinstance(assistant_id, bool) or not isinstance(assistant_id, int):
        errors["assistant_id"] = ["must be an assistant id (an integer)"]
        return
    assistant = get_setup(current_app).db.session.get(Assistant, assistant_id)
    if assistant is None or assistant.team_id != team_id:
        errors["assistant_id"] = [f"no assistant {assistant_id} in team {team_id}"]
    elif assistant.archived:
        errors["assistant_id"] = [f"assistant {assistant_id} is archived"]
