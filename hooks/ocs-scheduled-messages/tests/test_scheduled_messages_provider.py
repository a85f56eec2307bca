"""find_references and archive, as the plugin calls them (through the hook's provider)."""
from __future__ import annotations

import datetime as dt

import pytest

from ocs_assistant_plugin import Reference, RefStatus
from ocs_scheduled_messages import (
    ScheduledMessage,
    ScheduledMessageProvider,
    archive,
    create_scheduled_message,
    pause,
)


def provider_of(plugin) -> ScheduledMessageProvider:
    """The provider exactly as the plugin sees it: from the ``ocs_reference_providers`` hook."""
    return next(p for p in plugin.reference_providers() if p.kind == "scheduled_message")


def add_message(db, *, team_id=1, assistant_id, status="active", name=None):
    """A scheduled message made and brought to ``status`` through the package's public API."""
    row = create_scheduled_message(
        team_id=team_id, name=name or f"Reminder ({status})", assistant_id=assistant_id,
        schedule="0 9 * * MON", message="Time for your weekly check-in!",
        next_run_at=dt.datetime(2030, 1, 7, 9, tzinfo=dt.timezone.utc))
    if status == "paused":
        pause(team_id, row.id)
    elif status == "archived":
        archive(team_id, row.id)
    db.session.commit()
    return row.id


def test_statuses_read_as_plugin_statuses(app, db, api, plugin):
    assistant = api.create_assistant()
    with app.test_request_context():
        ids = {status: add_message(db, assistant_id=assistant, status=status)
               for status in ("active", "paused", "archived")}
        found = provider_of(plugin).find_references([assistant], team_id=1)

    assert found == [
        Reference(kind="scheduled_message", id=ids["active"], label="Reminder (active)",
                  url=f"/scheduled-messages/{ids['active']}", assistant_id=assistant,
                  status=RefStatus.PUBLISHED),
        Reference(kind="scheduled_message", id=ids["paused"], label="Reminder (paused)",
                  url=f"/scheduled-messages/{ids['paused']}", assistant_id=assistant,
                  status=RefStatus.RELEASED),
        Reference(kind="scheduled_message", id=ids["archived"], label="Reminder (archived)",
                  url=f"/scheduled-messages/{ids['archived']}", assistant_id=assistant,
                  status=RefStatus.ARCHIVED),
    ]
    assert [ref.is_live for ref in found] == [True, False, False]


def test_url_follows_the_hosts_template(make_app, make_api):
    app = make_app(OCS_SCHEDULED_MESSAGES_URL="/bots/schedules/{id}/edit")
    db, plugin = app.extensions["sqlalchemy"], app.extensions["ocs_assistants"]
    assistant = make_api(app).create_assistant()
    with app.app_context():
        message_id = add_message(db, assistant_id=assistant)
        [found] = provider_of(plugin).find_references([assistant], team_id=1)
    assert found.url == f"/bots/schedules/{message_id}/edit"


def test_only_messages_of_the_asked_assistants(app, db, api, plugin):
    asked, other = api.create_assistant("Asked"), api.create_assistant("Other")
    with app.app_context():
        wanted = add_message(db, assistant_id=asked)
        add_message(db, assistant_id=other)
        found = provider_of(plugin).find_references([asked], team_id=1)
    assert [(ref.id, ref.assistant_id) for ref in found] == [(wanted, asked)]


def test_another_teams_messages_are_invisible(app, db, api, plugin):
    ours = api.create_assistant("Ours")
    theirs = api.create_assistant("Theirs", team=2)
    with app.app_context():
        add_message(db, team_id=2, assistant_id=theirs)
        mine = add_message(db, team_id=1, assistant_id=ours)
        provider = provider_of(plugin)
        # Even asked about team 2's assistant id, team 1 sees nothing of team 2.
        assert [r.id for r in provider.find_references([ours, theirs], team_id=1)] == [mine]
        assert [r.assistant_id for r in provider.find_references([ours, theirs], team_id=2)] == [
            theirs]


def test_one_query_whatever_the_number_of_assistants(app, db, api, plugin, count_queries):
    assistants = [api.create_assistant(f"Helper {n}") for n in range(3)]
    with app.app_context():
        for n in range(50):
            add_message(db, assistant_id=assistants[n % 3], status=("active", "paused")[n % 2])
        provider = provider_of(plugin)
        db.session.expire_all()
        with count_queries(db) as one:
            assert len(provider.find_references([assistants[0]], team_id=1)) == 17
        db.session.expire_all()
        many_ids = assistants + list(range(1000, 1047))  # 50 ids, most without messages
        with count_queries(db) as many:
            assert len(provider.find_references(many_ids, team_id=1)) == 50
    assert len(one) == len(many) == 1
    assert "ocs_scheduled_messages" in many[0]


def test_no_ids_no_query(app, db, plugin, count_queries):
    with app.app_context():
        with count_queries(db) as queries:
            assert provider_of(plugin).find_references([], team_id=1) == []
    assert queries == []


def test_archive_sets_archived_and_leaves_the_commit_to_the_plugin(app, db, api, plugin):
    assistant = api.create_assistant()
    with app.app_context():
        message_id = add_message(db, assistant_id=assistant, status="paused")
        provider = provider_of(plugin)
        [reference] = provider.find_references([assistant], team_id=1)

        provider.archive(reference)
        row = db.session.get(ScheduledMessage, message_id)
        assert (row.status, row.next_run_at) == ("archived", None)
        assert [r.status for r in provider.find_references([assistant], team_id=1)] == [
            RefStatus.ARCHIVED]

        db.session.rollback()  # flushed, not committed: the plugin's transaction decides
        assert db.session.get(ScheduledMessage, message_id).status == "paused"

        provider.archive(reference)
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(ScheduledMessage, message_id).status == "archived"
        provider.archive(reference)  # archiving again changes nothing
        assert db.session.get(ScheduledMessage, message_id).status == "archived"


def test_archive_refuses_another_providers_reference(app, plugin):
    stranger = Reference(kind="experiment", id=1, label="Bot", url="/e/1", assistant_id=1,
                         status="released")
    with app.app_context(), pytest.raises(ValueError, match="'experiment'"):
        provider_of(plugin).archive(stranger)
