"""Real processes for the multi-process scenarios: gunicorn serving the example host, Celery
workers and beat, all on the test run's PostgreSQL and Redis and the stand-in of this process.

Every process is started with its own log file and ended by its own pid (SIGKILL on demand, to
simulate a crash); a scenario's :class:`Deployment` stops whatever it started.
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
#: The example host's user the scenarios sign in as.
USERNAME, PASSWORD = "ops", "correct horse battery"
#: Files in each assistant's vector store: archiving one records 2 + FILES deletions.
FILES = 3
READY_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout: float, what: str, interval: float = 0.1):
    """Poll ``condition()`` until it returns something true; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


class Process:
    def __init__(self, name: str, args: list[str], env: dict, log: Path):
        self.name = name
        self.log = log
        self.killed = False
        handle = open(log, "ab")
        self.popen = subprocess.Popen(args, cwd=ROOT, env=env, stdout=handle,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        handle.close()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL, as a crash: no clean-up runs."""
        self.killed = True
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(30)

    def stop(self, timeout: float = 20.0) -> None:
        if not self.alive():
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()


class Deployment:
    """The example host as production runs it, on this machine."""

    def __init__(self, tmp: Path, database_url: str, redis_url: str, standin, **settings):
        self.tmp = tmp
        self.database_url = database_url
        self.redis_url = redis_url
        self.standin = standin
        self.processes: list[Process] = []
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("OCS_", "OPENAI_"))},
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": redis_url,
            "SECRET_KEY": "multiprocess-test-secret",
            "OPENAI_API_KEY": standin.api_key,
            "OPENAI_BASE_URL": standin.base_url,
            "OCS_ASSISTANTS_OPENAI_MAX_RETRIES": "0",
            **{f"OCS_ASSISTANTS_{key}": str(value) for key, value in settings.items()},
        }
        self.engine = sa.create_engine(database_url, pool_size=2)

    # -- processes -----------------------------------------------------------------------------

    def start(self, name: str, *args: str) -> Process:
        process = Process(name, list(args), self.env, self.tmp / f"{name}.log")
        self.processes.append(process)
        return process

    def gunicorn(self, workers: int) -> str:
        """``gunicorn example_host.wsgi:app`` with ``workers`` processes; returns its URL."""
        port = free_port()
        process = self.start("gunicorn", sys.executable, "-m", "gunicorn",
                             "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                             "--threads", "4", "--graceful-timeout", "5",
                             "example_host.wsgi:app")
        url = f"http://127.0.0.1:{port}"

        def serving():
            if not process.alive():
                raise AssertionError("gunicorn exited:\n" + process.output())
            booted = len(re.findall(r"Booting worker with pid", process.output()))
            try:
                return booted >= workers and HostSession(url).get("/login")[0] == 200
            except OSError:
                return False

        wait_for(serving, READY_TIMEOUT, "gunicorn to serve", interval=0.25)
        return url

    def celery_workers(self, *names: str) -> list[Process]:
        """Celery worker processes (``--pool solo``: one task at a time, in that process),
        started together; returns once each says it is ready."""
        processes = [self.start(name, sys.executable, "-m", "celery", "-A",
                                "example_host.worker:celery_app", "worker", "--pool", "solo",
                                "--hostname", f"{name}@%h", "--without-gossip",
                                "--without-mingle", "--without-heartbeat", "--loglevel", "INFO")
                     for name in names]

        def ready():
            for process in processes:
                if not process.alive():
                    raise AssertionError(f"{process.name} exited:\n" + process.output())
            return all(" ready." in process.output() for process in processes)

        wait_for(ready, READY_TIMEOUT, f"Celery workers {', '.join(names)}", interval=0.25)
        return processes

    def celery_beat(self) -> Process:
        process = self.start("beat", sys.executable, "-m", "celery", "-A", "example_host.worker:celery_app",
                             "beat", "--schedule", str(self.tmp / "beat-schedule"),
                             "--loglevel", "INFO")
        wait_for(lambda: "beat: Starting" in process.output() or not process.alive(),
                 READY_TIMEOUT, "Celery beat", interval=0.25)
        assert process.alive(), process.output()
        return process

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        self.engine.dispose()

    # -- the outbox, read straight from the database ---------------------------------------------

    def operations(self) -> list[dict]:
        with self.engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT id, kind, target, status, attempts, claimed_by FROM ocs_remote_operations "
                "ORDER BY id")).mappings().all()
        return [dict(row) for row in rows]

    def statuses(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for operation in self.operations():
            counts[operation["status"]] = counts.get(operation["status"], 0) + 1
        return counts

    def wait_until_done(self, expected: int, timeout: float = 240.0) -> list[dict]:
        def all_done():
            for process in self.processes:
                if not process.alive() and not process.killed:
                    raise AssertionError(f"{process.name} died:\n{process.output()[-4000:]}")
            return self.statuses().get("done") == expected

        wait_for(all_done, timeout, f"{expected} operations done (now {self.statuses()})",
                 interval=0.5)
        return self.operations()


class HostSession:
    """A browser-like client of the host: keeps its cookies, answers ``(status, text)``."""

    def __init__(self, url: str):
        self.url = url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, method: str, path: str, *, data: bytes | None = None,
                headers: dict | None = None) -> tuple[int, str]:
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers=headers or {})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def get(self, path: str) -> tuple[int, str]:
        return self.request("GET", path)

    def post_json(self, path: str, body: dict) -> tuple[int, str]:
        return self.request("POST", path, data=json.dumps(body).encode(),
                            headers={"Content-Type": "application/json"})

    def post_form(self, path: str, form: dict) -> tuple[int, str]:
        return self.request("POST", path, data=urllib.parse.urlencode(form).encode(),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})


def sign_in(url: str, username: str, password: str) -> HostSession:
    """A session signed in through the host's login form."""
    session = HostSession(url)
    page = session.get("/login")[1]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    status, text = session.post_form("/login", {"username": username, "password": password,
                                                "csrf_token": token})
    assert status == 200, text
    assert session.get("/")[0] == 200
    return session
