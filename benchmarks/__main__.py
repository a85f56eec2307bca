"""``python -m benchmarks [--latency S] [--out DIR] [--quick] [--only NAME ...]`` (``make bench``).

Drives the plugin through its public surface (the JSON API, the hooks, the CLI) against the
bundled OpenAI stand-in, which runs in a process of its own (:mod:`.standin_process`) with
``latency`` seconds added to every request. Open Chat Studio's way of doing the same job is
replayed against the same stand-in in the same run (:mod:`.replay`), never computed.

For each scenario: requests sent, sequential round trips (from the stand-in's log: the longest
chain of requests each sent after the one before it was answered), wall time, peak memory (how
far this process's resident memory grew during it), and the speed-up over the replay. Writes
``DIR/results.json`` and ``DIR/results.md`` and prints the table and the goals.
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import openai
import sqlalchemy as sa
from flask import Flask, has_request_context, request
from flask_sqlalchemy import SQLAlchemy

from ocs_assistant_plugin import AssistantPlugin, hookimpl
from ocs_assistant_plugin.models import Assistant
from ocs_assistant_plugin.outbox import queue as operations
from ocs_assistant_plugin.outbox.thread_worker import WORKER_PASS

from . import replay
from .standin_process import StandInProcess

BETA = {"headers": {"OpenAI-Beta": "assistants=v2"}}
TEAM_HEADER = "X-Team-Id"
AUDIT_TEAM = 2


@dataclass(frozen=True)
class Sizes:
    sync_files: tuple[int, ...] = (0, 100, 1000, 5000)
    release_files: int = 1000
    archive_files: int = 1000
    vetting_versions: tuple[int, ...] = (1, 10, 50)
    audit_assistants: int = 100
    audit_files: int = 50
    audit_unrelated: int = 15000
    audit_concurrency: int = 4
    # The import replayed: its one-at-a-time calls at the largest sync size would take minutes.
    replayed_import_files: int = 500


QUICK = Sizes(sync_files=(0, 3), release_files=3, archive_files=4, vetting_versions=(1, 3),
              audit_assistants=3, audit_files=2, audit_unrelated=20, replayed_import_files=2)


# -- the host ------------------------------------------------------------------------------------

class BenchHost:
    """Team from the ``X-Team-Id`` header (1 by default); one OpenAI client for every team."""

    def __init__(self, client):
        self.client = client

    @hookimpl
    def ocs_current_team_id(self):
        return int(request.headers.get(TEAM_HEADER, 1)) if has_request_context() else None

    @hookimpl
    def ocs_openai_client(self, team_id):
        return self.client


class CountingProvider:
    """A reference provider that runs one SQL query per call and finds nothing, so the vetting
    figures show how often the plugin asks providers."""

    kind, section, label = "bench", "Bench objects", "Bench object"

    def __init__(self, db):
        self.db = db

    def find_references(self, assistant_ids, team_id):
        self.db.session.execute(sa.select(sa.func.count()).select_from(Assistant)
                                .where(Assistant.id.in_(list(assistant_ids))))
        return []

    def archive(self, reference):
        return None

    @hookimpl
    def ocs_reference_providers(self):
        return [self]


def make_app(db_path: Path, client) -> Flask:
    app = Flask("bench_host")
    app.config.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{db_path}", SECRET_KEY="bench",
                      OCS_ASSISTANTS_ALLOW_ALL=True, OCS_ASSISTANTS_CSRF_ENABLED=False,
                      OCS_ASSISTANTS_TASK_BACKEND="eager",
                      # The measurements replay Open Chat Studio's calls on remote assistants.
                      OCS_ASSISTANTS_BACKEND="assistants",
                      OCS_ASSISTANTS_REUSE_UNCHANGED_VERSIONS=False)
    db = SQLAlchemy()
    db.init_app(app)
    AssistantPlugin(app, db)
    plugin = app.extensions["ocs_assistants"]
    plugin.register(BenchHost(client), name="bench_host")
    plugin.register(CountingProvider(db), name="bench_provider")
    with app.app_context():
        db.create_all()
    return app


# -- measuring -----------------------------------------------------------------------------------

def round_trips(log: list[dict]) -> int:
    """The longest chain of requests in ``log`` each started after the one before it finished
    (the stand-in numbers arrivals and answers on one counter)."""
    events = sorted([(r["started"], 0, i) for i, r in enumerate(log)]
                    + [(r["finished"], 1, i) for i, r in enumerate(log)
                       if r["finished"] is not None])
    depth: dict[int, int] = {}
    longest = 0
    for _, kind, i in events:
        if kind == 0:
            depth[i] = longest + 1
        else:
            longest = max(longest, depth[i])
    return longest


class PeakMemory:
    """How far this process's resident memory grew above where it started, sampled every 5 ms
    from ``/proc/self/statm`` (cheap, unlike tracing every allocation, which would slow the
    measured code down); 0 where ``/proc`` is missing."""

    PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

    def __init__(self):
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True, name="peak-memory")

    @classmethod
    def resident(cls) -> int:
        try:
            with open("/proc/self/statm") as statm:
                return int(statm.read().split()[1]) * cls.PAGE
        except (OSError, ValueError, IndexError):
            return 0

    def _sample(self):
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self.resident() - self.start)

    def __enter__(self):
        self.start = self.resident()
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.resident() - self.start, 0)


class Bench:
    def __init__(self, standin: StandInProcess, client, app: Flask, latency: float):
        self.standin, self.client, self.app, self.latency = standin, client, app, latency
        self.http = app.test_client()
        self.prefix = app.config["OCS_ASSISTANTS_URL_PREFIX"] + "/api"
        self.plugin = app.extensions["ocs_assistants"]
        self.rows: list[dict] = []
        self.goals: list[dict] = []

    def measure(self, fn):
        """Run ``fn`` with the latency on; returns (its result, the figures).

        Garbage is collected first and what survives is frozen (``gc.freeze``), so that no
        measurement pays for scanning the objects earlier scenarios left in this process (each
        is measured as in a process of its own)."""
        gc.collect()
        gc.freeze()
        self.standin.reset_counts()
        self.standin.set_latency(self.latency)
        with PeakMemory() as memory:
            started = time.perf_counter()
            try:
                result = fn()
            finally:
                seconds = time.perf_counter() - started
                self.standin.set_latency(0)
        peak = memory.peak
        log = self.standin.requests()
        return result, {"requests": len(log), "round_trips": round_trips(log),
                        "seconds": round(seconds, 3), "peak_mib": round(peak / 2**20, 2)}

    def row(self, scenario: str, ours: dict, baseline: dict | None = None, **extra) -> dict:
        row = {"scenario": scenario, "ours": ours, "open_chat_studio_replay": baseline, **extra}
        if baseline:
            row["speedup"] = round(baseline["seconds"] / max(ours["seconds"], 1e-9), 1)
        self.rows.append(row)
        print(f"  {scenario}: {format_figures(ours)}"
              + (f" | replay {format_figures(baseline)} | x{row['speedup']}" if baseline else ""),
              file=sys.stderr, flush=True)
        return row

    def goal(self, text: str, met: bool, detail: str) -> None:
        self.goals.append({"goal": text, "met": bool(met), "measured": detail})

    # -- the API -----------------------------------------------------------------------------

    def api(self, method: str, path: str, *, team: int = 1, expect: int = 200, **kwargs):
        response = self.http.open(self.prefix + path, method=method,
                                  headers={TEAM_HEADER: str(team)}, **kwargs)
        assert response.status_code == expect, (path, response.status_code, response.get_json())
        return response.get_json()

    # -- OpenAI, made ready at no latency ------------------------------------------------------

    def store_with_files(self, file_ids: list[str]) -> str:
        store = self.client.vector_stores.create(file_ids=file_ids[:500]).id
        for start in range(500, len(file_ids), 2000):
            self.client.vector_stores.file_batches.create(store, file_ids=file_ids[start:start + 2000])
        return store

    def remote_assistant(self, name: str, file_count: int) -> tuple[str, str, list[str]]:
        """An assistant made in OpenAI whose store holds ``file_count`` new files."""
        ids = self.standin.seed_files(file_count, filename=name + "-{index:05d}.txt")
        store = self.store_with_files(ids)
        body = {"model": "gpt-4o", "name": name, "tools": [{"type": "file_search"}],
                "tool_resources": {"file_search": {"vector_store_ids": [store]}}}
        remote = self.client.post("/assistants", body=body, cast_to=object, options=BETA)
        return remote["id"], store, ids

    def import_assistant(self, remote_id: str, team: int = 1) -> dict:
        return self.api("POST", "/assistants/import", team=team, expect=201,
                        json={"openai_assistant_id": remote_id})


def format_figures(f: dict) -> str:
    return (f"{f['requests']} req, {f['round_trips']} trips, {f['seconds']:.3f} s, "
            f"{f['peak_mib']:.1f} MiB")


# -- the scenarios -------------------------------------------------------------------------------

def warm_up(bench: Bench) -> None:
    """Load what the first call of each side loads (SDK types, templates, SQL compilation)
    before anything is measured."""
    remote_id, _, ids = bench.remote_assistant("warmup", 2)
    assistant = bench.import_assistant(remote_id)
    bench.api("GET", f"/assistants/{assistant['id']}/sync")
    replay.sync_check(bench.client, remote_id)
    replay.release_clone(bench.client, "warmup", "gpt-4o", ids)
    bench.api("POST", f"/assistants/{assistant['id']}/archive", json={})


def sync_checks(bench: Bench, sizes: Sizes) -> None:
    for files in sizes.sync_files:
        print(f"sync check, F = {files}", file=sys.stderr, flush=True)
        remote_id, store, ids = bench.remote_assistant(f"sync{files}", files)
        if files == max(sizes.sync_files):
            assistant, figures = bench.measure(lambda: bench.import_assistant(remote_id))
            # Not replayed: Open Chat Studio retrieves each file one after another (see
            # replay.import_assistant), over 4 minutes at 5000 files; `imports` replays fewer.
            bench.row(f"import, {files} files (not replayed: {files + files // 20 + 1} requests "
                      "one after another)", figures)
        else:
            assistant = bench.import_assistant(remote_id)
        path = f"/assistants/{assistant['id']}/sync"
        report, ours = bench.measure(lambda: bench.api("GET", path))
        assert report["state"] == "in_sync", report
        _, baseline = bench.measure(lambda: replay.sync_check(bench.client, remote_id))
        row = bench.row(f"sync check, {files} files, in sync", ours, baseline)
        if files >= 1000:
            bench.goal(f"in-sync check at F = {files} at least 8x faster than the replay",
                       row["speedup"] >= 8, f"x{row['speedup']}")
        if files == sizes.release_files:
            release(bench, assistant, ids)
        if ids:  # drift: one file detached in OpenAI, one added there
            bench.client.vector_stores.files.delete(ids[len(ids) // 2], vector_store_id=store)
        added = bench.standin.seed_files(1, filename="added.txt")
        bench.client.vector_stores.files.create(store, file_id=added[0])
        report, ours = bench.measure(lambda: bench.api("GET", path))
        assert report["state"] == "out_of_sync" and report["files_missing_locally"], report
        _, baseline = bench.measure(lambda: replay.sync_check(bench.client, remote_id))
        bench.row(f"sync check, {files} files, drifted", ours, baseline)


def release(bench: Bench, assistant: dict, file_ids: list[str]) -> None:
    print(f"release clone, F = {len(file_ids)}", file=sys.stderr, flush=True)

    def ours():
        with bench.app.app_context():
            mapping = bench.plugin.hook.ocs_release(assistant_ids=[assistant["id"]], team_id=1,
                                                    release_label="bench")
            bench.plugin.db.session.commit()
        return mapping

    mapping, figures = bench.measure(ours)
    assert set(mapping) == {assistant["id"]}, mapping
    _, baseline = bench.measure(lambda: replay.release_clone(
        bench.client, assistant["name"], assistant["model"], file_ids))
    bench.row(f"release clone, {len(file_ids)} files", figures, baseline)


def imports(bench: Bench, sizes: Sizes) -> None:
    files = sizes.replayed_import_files
    print(f"import, {files} files", file=sys.stderr, flush=True)
    remote_id, _, _ = bench.remote_assistant("import", files)
    assistant, ours = bench.measure(lambda: bench.import_assistant(remote_id))
    assert len(assistant["files"]) == files, assistant
    names, baseline = bench.measure(lambda: replay.import_assistant(bench.client, remote_id))
    assert len(names) == files, names
    bench.row(f"import, {files} files", ours, baseline)


def archive(bench: Bench, sizes: Sizes) -> None:
    files = sizes.archive_files
    print(f"archive, {files} unshared files", file=sys.stderr, flush=True)
    remote_id, _, _ = bench.remote_assistant("archive", files)
    assistant = bench.import_assistant(remote_id)

    def ours():
        result = bench.api("POST", f"/assistants/{assistant['id']}/archive", json={})
        with bench.app.app_context():  # what the thread worker does: run until nothing is due
            while operations.run_pending(bench.plugin.deps, limit=WORKER_PASS):
                pass
        return result

    result, figures = bench.measure(ours)
    assert result["archived"] == [assistant["id"]], result
    pending = bench.api("GET", "/operations?status=pending")
    assert not (pending.get("items") if isinstance(pending, dict) else pending), pending
    replay_id, replay_store, replay_files = bench.remote_assistant("archive-replay", files)
    _, baseline = bench.measure(lambda: replay.archive(bench.client, replay_id, replay_store,
                                                       replay_files))
    row = bench.row(f"archive, {files} unshared files (deletions until the outbox is empty)",
                    figures, baseline)
    bench.goal(f"archive deletions of {files} files at least 10x faster than one at a time",
               row["speedup"] >= 10, f"x{row['speedup']}")


def vetting(bench: Bench, sizes: Sizes) -> None:
    with bench.app.app_context():
        engine = bench.app.extensions["sqlalchemy"].engine
    queries: dict[int, int] = {}
    for versions in sizes.vetting_versions:
        print(f"archive vetting, {versions} versions", file=sys.stderr, flush=True)
        assistant = bench.api("POST", "/assistants", expect=201,
                              json={"name": f"Vetted {versions}", "model": "gpt-4o"})
        with bench.app.app_context():
            for number in range(versions):
                bench.plugin.hook.ocs_release(assistant_ids=[assistant["id"]], team_id=1,
                                              release_label=f"v{number}")
                bench.plugin.db.session.commit()
        statements = []

        def count(*_args):
            statements.append(1)

        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            check, figures = bench.measure(lambda: bench.api(
                "GET", f"/assistants/{assistant['id']}/archive-check"))
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        assert len(check["versions"]) == versions, check
        queries[versions] = len(statements)
        bench.row(f"archive vetting, {versions} versions", figures, sql_queries=len(statements))
    low, high = min(queries), max(queries)
    bench.goal(f"vetting queries the same for N = {low} and N = {high}",
               queries[low] == queries[high], f"{queries[low]} and {queries[high]} queries")


def audit(bench: Bench, sizes: Sizes) -> None:
    count, files = sizes.audit_assistants, sizes.audit_files
    print(f"bulk audit, {count} assistants x {files} files", file=sys.stderr, flush=True)
    ids = bench.standin.seed_files(count * files, filename="audit-{index:06d}.txt")
    remote_ids = []
    for n in range(count):
        store = bench.store_with_files(ids[n * files:(n + 1) * files])
        body = {"model": "gpt-4o", "name": f"Audited {n}", "tools": [{"type": "file_search"}],
                "tool_resources": {"file_search": {"vector_store_ids": [store]}}}
        remote_ids.append(bench.client.post("/assistants", body=body, cast_to=object,
                                            options=BETA)["id"])
    assistants = [bench.import_assistant(r, team=AUDIT_TEAM) for r in remote_ids]
    bench.standin.seed_files(sizes.audit_unrelated)
    single = []
    for _ in range(3):
        report, figures = bench.measure(lambda: bench.api(
            "GET", f"/assistants/{assistants[0]['id']}/sync", team=AUDIT_TEAM))
        assert report["state"] == "in_sync", report
        single.append(figures)
    single_figures = sorted(single, key=lambda f: f["seconds"])[1]
    bench.row(f"sync check, {files} files, {sizes.audit_unrelated} unrelated files in the "
              "project (median of 3)", single_figures)
    concurrency = sizes.audit_concurrency
    runner = bench.app.test_cli_runner()
    result, figures = bench.measure(lambda: runner.invoke(args=[
        "assistants", "check", "--team", str(AUDIT_TEAM), "--concurrency", str(concurrency)]))
    assert result.exit_code == 0, result.output
    _, baseline = bench.measure(lambda: [replay.sync_check(bench.client, r) for r in remote_ids])
    bench.row(f"bulk audit, {count} assistants x {files} files (--concurrency {concurrency})",
              figures, baseline)
    allowed = (count / concurrency + 1) * single_figures["seconds"]
    bench.goal(f"bulk audit of {count} no slower than {count}/{concurrency} + 1 single checks",
               figures["seconds"] <= allowed,
               f"{figures['seconds']:.2f} s against {allowed:.2f} s")


#: The scenarios ``--only`` picks from, in the order a full run takes them.
SCENARIOS = {"sync": sync_checks, "import": imports, "archive": archive, "vetting": vetting,
             "audit": audit}


# -- the report ----------------------------------------------------------------------------------

def markdown(results: dict) -> str:
    lines = [f"Measured {results['date']} on {results['machine']}, "
             f"{results['latency_seconds'] * 1000:g} ms added to every request, "
             f"OCS_ASSISTANTS_REMOTE_CONCURRENCY = {results['remote_concurrency']}; "
             f"reproduce with `{results['command']}`.", "",
             "| scenario | requests | round trips | wall s | peak MiB | OCS replay: requests "
             "| round trips | wall s | speed-up |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in results["rows"]:
        ours, base = row["ours"], row.get("open_chat_studio_replay")
        name = row["scenario"] + (f" ({row['sql_queries']} SQL queries)"
                                  if "sql_queries" in row else "")
        theirs = (f"{base['requests']} | {base['round_trips']} | {base['seconds']:.2f} | "
                  f"x{row['speedup']}" if base else "— | — | — | —")
        lines.append(f"| {name} | {ours['requests']} | {ours['round_trips']} | "
                     f"{ours['seconds']:.2f} | {ours['peak_mib']:.1f} | {theirs} |")
    lines += ["", "Goals:", ""]
    lines += [f"- {'met' if g['met'] else 'NOT met'}: {g['goal']} ({g['measured']})"
              for g in results["goals"]]
    return "\n".join(lines) + "\n"


def command_line(args) -> str:
    """The command that reproduces a run with these options."""
    if not (args.quick or args.only or args.latency is not None):
        return "make bench"
    words = ["python -m benchmarks"] + (["--quick"] if args.quick else [])
    words += [f"--latency {args.latency:g}"] if args.latency is not None else []
    words += ["--only " + " ".join(args.only)] if args.only else []
    return " ".join(words)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=None,
                        help="seconds added to every request (default 0.05; --quick: 0.002)")
    parser.add_argument("--out", default="bench-results", help="where to write the results")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes, to see that every scenario runs (seconds)")
    parser.add_argument("--only", nargs="+", choices=list(SCENARIOS), metavar="NAME",
                        help="run only these scenarios (" + ", ".join(SCENARIOS) + "; "
                             "sync includes the import and the release clone)")
    args = parser.parse_args(argv)
    chosen = [SCENARIOS[name] for name in (args.only or SCENARIOS)]
    sizes = QUICK if args.quick else Sizes()
    latency = args.latency if args.latency is not None else (0.002 if args.quick else 0.05)
    started = time.perf_counter()
    with StandInProcess() as standin, tempfile.TemporaryDirectory() as tmp:
        client = openai.OpenAI(api_key=standin.api_key, base_url=standin.base_url,
                               max_retries=0, timeout=60)
        app = make_app(Path(tmp) / "bench.sqlite", client)
        bench = Bench(standin, client, app, latency)
        try:
            warm_up(bench)
            for scenario in chosen:
                scenario(bench, sizes)
        finally:
            client.close()
            with app.app_context():
                app.extensions["sqlalchemy"].engine.dispose()
    results = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
                   f"{platform.release()}, Python {platform.python_version()}",
        "latency_seconds": latency,
        "remote_concurrency": app.config["OCS_ASSISTANTS_REMOTE_CONCURRENCY"],
        "command": command_line(args),
        "total_seconds": round(time.perf_counter() - started, 1),
        "rows": bench.rows, "goals": bench.goals,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    (out / "results.md").write_text(table)
    print(table)
    print(f"written to {out / 'results.json'} and {out / 'results.md'} "
          f"in {results['total_seconds']} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
