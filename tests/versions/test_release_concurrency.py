"""Two releases of the same assistant at the same moment (each thread with its own app context,
so its own session and connection): distinct version numbers, or one shared reused version."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from plugin_host import ApiClient, fire, remote_assistant
from version_helpers import CONFIG


def _release_together(app, assistant_id: int, labels: list[str]) -> list[dict]:
    barrier = threading.Barrier(len(labels))

    def run(label):
        barrier.wait()
        return fire(app, "ocs_release", assistant_ids=[assistant_id], team_id=1,
                    release_label=label)

    with ThreadPoolExecutor(max_workers=len(labels)) as pool:
        return list(pool.map(run, labels))


def test_concurrent_releases_get_distinct_version_numbers(make_app, openai_client,
                                                          openai_standin):
    app = make_app(OCS_ASSISTANTS_REUSE_UNCHANGED_VERSIONS=False, **CONFIG)
    api = ApiClient(app)
    bot = api.create(name="Bot", builtin_tools=["file_search"])
    openai_standin.latency = 0.05  # keep each clone in flight while the others arrive
    openai_standin.reset_counts()

    results = _release_together(app, bot["id"], ["a", "b", "c"])

    versions = [api.get(f"/assistants/{r[bot['id']]}").get_json() for r in results]
    assert sorted(v["version_number"] for v in versions) == [1, 2, 3]
    assert sorted(v["release_label"] for v in versions) == ["a", "b", "c"]
    assert openai_standin.count("POST", "/v1/assistants") == 3
    for version in versions:
        assert version["name"] == f"Bot v{version['version_number']}"
        assert remote_assistant(openai_client, version["openai_id"])["name"] == version["name"]
    assert len({v["vector_store_id"] for v in versions}) == 3


def test_concurrent_releases_of_an_unchanged_assistant_share_one_version(make_app,
                                                                         openai_standin):
    app = make_app(**CONFIG)
    api = ApiClient(app)
    bot = api.create(name="Bot")
    openai_standin.latency = 0.05
    openai_standin.reset_counts()

    results = _release_together(app, bot["id"], ["a", "b"])

    assert results[0] == results[1]
    assert openai_standin.count("POST", "/v1/assistants") == 1
    assert api.get(f"/assistants/{bot['id']}").get_json()["versions"] == [results[0][bot["id"]]]
