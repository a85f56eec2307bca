"""``ocs_release`` joins the host's transaction (DESIGN 5.1): it only flushes. Its versions stand
with the host's commit and vanish with the host's rollback, and the clones of a release that
rolled back are found and deleted by the outbox's sweep (each clone tagged, its intent recorded
in a transaction of its own)."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from ocs_assistant_plugin.errors import RemoteError
from ocs_assistant_plugin.models import Assistant, RemoteOperation
from ocs_assistant_plugin.outbox import queue as operations
from ocs_assistant_plugin.remote.base import RELEASE_TAG_KEY
from plugin_host import POSTGRESQL_ONLY, remote_assistant, remote_assistant_ids, remote_store_ids

FAR = dt.timedelta(days=1)


@pytest.fixture
def bot(api):
    """A working assistant with a file in its store (so each clone makes an assistant and a
    store)."""
    made = api.create(name="Bot", builtin_tools=["file_search"])
    assert api.upload(made["id"], "file_search", "faq.txt").status_code == 201
    return made


def remote_objects(openai_client) -> tuple[set, set]:
    return remote_assistant_ids(openai_client), remote_store_ids(openai_client)


def operation_rows(session) -> list[RemoteOperation]:
    return list(session.execute(sa.select(RemoteOperation).order_by(RemoteOperation.id))
                .scalars())


def test_a_release_the_host_rolls_back_leaves_no_version_and_its_clone_is_swept(
        app, api, plugin, bot, openai_client):
    before = remote_objects(openai_client)

    with app.app_context():
        mapping = plugin.hook.ocs_release(assistant_ids=[bot["id"]], team_id=1,
                                          release_label="doomed")
        clone = plugin.db.session.get(Assistant, mapping[bot["id"]]).openai_id
        assert clone in remote_assistant_ids(openai_client)  # made in OpenAI, not committed
        plugin.db.session.rollback()  # the host's next step failed

    assert api.get(f"/assistants/{mapping[bot['id']]}").status_code == 404
    assert api.get(f"/assistants/{bot['id']}").get_json()["versions"] == []
    assert remote_objects(openai_client) == before  # the eager outbox swept at the rollback
    (sweep,) = api.get("/operations").get_json()["items"]
    assert (sweep["kind"], sweep["status"]) == (operations.SWEEP_RELEASE_CLONE, "pending")


def test_a_release_never_committed_is_swept_when_the_host_context_ends(
        app, api, plugin, bot, openai_client):
    before = remote_objects(openai_client)

    with app.app_context():  # the host forgets to commit: the session is removed at the end
        mapping = plugin.hook.ocs_release(assistant_ids=[bot["id"]], team_id=1,
                                          release_label="forgotten")

    assert api.get(f"/assistants/{mapping[bot['id']]}").status_code == 404
    assert remote_objects(openai_client) == before


def test_a_committed_release_keeps_its_clone_whatever_the_outbox_runs_later(
        app, api, plugin, bot, openai_client):
    with app.app_context():
        mapping = plugin.hook.ocs_release(assistant_ids=[bot["id"]], team_id=1,
                                          release_label="kept")
        plugin.db.session.commit()
    version = api.get(f"/assistants/{mapping[bot['id']]}").get_json()

    with app.app_context():  # even a sweep a dead process left pending keeps what a row holds
        operations.run_pending(plugin.deps, now=dt.datetime.now(dt.timezone.utc) + FAR)
        assert operation_rows(plugin.db.session) == []  # the intent was forgotten at the commit

    assert version["openai_id"] in remote_assistant_ids(openai_client)
    assert version["vector_store_id"] in remote_store_ids(openai_client)
    assert api.get(f"/assistants/{bot['id']}").get_json()["versions"] == [version["id"]]


def test_a_failed_release_leaves_the_hosts_transaction_usable_and_nothing_of_its_own(
        app, api, plugin, bot, openai_client, openai_standin):
    other = api.create(name="Other")
    before = remote_objects(openai_client)
    # the first clone succeeds, the second is refused for good
    openai_standin.inject_fault(status=400, path_prefix="/v1/assistants", method="POST", after=1)

    with app.app_context():
        with pytest.raises(RemoteError) as failure:
            plugin.hook.ocs_release(assistant_ids=[bot["id"], other["id"]], team_id=1,
                                    release_label="half")
        plugin.db.session.commit()  # the host carries on with its own transaction

    assert failure.value.status == 502  # OpenAI refused: a bad gateway for the host
    assert f"Release failed at assistant {other['id']}" in failure.value.message
    for working in (bot, other):
        assert api.get(f"/assistants/{working['id']}").get_json()["versions"] == []
    assert remote_objects(openai_client) == before


@pytest.mark.parametrize("database_url", [POSTGRESQL_ONLY], indirect=True)
def test_the_intent_to_sweep_is_committed_before_the_clone_is_asked_for(
        app, api, plugin, bot, openai_client, database_url):
    other_connection = sa.create_engine(database_url)
    try:
        with app.app_context():
            mapping = plugin.hook.ocs_release(assistant_ids=[bot["id"]], team_id=1,
                                              release_label="v1")
            clone = plugin.db.session.get(Assistant, mapping[bot["id"]]).openai_id
            # seen from another connection while the host's transaction is still open
            with other_connection.connect() as connection:
                (intent,) = connection.execute(sa.select(RemoteOperation.__table__)).all()
            plugin.db.session.commit()
            remaining = operation_rows(plugin.db.session)
    finally:
        other_connection.dispose()

    tag = remote_assistant(openai_client, clone)["metadata"][RELEASE_TAG_KEY]
    assert (intent.kind, intent.target, intent.status) == (
        operations.SWEEP_RELEASE_CLONE, tag, "pending")
    # due only after the attempt could have landed: no worker sweeps it while the host works
    assert intent.next_attempt_at > dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=4)
    assert remaining == []  # committed: the version holds the clone, the intent is forgotten


@pytest.mark.parametrize("database_url", [POSTGRESQL_ONLY], indirect=True)
def test_a_sweep_waits_while_its_release_still_holds_the_hosts_transaction(
        app, api, plugin, bot, openai_client):
    later = dt.datetime.now(dt.timezone.utc) + FAR

    with app.app_context():
        mapping = plugin.hook.ocs_release(assistant_ids=[bot["id"]], team_id=1,
                                          release_label="slow host")
        clone = plugin.db.session.get(Assistant, mapping[bot["id"]]).openai_id
        with app.app_context():  # a worker, in a session of its own, long after the intent
            (tried,) = operations.run_pending(plugin.deps, now=later)
            postponed = (tried.status, tried.next_attempt_at, tried.last_error)
        assert clone in remote_assistant_ids(openai_client)
        plugin.db.session.commit()
        remaining = operation_rows(plugin.db.session)

    assert postponed == ("pending", later + operations.RELEASE_IN_FLIGHT_DELAY, None)
    assert remaining == []
    assert api.get(f"/assistants/{bot['id']}").get_json()["versions"] == [mapping[bot["id"]]]
    assert clone in remote_assistant_ids(openai_client)
