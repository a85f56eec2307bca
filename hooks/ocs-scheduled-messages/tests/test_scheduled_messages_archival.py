"""Archiving an assistant through the plugin's JSON API, with scheduled messages referencing it:
an active one blocks under "Scheduled Messages", a paused one is archived with the assistant, an
archived one is ignored; archiving a message releases the assistant version it used."""
from __future__ import annotations

import pytest

from ocs_scheduled_messages import ScheduledMessage, archive, create_scheduled_message, pause
from ocs_scheduled_messages.provider import UNBLOCK_ACTION


@pytest.fixture
def add_message(app, db):
    """``add_message(assistant_id, status="active")``: a committed scheduled message's id."""

    def add(assistant_id: int, status: str = "active", name: str = "Weekly check-in") -> int:
        with app.app_context():
            row = create_scheduled_message(team_id=1, name=name, assistant_id=assistant_id,
                                           schedule="0 9 * * MON", message="How was your week?")
            if status == "paused":
                pause(1, row.id)
            db.session.commit()
            if status == "archived":
                archive(1, row.id)
            return row.id

    return add


@pytest.fixture
def message_status(app, db):
    def status(message_id: int) -> str:
        with app.app_context():
            return db.session.get(ScheduledMessage, message_id).status

    return status


def release(app, assistant_id: int) -> int:
    """Release the assistant as a host does (``ocs_release``): the new version's id."""
    with app.app_context():
        plugin = app.extensions["ocs_assistants"]
        mapping = plugin.hook.ocs_release(assistant_ids=[assistant_id], team_id=1,
                                          release_label="v1")
        plugin.db.session.commit()  # the hook joins the host's transaction: the host commits
    return mapping[assistant_id]


def archive_check(api, assistant_id: int) -> dict:
    response = api.open("GET", f"/assistants/{assistant_id}/archive-check")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def is_archived(api, assistant_id: int) -> bool:
    response = api.open("GET", f"/assistants/{assistant_id}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["archived"]


def test_active_message_blocks_under_its_own_section(api, add_message, message_status):
    assistant = api.create_assistant("Reminder bot")
    message_id = add_message(assistant)

    check = archive_check(api, assistant)
    assert check["can_archive"] is False
    assert check["auto_archive"] == []
    assert [section["title"] for section in check["sections"]] == ["Scheduled Messages"]
    [entry] = check["sections"][0]["references"]
    assert {key: entry[key] for key in ("kind", "id", "label", "url", "assistant_id", "status",
                                        "version_number", "action")} == {
        "kind": "scheduled_message", "id": message_id, "label": "Weekly check-in",
        "url": f"/scheduled-messages/{message_id}", "assistant_id": assistant,
        "status": "published", "version_number": None, "action": UNBLOCK_ACTION}

    response = api.open("POST", f"/assistants/{assistant}/archive")
    assert response.status_code == 409
    assert response.get_json()["sections"] == check["sections"]
    assert not is_archived(api, assistant)
    assert message_status(message_id) == "active"


def test_active_message_on_a_version_blocks_naming_the_version(app, api, add_message):
    assistant = api.create_assistant("Reminder bot")
    version = release(app, assistant)
    message_id = add_message(version)

    check = archive_check(api, assistant)
    assert check["versions"] == [version]
    [section] = check["sections"]
    assert section["title"] == "Scheduled Messages"
    assert [(e["id"], e["assistant_id"], e["version_number"]) for e in section["references"]] == [
        (message_id, version, 1)]


def test_paused_message_is_archived_with_the_assistant(app, api, add_message, message_status):
    assistant = api.create_assistant("Reminder bot")
    version = release(app, assistant)
    paused = add_message(version, "paused")

    check = archive_check(api, assistant)
    assert check["can_archive"] is True
    assert [(r["kind"], r["id"], r["status"]) for r in check["auto_archive"]] == [
        ("scheduled_message", paused, "released")]

    response = api.open("POST", f"/assistants/{assistant}/archive")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["archived"] == [assistant, version]
    assert [(r["kind"], r["id"]) for r in response.get_json()["auto_archived"]] == [
        ("scheduled_message", paused)]
    assert message_status(paused) == "archived"
    assert is_archived(api, assistant) and is_archived(api, version)


def test_archived_message_is_ignored(api, add_message, message_status):
    assistant = api.create_assistant("Reminder bot")
    old = add_message(assistant, "archived")

    check = archive_check(api, assistant)
    assert (check["can_archive"], check["sections"], check["auto_archive"]) == (True, [], [])
    assert api.open("POST", f"/assistants/{assistant}/archive").status_code == 200
    assert message_status(old) == "archived"


def test_pausing_the_blocking_message_unblocks(app, db, api, add_message):
    assistant = api.create_assistant("Reminder bot")
    message_id = add_message(assistant)
    assert archive_check(api, assistant)["can_archive"] is False

    with app.app_context():
        pause(1, message_id)
        db.session.commit()
    assert archive_check(api, assistant)["can_archive"] is True


def test_archiving_the_last_message_on_a_version_archives_the_version(app, api, add_message):
    assistant = api.create_assistant("Reminder bot")
    version = release(app, assistant)
    first, second = add_message(version, name="Monday"), add_message(version, name="Friday")

    with app.app_context():
        archive(1, first)
    assert not is_archived(api, version)  # "Friday" is still active on it

    with app.app_context():
        archive(1, second)
    assert is_archived(api, version)
    assert not is_archived(api, assistant)  # the working assistant stays the admin's decision
