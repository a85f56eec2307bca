"""The outbox retries with backoff until OpenAI confirms, and deletes every target exactly once."""
from __future__ import annotations

import datetime as dt

import pytest

from ocs_assistant_plugin.outbox import queue as operations
from ocs_assistant_plugin.errors import Conflict
from ocs_assistant_plugin.models import utcnow
from outbox_helpers import deletes, targets_of
from plugin_host import remote_assistant_ids, remote_file_ids, remote_store_ids

SECOND = dt.timedelta(seconds=1)


def archive(api, bot):
    response = api.post(f"/assistants/{bot['id']}/archive")
    assert response.status_code == 200, response.get_json()


def run_until_done(run, ops, rounds=20):
    """Run the outbox at each next due time until nothing is pending (no real waiting)."""
    for _ in range(rounds):
        pending = [o for o in ops() if o["status"] == "pending"]
        if not pending:
            return
        run(now=max(o["next_attempt_at"] for o in pending))
    raise AssertionError(f"still pending after {rounds} rounds: {ops()}")


def test_429_with_retry_after_waits_what_openai_asked(api, make_bot, run, ops, openai_standin,
                                                      openai_client):
    bot = make_bot()
    openai_standin.inject_fault(status=429, retry_after=1, times=3, method="DELETE")
    before = utcnow()

    archive(api, bot)  # the eager run meets the 429s

    after = utcnow()
    first = ops()
    assert [(o["target"], o["status"], o["attempts"]) for o in first] == [
        (t, "pending", 1) for t in targets_of(bot)]
    assert all("429" in o["last_error"] for o in first)
    assert all(before + SECOND <= o["next_attempt_at"] <= after + SECOND for o in first)
    due = max(o["next_attempt_at"] for o in first)

    assert run(now=due - SECOND / 2) == []  # not yet due: nothing is tried
    assert sorted(status for _, status in run(now=due)) == ["done"] * 3

    assert [(o["status"], o["attempts"], o["last_error"]) for o in ops()] == [("done", 2, None)] * 3
    for target in targets_of(bot):
        assert deletes(openai_standin, target) == [429, 200]
    assert bot["openai_id"] not in remote_assistant_ids(openai_client)
    assert bot["vector_store_id"] not in remote_store_ids(openai_client)
    assert bot["files"][0]["openai_id"] not in remote_file_ids(openai_client)


def test_500s_back_off_exponentially_then_succeed(api, make_bot, run, ops, openai_standin):
    bot = make_bot()
    file_id = bot["files"][0]["openai_id"]
    openai_standin.inject_fault(status=500, times=3, method="DELETE", path_prefix="/v1/files")
    archive(api, bot)
    (op,) = ops(kind="delete_file")
    assert (op["status"], op["attempts"]) == ("pending", 1)

    at = op["next_attempt_at"]
    delays = []
    for _ in range(3):
        run(now=at)
        (op,) = ops(kind="delete_file")
        if op["status"] == "done":
            break
        delays.append(op["next_attempt_at"] - at)
        at = op["next_attempt_at"]

    assert delays == [2 * SECOND, 4 * SECOND]  # after attempts 2 and 3 (attempt 1 waited 1 s)
    assert (op["status"], op["attempts"]) == ("done", 4)
    assert deletes(openai_standin, file_id) == [500, 500, 500, 200]


def test_connection_resets_are_retried(api, make_bot, run, ops, openai_standin):
    bot = make_bot()
    openai_standin.inject_fault(kind="reset", times=2, method="DELETE",
                                path_prefix="/v1/vector_stores")
    archive(api, bot)
    run_until_done(run, ops)
    assert deletes(openai_standin, bot["vector_store_id"]) == [0, 0, 200]
    assert all(o["status"] == "done" for o in ops())


