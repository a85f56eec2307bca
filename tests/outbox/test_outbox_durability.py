"""Nothing is lost: a worker that dies mid-run, workers that run at the same time, a thread
worker stopped and started again."""
from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import sqlalchemy as sa

from ocs_assistant_plugin.outbox import queue as operations
from ocs_assistant_plugin.outbox.thread_worker import stop_worker
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
    openai_standin.latency = 0.2  # each deletion takes a moment
    try:
        with app.app_context():
            operations.dispatch(plugin.deps)  # starts the thread worker
        worker = plugin.operations_worker
        assert _eventually(lambda: openai_standin.count("DELETE") == 2)  # two in flight
        # The two in flight finish; the two claimed ahead of them never start and are given
        # back, their attempt not counted; nothing more is claimed.
        worker.stop()
        assert not worker.running
        assert openai_standin.count("DELETE") == 2
        with app.app_context():
            rows = operations.list_operations(plugin.deps)
        assert sorted((o.status, o.attempts) for o in rows) == [("done", 1)] * 2 + [
            ("pending", 0)] * 4

        with app.app_context():
            operations.dispatch(plugin.deps)  # a later start finishes the job
        assert worker.running and worker.wait_idle(30)
        with app.app_context():
            assert {o.status for o in operations.list_operations(plugin.deps)} == {"done"}
    finally:
        stop_worker(plugin.deps)
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


def _queued_deletions(make_app, concurrency: int, count: int):
    """An app whose outbox runs ``concurrency`` operations at once, with ``count`` assistant
    deletions recorded: ``(app, plugin, bots)``."""
    from plugin_host import ApiClient

    app = make_app(**{**CONFIG, "OCS_ASSISTANTS_OPERATIONS_CONCURRENCY": concurrency})
    plugin = app.extensions["ocs_assistants"]
    api = ApiClient(app)
    bots = [api.create(name=f"Bot {i}") for i in range(count)]
    with app.app_context():
        for bot in bots:
            operations.enqueue(plugin.deps, operations.DELETE_ASSISTANT, bot["openai_id"], team_id=1)
        plugin.db.session.commit()
    return app, plugin, bots


def _peak_deletes_in_flight(standin) -> int:
    """The most DELETEs the stand-in held unanswered at once (read from its request log's event
    order, not from a clock)."""
    events = sorted([(r.started, 1) for r in standin.requests if r.method == "DELETE"]
                    + [(r.finished, -1) for r in standin.requests
                       if r.method == "DELETE" and r.finished is not None])
    in_flight = peak = 0
    for _, step in events:
        in_flight += step
        peak = max(peak, in_flight)
    return peak


def test_at_most_the_configured_number_of_operations_run_at_once(make_app, openai_standin):
    app, plugin, _ = _queued_deletions(make_app, concurrency=3, count=7)
    openai_standin.latency = 0.15  # answers slow enough for the pool to fill up
    openai_standin.reset_counts()

    with app.app_context():
        tried = operations.run_pending(plugin.deps)

    assert [o.status for o in tried] == ["done"] * 7
    assert _peak_deletes_in_flight(openai_standin) == 3


def test_a_slow_deletion_does_not_hold_up_the_others(make_app, openai_standin):
    """The pool takes the next operation the moment a slot is free (claimed ahead while the
    others run), not once a whole batch has come back."""
    app, plugin, bots = _queued_deletions(make_app, concurrency=2, count=8)
    slow, others = bots[0]["openai_id"], [bot["openai_id"] for bot in bots[1:]]
    # The first deletion gets no answer until the fault is cleared below.
    openai_standin.inject_fault(kind="timeout", hold=60, times=1, method="DELETE",
                                path_prefix=f"/v1/assistants/{slow}")
    openai_standin.reset_counts()
    tried = []
    runner = threading.Thread(target=lambda: tried.extend(_run_pending(app, plugin)))
    runner.start()
    try:
        # Every other deletion is carried out through the one free slot meanwhile ...
        assert _eventually(lambda: all(deletes(openai_standin, t) == [200] for t in others),
                           timeout=30)
        # ... while the slow one is still waiting for its answer (the client has not given up
        # on it: its outcome is not recorded).
        (held,) = [r for r in openai_standin.requests if r.path.endswith("/" + slow)]
        assert held.finished is None
        with app.app_context():
            assert operations.get_operation(plugin.deps, 1).status == "running"
            plugin.db.session.remove()
    finally:
        openai_standin.clear_faults()  # the held request is dropped: tried again later
        runner.join(60)
    assert not runner.is_alive()
    assert dict(tried) == {i: "done" for i in range(2, 9)} | {1: "pending"}
    assert deletes(openai_standin, slow) == [0]
    assert _peak_deletes_in_flight(openai_standin) <= 2


def _run_pending(app, plugin) -> list[tuple[int, str]]:
    with app.app_context():
        done = [(o.id, o.status) for o in operations.run_pending(plugin.deps)]
        plugin.db.session.remove()
    return done
