"""The two sides of the archive-versus-release race, each run in a process of its own."""
from __future__ import annotations

import openai

from ocs_assistant_plugin.errors import PluginError


def run_side(side: str, database_url: str, base_url: str, api_key: str, assistant_ids,
             barrier, results) -> None:
    """For each assistant, meet the other process at ``barrier``, then archive it (``archive``)
    or release it as a host does, in its own committed transaction (``release``). Puts
    ``(side, assistant_id, outcome)`` on ``results``."""
    from plugin_host import ApiClient, create_host_app, dispose

    client = openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=0, timeout=30)
    app = create_host_app(database_url, client, create_tables=False,
                          OCS_ASSISTANTS_TASK_BACKEND="eager", OCS_ASSISTANTS_BACKEND="assistants")
    plugin = app.extensions["ocs_assistants"]
    api = ApiClient(app)
    try:
        for assistant_id in assistant_ids:
            barrier.wait(60)
            if side == "archive":
                status = api.post(f"/assistants/{assistant_id}/archive", json={}).status_code
                results.put((side, assistant_id, ("archive", status)))
                continue
            with app.app_context():
                try:
                    mapping = plugin.hook.ocs_release(assistant_ids=[assistant_id], team_id=1,
                                                      release_label="race")
                    plugin.db.session.commit()
                    results.put((side, assistant_id, ("released", mapping[assistant_id])))
                except PluginError as error:
                    plugin.db.session.rollback()
                    results.put((side, assistant_id, ("refused", error.status)))
    finally:
        dispose(app)
        client.close()


def release_and_hang(database_url: str, base_url: str, api_key: str, assistant_id: int,
                     results) -> None:
    """Release as a host does, inside the host's transaction, report the clone's OpenAI id on
    ``results``, then hang before the host's commit, until the test kills the process."""
    import time

    from plugin_host import create_host_app

    client = openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=0, timeout=30)
    app = create_host_app(database_url, client, create_tables=False,
                          OCS_ASSISTANTS_TASK_BACKEND="eager", OCS_ASSISTANTS_BACKEND="assistants")
    plugin = app.extensions["ocs_assistants"]
    with app.app_context():
        from ocs_assistant_plugin.models import Assistant

        mapping = plugin.hook.ocs_release(assistant_ids=[assistant_id], team_id=1,
                                          release_label="never committed")
        results.put(plugin.db.session.get(Assistant, mapping[assistant_id]).openai_id)
        time.sleep(600)  # killed long before: the host never commits
