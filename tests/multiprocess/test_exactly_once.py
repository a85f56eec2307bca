"""Exactly once under concurrency, on PostgreSQL: deletions queued through several gunicorn
processes of the example host and drained by several workers at the same time (Celery workers
on Redis, or the thread workers inside the gunicorn processes). Each OpenAI object is deleted
exactly once (counted at the stand-in) and every operation ends ``done``."""
from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from processes import FILES, PASSWORD, USERNAME, sign_in

#: 100 assistants, each with a vector store and 3 files: 500 deletions.
ASSISTANTS = 100
DELETIONS = ASSISTANTS * (2 + FILES)
CLIENTS = 6


def archive_all(url: str, assistant_ids: list[int]) -> None:
    """Archive every assistant through the JSON API, from several clients at once (so the
    gunicorn processes all take requests)."""
    chunks = [assistant_ids[i::CLIENTS] for i in range(CLIENTS)]

    def archive(chunk):
        session = sign_in(url, USERNAME, PASSWORD)
        return [session.post_json(f"/assistants/api/assistants/{i}/archive", {})[0]
                for i in chunk]

    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = [s for chunk in pool.map(archive, chunks) for s in chunk]
    assert Counter(statuses) == {200: len(assistant_ids)}


def deletions(standin, paths) -> Counter:
    """How often each of ``paths`` was sent a DELETE, whatever the answer."""
    wanted = set(paths)
    return Counter(r.path for r in standin.requests if r.method == "DELETE" and r.path in wanted)


def test_four_celery_workers_delete_each_object_once_queued_through_two_gunicorn_processes(
        deploy, remote_assistants, openai_standin):
    ids, paths = remote_assistants(ASSISTANTS)
    deployment = deploy(TASK_BACKEND="celery")
    workers = deployment.celery_workers("worker1", "worker2", "worker3", "worker4")
    url = deployment.gunicorn(workers=2)
    openai_standin.reset_counts()

    archive_all(url, ids)
    operations = deployment.wait_until_done(DELETIONS)

    assert len(paths) == DELETIONS
    assert deletions(openai_standin, paths) == {path: 1 for path in paths}
    assert all(o["attempts"] == 1 for o in operations)
    holders = {o["claimed_by"].split("@")[0] for o in operations}
    assert holders <= {"worker1", "worker2", "worker3", "worker4"}
    assert len(holders) > 1, holders  # the work was shared
    assert all(w.alive() for w in workers)


def test_three_gunicorn_processes_thread_workers_delete_each_object_once(
        deploy, remote_assistants, openai_standin):
    ids, paths = remote_assistants(ASSISTANTS)
    deployment = deploy(TASK_BACKEND="thread", OPERATIONS_POLL_INTERVAL=1)
    url = deployment.gunicorn(workers=3)
    openai_standin.reset_counts()

    archive_all(url, ids)
    operations = deployment.wait_until_done(DELETIONS)

    assert deletions(openai_standin, paths) == {path: 1 for path in paths}
    assert all(o["attempts"] == 1 for o in operations)
    processes = {o["claimed_by"] for o in operations}
    assert all(p.endswith("(thread)") for p in processes)
    assert len(processes) > 1, processes  # several gunicorn processes drained it