def test_every_deletion_is_done_exactly_once_under_mixed_faults(api, make_bot, run, ops,
                                                                openai_standin, openai_client):
    bots = [make_bot(f"Bot {i}") for i in range(6)]
    openai_standin.inject_fault(status=429, retry_after=2, times=4, method="DELETE",
                                path_prefix="/v1/assistants")
    openai_standin.inject_fault(status=503, times=5, method="DELETE", path_prefix="/v1/files")
    openai_standin.inject_fault(kind="reset", times=3, method="DELETE",
                                path_prefix="/v1/vector_stores", after=1)
    openai_standin.inject_fault(status=500, times=2, method="DELETE", after=7)
    for bot in bots:
        archive(api, bot)

    run_until_done(run, ops)

    everything = [t for bot in bots for t in targets_of(bot)]
    assert sorted(o["target"] for o in ops()) == sorted(everything)
    assert {o["status"] for o in ops()} == {"done"}
    for target in everything:
        answers = deletes(openai_standin, target)
        assert answers[-1] == 200 and answers.count(200) == 1, (target, answers)
        assert set(answers[:-1]) <= {0, 429, 500, 503}
    assert openai_standin.count("DELETE") == sum(o["attempts"] for o in ops())
    assert not {b["openai_id"] for b in bots} & remote_assistant_ids(openai_client)
    assert not {b["vector_store_id"] for b in bots} & remote_store_ids(openai_client)


def test_openai_404_counts_as_done(api, make_bot, ops, openai_standin, openai_client):
    bot = make_bot()
    openai_client.vector_stores.delete(bot["vector_store_id"])  # deleted by someone else
    archive(api, bot)
    assert deletes(openai_standin, bot["vector_store_id"]) == [200, 404]
    assert {o["status"] for o in ops()} == {"done"}


def test_after_the_last_attempt_an_operation_fails_until_retried(make_app, openai_standin, run):
    from outbox_helpers import CONFIG
    from plugin_host import ApiClient

    app = make_app(**{**CONFIG, "OCS_ASSISTANTS_OPERATIONS_MAX_ATTEMPTS": 2})
    api = ApiClient(app)
    bot = api.create(name="Doomed")
    openai_standin.inject_fault(status=500, times=None, method="DELETE")
    archive(api, bot)
    plugin = app.extensions["ocs_assistants"]

    with app.app_context():
        (op,) = operations.list_operations(plugin.deps)
        tried = operations.run_pending(plugin.deps, now=op.next_attempt_at)
        assert [(o.status, o.attempts) for o in tried] == [("failed", 2)]
        assert "500" in tried[0].last_error
        assert operations.run_pending(plugin.deps, now=utcnow() + dt.timedelta(days=1)) == []

        openai_standin.clear_faults()
        (again,) = operations.retry(plugin.deps)
        assert (again.status, again.attempts) == ("pending", 0)
        (done,) = operations.run_pending(plugin.deps)
        assert (done.status, done.attempts, done.last_error) == ("done", 1, None)
    assert deletes(openai_standin, bot["openai_id"]) == [500, 500, 200]


def test_retry_refuses_a_done_operation(api, make_bot, app, plugin):
    archive(api, make_bot())
    with app.app_context():
        first = operations.list_operations(plugin.deps)[0]
        with pytest.raises(Conflict) as refused:
            operations.retry(plugin.deps, [first.id])
    assert f"operation {first.id} is done" in refused.value.message


def test_backoff_never_exceeds_the_maximum():
    assert operations.retry_delay(1) == dt.timedelta(seconds=30)
    assert operations.retry_delay(4) == dt.timedelta(seconds=240)
    assert operations.retry_delay(50) == dt.timedelta(hours=1)
    assert operations.retry_delay(3, retry_after=7.5) == dt.timedelta(seconds=7.5)
    assert operations.retry_delay(3, retry_after=86400) == dt.timedelta(hours=1)


@pytest.mark.parametrize("headers, expected", [
    ({"retry-after": "7"}, 7.0),
    ({"retry-after-ms": "1500"}, 1.5),
    ({"retry-after": "Wed, 01 Jan 2031 00:00:30 GMT"}, 30.0),
    ({"retry-after": "soon"}, None),
    ({}, None)])
def test_retry_after_is_read_from_the_sdk_errors_response(headers, expected):
    import httpx2
    import openai

    from ocs_assistant_plugin.remote.translate import translate

    request = httpx2.Request("DELETE", "https://api.example/v1/files/file-1")
    response = httpx2.Response(429, headers=headers, request=request)
    sdk_error = openai.RateLimitError("rate limited", response=response, body=None)
    now = dt.datetime(2031, 1, 1, tzinfo=dt.timezone.utc)
    assert translate(sdk_error, "deleting a file", now=now).retry_after == expected
