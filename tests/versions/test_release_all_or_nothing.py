"""A release that fails part-way leaves nothing behind, here or in OpenAI (DESIGN 1.2)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ocs_assistant_plugin.outbox import queue as operations
from ocs_assistant_plugin.errors import RemoteError, RemoteNotConfigured, RemoteUnavailable
from ocs_assistant_plugin.models import Assistant, RemoteOperation
from plugin_host import snapshot
from version_helpers import CONFIG


@pytest.fixture
def three(api):
    """Three working assistants, each with a vector store holding one file."""
    made = []
    for name in ("Alpha", "Beta", "Gamma"):
        bot = api.create(name=name, builtin_tools=["file_search"])
        assert api.upload(bot["id"], "file_search", f"{name}.txt").status_code == 201
        made.append(bot)
    return made


def _remote_state(openai_client):
    page = openai_client.get("/assistants", cast_to=object, options={
        "headers": {"OpenAI-Beta": "assistants=v2"}, "params": {"limit": 100}})
    return ({a["id"] for a in page["data"]},
            {s.id for s in openai_client.vector_stores.list(limit=100)})


@pytest.mark.parametrize("status, error", [(500, RemoteUnavailable), (400, RemoteError)])
def test_a_failure_at_the_second_of_three_leaves_nothing(status, error, three, api, release,
                                                         openai_client, openai_standin,
                                                         versions_of):
    before = snapshot(api, openai_client)
    remote_before = _remote_state(openai_client)
    openai_standin.inject_fault(status=status, times=1, method="POST", path_prefix="/v1/assistants",
                                after=1)

    with pytest.raises(error) as failure:
        release([bot["id"] for bot in three], label="doomed")

    message = failure.value.message
    assert f"assistant {three[1]['id']} ('Beta')" in message and "Nothing was released" in message
    assert failure.value.status == (503 if status == 500 else 502)
    assert list(failure.value.fields["assistant_ids"]) == [
        f"Assistant {three[1]['id']}: " + message.split(": ", 1)[1].rsplit(" Nothing", 1)[0]]
    assert _remote_state(openai_client) == remote_before
    assert snapshot(api, openai_client) == before
    assert all(versions_of(bot["id"]) == [] for bot in three)
    # the first clone was made, then deleted with its store
    assert openai_standin.count("DELETE", "/v1/assistants/") == 1
    assert openai_standin.count("DELETE", "/v1/vector_stores/") == 1


def test_after_a_failed_release_the_next_one_starts_at_version_1(three, api, release,
                                                                 openai_standin, versions_of):
    openai_standin.inject_fault(status=500, method="POST", path_prefix="/v1/assistants", after=2)
    with pytest.raises(RemoteUnavailable):
        release([bot["id"] for bot in three])

    mapping = release([bot["id"] for bot in three])

    assert [versions_of(bot["id"]) for bot in three] == [
        [(1, mapping[bot["id"]], "r1", False)] for bot in three]


def test_a_clean_up_that_fails_goes_to_the_outbox_and_is_finished_later(
        app, plugin, three, api, release, openai_client, openai_standin):
    remote_before = _remote_state(openai_client)
    openai_standin.inject_fault(status=500, times=1, method="POST", path_prefix="/v1/assistants",
                                after=1)
    openai_standin.inject_fault(status=503, times=1, method="DELETE",
                                path_prefix="/v1/vector_stores/")

    with pytest.raises(RemoteUnavailable):
        release([bot["id"] for bot in three])

    # the assistant copy was deleted, its store could not be: recorded, not forgotten
    assistants_now, stores_now = _remote_state(openai_client)
    assert assistants_now == remote_before[0]
    (orphan,) = stores_now - remote_before[1]
    with app.app_context():
        ops = plugin.db.session.execute(sa.select(RemoteOperation)).scalars().all()
        assert [(o.kind, o.target, o.status, o.attempts, o.team_id) for o in ops] == [
            (operations.DELETE_VECTOR_STORE, orphan, "pending", 1, 1)]
        assert ops[0].last_error

        # not due yet: the worker leaves it; once due, it finishes the job
        assert operations.run_pending(plugin.deps) == []
        done = operations.run_pending(plugin.deps, now=ops[0].next_attempt_at)
        assert [(o.status, o.attempts, o.last_error) for o in done] == [("done", 2, None)]
    assert _remote_state(openai_client) == remote_before


def test_the_outbox_retries_later_while_openai_keeps_failing(app, plugin, three, release,
                                                             openai_client, openai_standin):
    openai_standin.inject_fault(status=500, times=1, method="POST", path_prefix="/v1/assistants",
                                after=1)
    openai_standin.inject_fault(status=500, times=2, method="DELETE",
                                path_prefix="/v1/assistants/")
    with pytest.raises(RemoteUnavailable):
        release([bot["id"] for bot in three])

    with app.app_context():
        (op,) = plugin.db.session.execute(sa.select(RemoteOperation)).scalars().all()
        first_due = op.next_attempt_at
        (tried,) = operations.run_pending(plugin.deps, now=first_due)
        assert (tried.status, tried.attempts) == ("pending", 2)
        assert tried.next_attempt_at > first_due
        (tried,) = operations.run_pending(plugin.deps, now=tried.next_attempt_at)
        assert (tried.kind, tried.status, tried.attempts) == (operations.DELETE_ASSISTANT, "done", 3)
    page = openai_client.get("/assistants", cast_to=object, options={
        "headers": {"OpenAI-Beta": "assistants=v2"}, "params": {"limit": 100}})
    assert {a["id"] for a in page["data"]} == {bot["openai_id"] for bot in three}


def test_no_openai_client_refuses_the_release_and_keeps_nothing(make_app, versions_of):
    app = make_app(register_hooks=False, **CONFIG)  # no host client and no API key configured
    with app.app_context():
        session = app.extensions["ocs_assistants"].db.session
        bot = Assistant(team_id=1, name="Offline", model="gpt-4o", files=[])
        session.add(bot)
        session.commit()
        bot_id = bot.id

    with app.app_context(), pytest.raises(RemoteNotConfigured) as failure:
        app.extensions["ocs_assistants"].hook.ocs_release(assistant_ids=[bot_id], team_id=1,
                                                          release_label="x")

    assert failure.value.status == 503
    assert f"assistant {bot_id} ('Offline')" in failure.value.message
    assert versions_of(bot_id) == []
