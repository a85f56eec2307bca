"""Crashes on the Celery backend, on PostgreSQL and Redis: a worker killed with SIGKILL in the
middle of a drain, and Redis restarted in the middle of one. Nothing is lost, and only what was
in flight at the kill is sent to OpenAI again (its 404 counts as done)."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import sqlalchemy as sa
from celery import Celery

from ocs_assistant_plugin import models
from ocs_assistant_plugin.outbox.celery_tasks import RUN_TASK
from processes import wait_for

KINDS = {"assistants": "delete_assistant", "vector_stores": "delete_vector_store",
         "files": "delete_file"}


def queue_deletions(deployment, team_id: int, paths: list[str], due_in: float = 0.0) -> None:
    """Record a deletion for each OpenAI object, as archiving does (due ``due_in`` seconds
    from now)."""
    due = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=due_in)
    now = dt.datetime.now(dt.timezone.utc)
    with deployment.engine.begin() as connection:
        connection.execute(sa.insert(models.RemoteOperation.__table__), [
            {"team_id": team_id, "kind": KINDS[path.split("/")[2]], "target": path.split("/")[3],
             "status": "pending", "attempts": 0, "next_attempt_at": due,
             "payload": {"backend": "assistants", "reason": "test"}, "created_at": now,
             "updated_at": now}
            for path in paths])


def send_run(redis_url: str) -> None:
    """What the web process sends after its commit: "look at the outbox"."""
    client = Celery("sender", broker=redis_url)
    try:
        client.send_task(RUN_TASK)
    finally:
        client.close()


def answers(standin, paths) -> dict[str, list[int]]:
    """The status of every DELETE each of ``paths`` was sent, in order."""
    wanted, seen = set(paths), defaultdict(list)
    for request in standin.requests:
        if request.method == "DELETE" and request.path in wanted:
            seen[request.path].append(request.status)
    return dict(seen)


def test_a_worker_killed_mid_drain_loses_nothing_and_only_in_flight_work_is_sent_again(
        deploy, host_database, remote_assistants, openai_standin, redis_url):
    _, paths = remote_assistants(20)  # 100 deletions
    deployment = deploy(TASK_BACKEND="celery", OPERATIONS_LEASE=4, OPERATIONS_SWEEP_INTERVAL=1,
                        OPERATIONS_CONCURRENCY=4)
    queue_deletions(deployment, host_database[1], paths)
    (first,) = deployment.celery_workers("first")
    openai_standin.latency = 0.2  # each deletion takes a while: the kill lands mid-batch
    openai_standin.reset_counts()
    send_run(redis_url)

    def mid_drain():
        counts = deployment.statuses()
        return counts.get("done", 0) >= 8 and counts.get("running", 0) > 0

    wait_for(mid_drain, 120, "the first worker to be half-way")
    first.kill()
    at_kill = deployment.operations()
    in_flight = {o["target"] for o in at_kill if o["status"] == "running"}
    assert in_flight and Counter(o["status"] for o in at_kill)["pending"] > 0
    assert all(o["claimed_by"].startswith("first@") for o in at_kill if o["status"] == "running")

    openai_standin.latency = 0
    deployment.celery_workers("second")
    deployment.celery_beat()  # the sweep retakes what the dead worker held once its lease ends
    operations = deployment.wait_until_done(len(paths))

    sent = answers(openai_standin, paths)
    assert set(sent) == set(paths)  # nothing lost
    for path, statuses in sent.items():
        if path.split("/")[3] in in_flight:
            assert statuses in ([200], [200, 404], [404]), (path, statuses)
        else:
            assert statuses == [200], (path, statuses)  # never sent twice
    retaken = [o for o in operations if o["target"] in in_flight]
    assert all(o["claimed_by"].startswith("second@") and o["attempts"] == 2 for o in retaken)


def test_a_redis_restart_mid_drain_loses_nothing_the_sweep_sends_again(
        deploy, host_database, remote_assistants, openai_standin, redis_server, redis_url):
    _, paths = remote_assistants(12)  # 60 deletions
    now_due, later = paths[:30], paths[30:]
    deployment = deploy(TASK_BACKEND="celery", OPERATIONS_SWEEP_INTERVAL=1,
                        OPERATIONS_CONCURRENCY=2)
    queue_deletions(deployment, host_database[1], now_due)
    # Due a little later, like retries after a backoff: only a sweep sends for them.
    queue_deletions(deployment, host_database[1], later, due_in=8)
    (worker,) = deployment.celery_workers("worker")
    deployment.celery_beat()
    openai_standin.latency = 0.1
    openai_standin.reset_counts()
    send_run(redis_url)

    wait_for(lambda: deployment.statuses().get("done", 0) >= 6, 120, "the drain to start")
    redis_server.restart()  # every message waiting in Redis is gone
    assert deployment.statuses().get("pending", 0) > 0

    deployment.wait_until_done(len(paths))
    assert answers(openai_standin, paths) == {path: [200] for path in paths}
    assert worker.alive()
