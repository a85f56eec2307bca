"""A host process killed inside its release transaction (after ``ocs_release`` made the clone,
before the host's commit) leaves nothing behind: PostgreSQL rolls its rows back, and the sweep
whose intent was committed before the clone request deletes the clone in OpenAI."""
from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import time

import sqlalchemy as sa

from ocs_assistant_plugin import models
from ocs_assistant_plugin.outbox import queue as operations
from plugin_host import ApiClient, create_host_app, dispose, remote_assistant_ids


def wait_for_no_open_transaction(engine, timeout: float = 30.0) -> None:
    """The dead process's transaction is aborted once PostgreSQL sees its connection close."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if not connection.execute(sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'"
            )).scalar():
                return
        time.sleep(0.1)
    raise AssertionError("the killed process's transaction is still open")


def test_a_host_killed_before_committing_its_release_leaves_no_version_and_no_clone(
        postgresql_url, openai_standin, openai_client):
    app = create_host_app(postgresql_url, openai_client, OCS_ASSISTANTS_BACKEND="assistants",
                          OCS_ASSISTANTS_TASK_BACKEND="eager")
    try:
        bot = ApiClient(app).create(name="Bot")
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        from race_worker import release_and_hang

        host = context.Process(target=release_and_hang, args=(
            postgresql_url, openai_standin.base_url, openai_standin.api_key, bot["id"], results))
        host.start()
        try:
            clone = results.get(timeout=120)
        finally:
            os.kill(host.pid, signal.SIGKILL)
            host.join(30)
        assert clone in remote_assistant_ids(openai_client)

        engine = sa.create_engine(postgresql_url)
        try:
            wait_for_no_open_transaction(engine)
        finally:
            engine.dispose()
        plugin = app.extensions["ocs_assistants"]
        with app.app_context():
            versions = plugin.db.session.execute(
                sa.select(models.Assistant.id).where(models.Assistant.is_version.is_(True))).all()
            (intent,) = plugin.db.session.execute(sa.select(models.RemoteOperation)).scalars()
            intent_kind = intent.kind
            # a worker once the attempt could no longer be landing in OpenAI
            operations.run_pending(plugin.deps, now=intent.next_attempt_at + dt.timedelta(seconds=1))
            (swept,) = plugin.db.session.execute(sa.select(models.RemoteOperation)).scalars()
            status = swept.status
    finally:
        dispose(app)

    assert versions == []  # the host's transaction died with its process
    assert intent_kind == operations.SWEEP_RELEASE_CLONE
    assert status == "done"
    assert clone not in remote_assistant_ids(openai_client)
