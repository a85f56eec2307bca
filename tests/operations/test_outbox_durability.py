"""Nothing is lost: a worker that dies mid-run, workers that run at the same time, a thread
worker stopped and started again."""
from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import sqlalchemy as sa

from ocs_assistant_plugin.outbox import queue as operations
from ocs_assistant_plugin.models import RemoteOperation, utcnow
from outbox_helpers import CONFIG, deletes, targets_of
from plugin_host import POSTGRESQL_ONLY

LEASE = dt.timedelta(seconds=300)


@pytest.fixture
def recorded(app, plugin, make_bot):
    """Three archived-to-be bots whose deletions are recorded but not yet run (as if the app
    died right after the commit): ``[targets]``."""
    bots = [make_bot(f"Bot {i}") for i in range(3)]
    with app.app_context():
        for bot in bots:
            for kind, target in zip(operations.KINDS, targets_of(bot)):
                operations.enqueue(plugin.deps, kind, target, team_id=1,
                                   payload={"backend": "assistants"})
        plugin.db.session.commit()
    return [t for bot in bots for t in targets_of(bot)]


def test_a_worker_that_died_after_claiming_loses_nothing(app, plugin, recorded, run, ops,
                                                         openai_standin):
    start = utcnow()
    with app.app_context():
        claimed = operations.claim_due(plugin.deps, now=start, limit=4)
    assert len(claimed) == 4  # ... and the worker dies here, before OpenAI is asked
    assert [o["status"] for o in ops()].count("running") == 4

    assert len(run(now=start + dt.timedelta(seconds=1))) == 5  # the 5 unclaimed ones
    assert [o["status"] for o in ops()].count("running") == 4  # still leased

    retaken = run(now=start + LEASE)  # the lease is over: back to pending, then done
    assert sorted(i for i, _ in retaken) == sorted(c.id for c in claimed)
    assert {o["status"] for o in ops()} == {"done"}
    assert sorted(o["attempts"] for o in ops()) == [1] * 5 + [2] * 4
    assert {o["last_error"] for o in ops()} == {None}
    for target in recorded:
        assert deletes(openai_standin, target) == [200]


def test_a_late_result_of_a_retaken_operation_is_not_recorded(app, plugin, recorded, ops):
    start = utcnow()
    with app.app_context():
        (first,) = operations.claim_due(plugin.deps, now=start, limit=1)
        operations.requeue_stale(plugin.deps, now=start + LEASE)
        (second,) = operations.claim_due(plugin.deps, now=start + LEASE, ids=[first.id])
        assert second.id == first.id and second.attempts == first.attempts + 1
        # the first worker comes back and reports a failure: the newer claim owns the row
        operations._record(plugin.deps, [operations.Outcome(first, "late failure")], start,
                           plugin.settings.outbox)
    (row,) = [o for o in ops() if o["id"] == first.id]
    assert (row["status"], row["attempts"], row["last_error"]) == (
        "running", 2, "The worker stopped before OpenAI answered (attempt interrupted).")


def test_run_now_leaves_an_operation_a_worker_claimed_to_that_worker(app, plugin, recorded, ops,
                                                                   openai_standin):
    with app.app_context():
        (claimed,) = operations.claim_due(plugin.deps, limit=1)  # a worker is carrying it out
        others = [o["id"] for o in ops() if o["id"] != claimed.id][:2]
        tried = operations.run_now(plugin.deps, [claimed.id, *others])
        assert sorted((o.id, o.status) for o in tried) == [(i, "done") for i in sorted(others)]
    assert deletes(openai_standin, claimed.target) == []  # no second DELETE: the worker's job
    (row,) = [o for o in ops() if o["id"] == claimed.id]
    assert (row["status"], row["attempts"]) == ("running", 1)


