"""A release at the same moment as an archive: the archive waits for the row (PostgreSQL) or the
database's writer lock (SQLite), then checks again and refuses with the fresh check."""
from __future__ import annotations

import threading

import sqlalchemy as sa

from ocs_assistant_plugin.models import Assistant


def test_an_archive_waits_for_a_release_in_progress_then_sees_its_reference(
        app, plugin, api, host, bot_with_versions):
    working = bot_with_versions["working"]
    answers = []
    with app.app_context():
        engine = plugin.db.engine
    with engine.connect() as release:  # a release holding the working assistant's row
        release.execute(sa.update(Assistant).where(Assistant.id == working)
                        .values(release_label=Assistant.release_label))
        archiving = threading.Thread(
            target=lambda: answers.append(api.post(f"/assistants/{working}/archive")))
        archiving.start()
        archiving.join(0.5)
        assert archiving.is_alive()  # waiting for the lock, not deciding on stale data
        # what that release made a host publish, before it commits
        host.experiment("Helpdesk v3", "published", assistant=bot_with_versions["v2"])
        release.commit()
    archiving.join()

    (response,) = answers
    assert response.status_code == 409
    assert response.get_json()["sections"][0]["references"][0]["label"] == "Helpdesk v3"
    assert api.get(f"/assistants/{working}").get_json()["archived"] is False
