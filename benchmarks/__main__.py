"""``python -m benchmarks [--latency S] [--out DIR]``: writes ``bench-results/results.json``.

Each figure drives the plugin through its public surface (JSON API and hooks) against the bundled
stand-in with ``latency`` seconds added to every request, so that ``seconds / latency`` is roughly
the number of sequential round trips. The Open Chat Studio figures are its documented call
patterns under the same latency: the sync check makes ``2 + ceil(F/20)`` sequential calls and a
release clone ``2 + ceil((F - 100)/500)``.
"""
from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openai
from flask import Flask, has_request_context, request
from flask_sqlalchemy import SQLAlchemy

from ocs_assistant_plugin import AssistantPlugin, hookimpl
from ocs_assistant_plugin.testing import OpenAIStandIn

TEAM = 1


class BenchHost:
    def __init__(self, client):
        self.client = client

    @hookimpl
    def ocs_current_team_id(self):
        return TEAM if has_request_context() and request else None

    @hookimpl
    def ocs_openai_client(self, team_id):
        return self.client


def make_app(db_path: Path, client) -> Flask:
    app = Flask("bench_host")
    app.config.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{db_path}", SECRET_KEY="bench",
                      OCS_ASSISTANTS_ALLOW_ALL=True, OCS_ASSISTANTS_CSRF_ENABLED=False,
                      OCS_ASSISTANTS_TASK_BACKEND="eager")
    db = SQLAlchemy()
    db.init_app(app)
    AssistantPlugin(app, db)
    app.extensions["ocs_assistants"].register(BenchHost(client), name="bench_host")
    with app.app_context():
        db.create_all()
    return app


def upload_files(client, count: int) -> list[str]:
    def one(i):
        return client.files.create(file=(f"doc-{i:05d}.txt", b"benchmark file %d" % i),
                                   purpose="assistants").id
    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(one, range(count)))


def remote_assistant_with_files(client, file_ids: list[str]) -> str:
    body = {"model": "gpt-4o", "name": f"Bench {len(file_ids)}", "tools": [{"type": "file_search"}],
            "tool_resources": {"file_search": {"vector_stores": [{"file_ids": file_ids}]}}}
    return client.post("/assistants", body=body, cast_to=object,
                       options={"headers": {"OpenAI-Beta": "assistants=v2"}})["id"]


def measure(standin, latency, fn):
    standin.reset_counts()
    standin.latency = latency
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    standin.latency = 0
    return result, {"requests": standin.count(), "seconds": round(seconds, 4),
                    "sequential_round_trips": round(seconds / latency, 1) if latency else None}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds added per request")
    parser.add_argument("--out", default="bench-results")
    parser.add_argument("--sizes", default="0,100,1000", help="file counts, comma separated")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {"latency_seconds": args.latency, "python": platform.python_version(),
               "sync_check": [], "release_clone": [], "import": []}
    with OpenAIStandIn() as standin, tempfile.TemporaryDirectory() as tmp:
        client = openai.OpenAI(api_key=standin.api_key, base_url=standin.base_url, max_retries=0)
        app = make_app(Path(tmp) / "bench.sqlite", client)
        api = app.test_client()
        prefix = app.config["OCS_ASSISTANTS_URL_PREFIX"] + "/api"
        hook = app.extensions["ocs_assistants"].hook
        for size in sizes:
            print(f"F = {size}: preparing", file=sys.stderr)
            remote_id = remote_assistant_with_files(client, upload_files(client, size))
            imported, figures = measure(standin, args.latency, lambda: api.post(
                f"{prefix}/assistants/import", json={"openai_assistant_id": remote_id}))
            assert imported.status_code == 201, imported.get_json()
            assistant_id = imported.get_json()["id"]
            results["import"].append({"files": size, **figures})

            with app.app_context():
                report, figures = measure(standin, args.latency, lambda: hook.ocs_assistant_edit_opened(
                    assistant_id=assistant_id, team_id=TEAM))
            assert report["state"] == "in_sync", report
            ocs_calls = 2 + math.ceil(size / 20)
            results["sync_check"].append({
                "files": size, **figures, "bound_requests": math.ceil(size / 100) + 2,
                "open_chat_studio": {"requests": ocs_calls, "seconds": round(ocs_calls * args.latency, 4)},
            })

            with app.app_context():
                mapping, figures = measure(standin, args.latency, lambda: hook.ocs_release(
                    assistant_ids=[assistant_id], team_id=TEAM, release_label=f"bench-{size}"))
            assert set(mapping) == {assistant_id}, mapping
            ocs_calls = 2 + max(0, math.ceil((size - 100) / 500))
            results["release_clone"].append({
                "files": size, **figures,
                "open_chat_studio": {"requests": ocs_calls, "seconds": round(ocs_calls * args.latency, 4)},
            })
            print(f"F = {size}: import {results['import'][-1]['requests']} req, sync "
                  f"{results['sync_check'][-1]['requests']} req, release "
                  f"{results['release_clone'][-1]['requests']} req", file=sys.stderr)
        client.close()
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    print(f"written to {out / 'results.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
