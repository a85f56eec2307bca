"""The Python API a host calls: every bad field named at once, nothing added."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from ocs_assistant_plugin.errors import InvalidInput
from ocs_scheduled_messages import ScheduledMessage, create_scheduled_message, pause


def test_every_bad_field_is_named_and_nothing_is_added(app, db, api):
    api.create_assistant()
    with app.app_context():
        with pytest.raises(InvalidInput) as caught:
            create_scheduled_message(team_id=1, name="", assistant_id="1", schedule="soon",
                                     message=None, status="archived",
                                     next_run_at=dt.datetime(2030, 1, 1, 9))
        assert set(caught.value.fields) == {"name", "assistant_id", "schedule", "message",
                                            "status", "next_run_at"}
        assert caught.value.fields["next_run_at"] == ["must be a timezone-aware datetime"]
        assert caught.value.to_dict()["error"]["code"] == "invalid_input"
        assert db.session.execute(select(func.count()).select_from(ScheduledMessage)).scalar() == 0


def test_created_message_keeps_its_fields(app, db, api):
    assistant = api.create_assistant()
    when = dt.datetime(2030, 1, 7, 9, tzinfo=dt.timezone.utc)
    with app.app_context():
        row = create_scheduled_message(team_id=1, name="  Weekly check-in ", assistant_id=assistant,
                                       schedule=" 0 9 * * MON ", message="Hello!",
                                       next_run_at=when)
        db.session.commit()
        db.session.expire_all()
        row = db.session.get(ScheduledMessage, row.id)
        assert (row.name, row.schedule, row.message, row.status) == (
            "Weekly check-in", "0 9 * * MON", "Hello!", "active")
        assert row.next_run_at == when
        pause(1, row.id)
        assert (row.status, row.next_run_at) == ("paused", when)

