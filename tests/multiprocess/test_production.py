"""``make production`` (scripts/production.py): the walkthrough a person runs starts every part,
serves the host with its demo data, and stops everything on SIGTERM."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

from processes import ROOT, free_port, sign_in, wait_for


def test_the_production_walkthrough_serves_the_host_and_stops_cleanly(tmp_path):
    port = free_port()
    log = tmp_path / "production.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "OCS_"))}
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "scripts/production.py"], cwd=ROOT,
                                   env={**env, "PORT": str(port)}, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def banner():
            if process.poll() is not None:
                raise AssertionError(log.read_text())
            return "Press Ctrl-C to stop" in log.read_text()

        wait_for(banner, 300, "the production banner", interval=0.5)
        text = log.read_text()
        assert f"Open        http://127.0.0.1:{port}/" in text
        assert "gunicorn, 2 processes" in text and "2 workers + beat" in text
        assert re.search(r"Upgraded the plugin's tables from nothing to revision \w+", text)
        user, password = re.search(r"Sign in as (\S+) / (\S+)", text).groups()
        session = sign_in(f"http://127.0.0.1:{port}", user, password)
        status, page = session.get("/assistants/operations")
        assert status == 200 and "Remote operations" in page
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(120)
    assert process.returncode == 0
    assert log.read_text().rstrip().splitlines()[-1].startswith("Stopped.")
