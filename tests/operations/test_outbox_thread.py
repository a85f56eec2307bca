"""The default backend: a thread in the app process carries the deletions out after the commit."""
from __future__ import annotations

from ocs_assistant_plugin import operations
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
            assert [o.status for o in operations.list_operations(plugin)] == ["done"] * 3
    finally:
        operations.stop_worker(plugin)
    assert not worker.running
    assert not {b["openai_id"] for b in bots} & remote_assistant_ids(openai_client)
    for bot in bots:
        assert deletes(openai_standin, bot["openai_id"]) == [200]
