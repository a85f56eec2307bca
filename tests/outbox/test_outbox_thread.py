"""The default backend: a thread in the app process carries the deletions out after the commit."""
from __future__ import annotations

from ocs_assistant_plugin.outbox import queue as operations
from ocs_assistant_plugin.outbox.thread_worker import stop_worker
from outbox_helpers import CONFIG, deletes
from plugin_host import ApiClient, remote_assistant_ids


def test_the_thread_worker_deletes_in_the_background_after_an_archive(make_app, openai_client,
                                                                      openai_standin):
    app = make_app(**{**CONFIG, "OCS_ASSISTANTS_TASK_BACKEND": "thread"})
    plugin = app.extensions["ocs_assistants"]
    api = ApiClient(app)
    bots = [api.create(name=f"Bot {i}") for i in range(3)]
    assert plugin.operations_worker is None  # started only when there is something to do
    try:
        for bot in bots:
            assert api.post(f"/assistants/{bot['id']}/archive").status_code == 200
        worker = plugin.operations_worker
        assert worker is not None and worker.running
        assert worker.wait_idle(30)
        with app.app_context():
            assert [o.status for o in operations.list_operations(plugin.deps)] == ["done"] * 3
    finally:
        stop_worker(plugin.deps)
    assert not worker.running
    assert not {b["openai_id"] for b in bots} & remote_assistant_ids(openai_client)
    for bot in bots:
        assert deletes(openai_standin, bot["openai_id"]) == [200]


def test_resume_at_start_up_finishes_what_a_dead_process_left(make_app, openai_standin):
    config = {**CONFIG, "OCS_ASSISTANTS_TASK_BACKEND": "thread"}
    before = make_app(**config)  # the process that recorded the deletions, then died
    api = ApiClient(before)
    bots = [api.create(name=f"Bot {i}") for i in range(2)]
    with before.app_context():
        plugin = before.extensions["ocs_assistants"]
        for bot in bots:
            operations.enqueue(plugin.deps, operations.DELETE_ASSISTANT, bot["openai_id"], team_id=1)
        plugin.db.session.commit()

    after = make_app(**config)  # the restarted process, on the same database
    plugin = after.extensions["ocs_assistants"]
    try:
        with after.app_context():
            assert operations.resume(plugin.deps) == 2
        assert plugin.operations_worker.wait_idle(30)
        with after.app_context():
            assert [o.status for o in operations.list_operations(plugin.deps)] == ["done"] * 2
            assert operations.resume(plugin.deps) == 0
    finally:
        stop_worker(plugin.deps)
    for bot in bots:
        assert deletes(openai_standin, bot["openai_id"]) == [200]


def test_resume_with_nothing_left_starts_no_worker(make_app):
    app = make_app(**{**CONFIG, "OCS_ASSISTANTS_TASK_BACKEND": "thread"})
    plugin = app.extensions["ocs_assistants"]
    with app.app_context():
        assert operations.resume(plugin.deps) == 0
    assert plugin.operations_worker is None