def test_two_workers_at_once_delete_each_target_once(app, plugin, recorded, ops, openai_standin):
    openai_standin.latency = 0.05
    start = threading.Barrier(2)
    errors = []

    def worker():
        try:
            with app.app_context():
                start.wait()
                operations.run_pending(plugin.deps)
                plugin.db.session.remove()
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        operations.run_pending(plugin.deps)  # whatever a busy SQLite made one worker leave
    assert {o["status"] for o in ops()} == {"done"}
    for target in recorded:
        assert deletes(openai_standin, target) == [200]


@pytest.mark.parametrize("database_url", [POSTGRESQL_ONLY], indirect=True)  # SKIP LOCKED
def test_postgresql_workers_skip_rows_another_worker_holds(app, plugin, recorded, ops):
    with app.app_context():
        engine = plugin.db.engine
        with engine.connect() as other:  # another worker, in the middle of its claim
            held = other.execute(sa.select(RemoteOperation.id).order_by(RemoteOperation.id)
                                 .limit(2).with_for_update()).scalars().all()
            claimed = operations.claim_due(plugin.deps, limit=100)
            other.rollback()
    assert sorted(c.id for c in claimed) == sorted(set(o["id"] for o in ops()) - set(held))


def test_a_thread_worker_stopped_mid_run_then_restarted_loses_nothing(make_app, openai_standin):
    from plugin_host import ApiClient

    app = make_app(**{**CONFIG, "OCS_ASSISTANTS_TASK_BACKEND": "thread",
                      "OCS_ASSISTANTS_OPERATIONS_CONCURRENCY": 2})
    plugin = app.extensions["ocs_assistants"]
    api = ApiClient(app)
    bots = [api.create(name=f"Bot {i}") for i in range(6)]  # one remote assistant each
    with app.app_context():
        for bot in bots:
            operations.enqueue(plugin.deps, operations.DELETE_ASSISTANT, bot["openai_id"], team_id=1)
        plugin.db.session.commit()
    openai_standin.latency = 0.2  # each batch of 2 takes a moment
    try:
        with app.app_context():
            operations.dispatch(plugin.deps)  # starts the thread worker
        worker = plugin.operations_worker
        assert _eventually(lambda: openai_standin.count("DELETE") > 0)  # first batch in flight
        worker.stop()  # the batch in flight finishes; no new one starts
        assert not worker.running
        with app.app_context():
            statuses = [o.status for o in operations.list_operations(plugin.deps)]
        assert set(statuses) == {"pending", "done"} and statuses.count("done") == 2

        with app.app_context():
            operations.dispatch(plugin.deps)  # a later start finishes the job
        assert worker.running and worker.wait_idle(30)
        with app.app_context():
            assert {o.status for o in operations.list_operations(plugin.deps)} == {"done"}
    finally:
        operations.stop_worker(plugin.deps)
    for bot in bots:
        assert deletes(openai_standin, bot["openai_id"]) == [200]


def _eventually(condition, timeout=10.0) -> bool:
    """Poll ``condition`` until it holds (a background thread is doing the work)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_at_most_the_configured_number_of_operations_run_at_once(make_app, openai_standin):
    from plugin_host import ApiClient

    app = make_app(**{**CONFIG, "OCS_ASSISTANTS_OPERATIONS_CONCURRENCY": 3})
    plugin = app.extensions["ocs_assistants"]
    api = ApiClient(app)
    bots = [api.create(name=f"Bot {i}") for i in range(7)]
    with app.app_context():
        for bot in bots:
            operations.enqueue(plugin.deps, operations.DELETE_ASSISTANT, bot["openai_id"], team_id=1)
        plugin.db.session.commit()
    openai_standin.latency = 0.15
    in_flight, running = [], threading.Event()

    def watch():  # how many DELETEs the stand-in holds unanswered at each moment
        while running.is_set():
            in_flight.append(sum(1 for r in openai_standin.requests
                                 if r.method == "DELETE" and r.status is None))
            time.sleep(0.005)

    watcher = threading.Thread(target=watch)
    running.set()
    watcher.start()
    try:
        with app.app_context():
            tried = operations.run_pending(plugin.deps)
    finally:
        running.clear()
        watcher.join()
    assert [o.status for o in tried] == ["done"] * 7
    assert max(in_flight) == 3
