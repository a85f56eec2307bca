"""``make production``: the example host deployed as production runs it, on this machine.

Starts, each as its own process on loopback: PostgreSQL, Redis, the OpenAI stand-in (unless
``OPENAI_API_KEY`` is set: then that OpenAI, or ``OPENAI_BASE_URL``), applies the plugin's
migrations with ``flask assistants db upgrade``, seeds the demo data, then runs the host under
gunicorn (``WEB_PROCESSES``, 2), Celery workers (``CELERY_WORKERS``, 2) and Celery beat. Prints
the URL and how to stop; Ctrl-C (or SIGTERM) stops everything it started, and the databases,
which live in temporary folders, go with it.

Environment: ``PORT`` (8000), ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ``WEB_PROCESSES``,
``CELERY_WORKERS``, ``DEMO_PASSWORD``, and any ``OCS_ASSISTANTS_*`` setting.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the loopback PostgreSQL and Redis starters

from postgres_server import PostgresServer  # noqa: E402
from redis_server import RedisServer, _free_port  # noqa: E402


class Stack:
    def __init__(self):
        self.logs = Path(tempfile.mkdtemp(prefix="ocs-production-"))
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.postgres: PostgresServer | None = None
        self.redis: RedisServer | None = None

    def spawn(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "ab")
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        log.close()
        self.processes.append((name, process))
        return process

    def run(self, args: list[str], env: dict) -> str:
        done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def wait_for_log(self, name: str, text: str, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        process = dict(self.processes)[name]
        while text not in (self.logs / f"{name}.log").read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{name} did not start; see {self.logs / f'{name}.log'}")
            time.sleep(0.2)

    def stop(self) -> None:
        for name, process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in reversed(self.processes):
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        if self.redis is not None:
            self.redis.close()
        if self.postgres is not None:
            self.postgres.stop()


def main() -> int:
    stack = Stack()
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    python = sys.executable
    web_processes = int(os.environ.get("WEB_PROCESSES", "2"))
    workers = int(os.environ.get("CELERY_WORKERS", "2"))
    port = int(os.environ.get("PORT", "8000"))
    try:
        print("Starting PostgreSQL and Redis on loopback...", flush=True)
        stack.postgres = PostgresServer()
        stack.postgres.start()
        stack.redis = RedisServer().start()
        env = {**os.environ, "PYTHONPATH": str(ROOT),
               "DATABASE_URL": stack.postgres.url,
               "CELERY_BROKER_URL": stack.redis.url,
               "OCS_ASSISTANTS_TASK_BACKEND": "celery",
               "HOST_PLUGIN_TABLES": "migrations",
               "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(32)}
        if os.environ.get("OPENAI_API_KEY"):
            openai_label = os.environ.get("OPENAI_BASE_URL") or "OpenAI (OPENAI_API_KEY)"
        else:
            standin_port, standin_key = _free_port(), "sk-standin-" + secrets.token_hex(8)
            stack.spawn("standin", [python, "-m", "ocs_assistant_plugin.testing", "--port",
                                    str(standin_port), "--api-key", standin_key], env)
            stack.wait_for_log("standin", "Press Ctrl-C")
            env["OPENAI_BASE_URL"] = f"http://127.0.0.1:{standin_port}/v1"
            env["OPENAI_API_KEY"] = standin_key
            openai_label = f"the bundled stand-in at {env['OPENAI_BASE_URL']} (no OPENAI_API_KEY)"
        flask = [python, "-m", "flask", "--app", "example_host.app:create_app()"]
        print("Applying the plugin's migrations (flask assistants db upgrade)...", flush=True)
        print("  " + stack.run([*flask, "assistants", "db", "upgrade"], env).strip(), flush=True)
        seeded = stack.run([*flask, "seed-demo"], env).strip()
        stack.spawn("gunicorn", [python, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
                                 "--workers", str(web_processes), "--threads", "4",
                                 "example_host.wsgi:app"], env)
        celery = [python, "-m", "celery", "-A", "example_host.worker:celery_app"]
        for n in range(1, workers + 1):
            stack.spawn(f"worker{n}", [*celery, "worker", "--pool", "solo", "--hostname",
                                       f"worker{n}@%h", "--loglevel", "INFO"], env)
        stack.spawn("beat", [*celery, "beat", "--schedule", str(stack.logs / "beat-schedule"),
                             "--loglevel", "INFO"], env)
        for n in range(1, workers + 1):
            stack.wait_for_log(f"worker{n}", " ready.")
        stack.wait_for_log("beat", "beat: Starting")
        url = f"http://127.0.0.1:{port}/"
        _wait_serving(url, stack)
        print(_banner(url, seeded, openai_label, stack, web_processes, workers), flush=True)
        while not stopping.wait(0.5):
            for name, process in stack.processes:
                if process.poll() is not None:
                    print(f"{name} exited; see {stack.logs / (name + '.log')}. Stopping.",
                          flush=True)
                    stopping.set()
    except KeyboardInterrupt:
        pass
    finally:
        print("Stopping...", flush=True)
        stack.stop()
    print(f"Stopped. Logs kept in {stack.logs}", flush=True)
    return 0


def _wait_serving(url: str, stack: Stack, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "login", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"gunicorn did not serve {url}; see {stack.logs / 'gunicorn.log'}")
        time.sleep(0.3)


def _banner(url, seeded, openai_label, stack, web_processes, workers) -> str:
    return "\n".join([
        "",
        "  Parrot Studio in production mode (ocs-assistant-plugin example host)",
        "",
        f"    Open        {url}",
        f"    Sign in     {seeded}",
        f"    OpenAI      {openai_label}",
        f"    Web         gunicorn, {web_processes} processes",
        f"    Outbox      Celery on Redis ({stack.redis.url}): {workers} workers + beat",
        f"    Database    PostgreSQL {stack.postgres.url}",
        f"    Logs        {stack.logs}",
        "",
        "  Press Ctrl-C to stop (or: kill -TERM " + str(os.getpid()) + ").",
        "",
    ])


if __name__ == "__main__":
    sys.exit(main())
