"""``python -m example_host`` (what ``make run`` runs) boots, serves, and stops on Ctrl-C."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_host(tmp_path, **environment):
    """``python -m example_host`` on a free port, on ``tmp_path/host.sqlite``, with its own
    stand-in. Yields ``host`` (``port``, ``body`` of the login page) once it answers, then stops
    it with Ctrl-C and checks it stopped cleanly; ``host.out`` is then everything it printed."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "DATABASE_URL")}
    env.update(PORT=str(port), DATABASE_URL=f"sqlite:///{tmp_path / 'host.sqlite'}",
               PYTHONUNBUFFERED="1", **environment)
    process = subprocess.Popen([sys.executable, "-m", "example_host"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    host = SimpleNamespace(port=port, body=None, out="")
    try:
        status = None
        deadline = time.monotonic() + 60  # a generous bound for a slow machine, not a timing
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
                    status = r.status
                    host.body = r.read().decode()
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        assert status == 200, process.stderr.read() if process.poll() is not None else "no answer"
        yield host
    finally:
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
    host.out = out
    assert process.returncode == 0, err
    assert "Stopped." in out


def test_python_m_example_host_boots_with_the_standin_and_stops_cleanly(tmp_path):
    with running_host(tmp_path) as host:
        assert "Sign in" in host.body
    assert f"http://127.0.0.1:{host.port}/" in host.out
    assert "demo / demo-password" in host.out
    assert "bundled stand-in" in host.out


def test_sunset_runs_the_demo_on_a_standin_without_the_assistants_api(tmp_path):
    with running_host(tmp_path, SUNSET="1") as host:
        assert "Sign in" in host.body
    assert "demo / demo-password" in host.out  # the demo data was made on that stand-in
    assert "without the Assistants API" in host.out


def test_a_restarted_host_finishes_the_deletions_a_dead_one_left(tmp_path):
    from ocs_assistant_plugin.outbox import queue as operations
    from ocs_assistant_plugin.models import RemoteOperation

    from example_host import create_app
    from example_host.models import db

    url = f"sqlite:///{tmp_path / 'host.sqlite'}"
    example_app = create_app({"SQLALCHEMY_DATABASE_URI": url}, instance_path=str(tmp_path / "instance"))
    with example_app.app_context():  # what a host killed right after an archive's commit leaves
        operations.enqueue(example_app.extensions["ocs_assistants"].deps, operations.DELETE_ASSISTANT,
                           "asst_left_by_a_dead_run", team_id=1)
        db.session.commit()

        def status() -> str:
            db.session.expire_all()
            return db.session.execute(sa.select(RemoteOperation.status)).scalar_one()

        with running_host(tmp_path) as host:
            deadline = time.monotonic() + 30  # the worker runs it at start-up, not at a poll
            while status() != "done" and time.monotonic() < deadline:
                time.sleep(0.1)
            assert status() == "done"  # the stand-in never had it: its 404 counts as done
        db.session.remove()
        db.engine.dispose()
    assert "1 remote operation(s) left by the last run, resumed" in host.out
