"""The outbox on Celery, in this process: how the tasks are registered, that the web process only
sends a message, and what the run and sweep tasks do when a worker executes them.

Real Celery on the test run's real Redis. The worker processes, gunicorn and crashes are in
``tests/multiprocess``.
"""
from __future__ import annotations

import datetime as dt

import pytest
import redis
from celery import Celery, Task

from ocs_assistant_plugin.errors import ConfigurationError
from ocs_assistant_plugin.outbox import celery_tasks
from ocs_assistant_plugin.outbox import queue as operations
from outbox_helpers import deletes, targets_of
from plugin_host import SQLITE_ONLY, ApiClient

CELERY = {"OCS_ASSISTANTS_TASK_BACKEND": "celery"}
#: The queue Celery publishes to by default (a Redis list).
QUEUE = "celery"


def celery_init_app(app, broker_url: str) -> Celery:
    """What a host does, after Flask's documentation: tasks run inside the app context, and the
    Celery app lives in ``app.extensions["celery"]``."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.conf.update(broker_url=broker_url, task_ignore_result=True,
                           broker_connection_retry_on_startup=True)
    app.extensions["celery"] = celery_app
    return celery_app


@pytest.fixture
def broker(redis_url):
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def celery_host(database_url, openai_client, redis_url):
    """A host app on the celery backend (and the ``assistants`` backend: an archive makes three
    deletions), with Celery wired before the plugin."""
    from plugin_host import ASSISTANTS_BACKEND, create_host_app, dispose

    apps = []

    def make(**config):
        app = create_host_app(database_url, openai_client, before_plugin=lambda a: celery_init_app(
            a, config.pop("broker_url", redis_url)), **{**ASSISTANTS_BACKEND, **CELERY, **config})
        apps.append(app)
        return app

    yield make
    for app in apps:
        dispose(app)


# -- registration ------------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", [SQLITE_ONLY], indirect=True)
def test_init_app_registers_both_tasks_and_the_sweep_on_the_hosts_celery_app(celery_host):
    app = celery_host(OCS_ASSISTANTS_OPERATIONS_SWEEP_INTERVAL=12.5)
    celery_app = app.extensions["celery"]
    assert {celery_tasks.RUN_TASK, celery_tasks.SWEEP_TASK} <= set(celery_app.tasks)
    assert celery_app.conf.beat_schedule[celery_tasks.BEAT_ENTRY] == {
        "task": celery_tasks.SWEEP_TASK, "schedule": 12.5}


@pytest.mark.parametrize("database_url", [SQLITE_ONLY], indirect=True)
def test_init_celery_registers_them_on_a_celery_app_made_later(make_app, redis_url):
    app = make_app(**CELERY)
    celery_app = celery_init_app(app, redis_url)
    celery_app.conf.beat_schedule = {"host-job": {"task": "host.job", "schedule": 60.0}}
    assert celery_tasks.RUN_TASK not in celery_app.tasks

    tasks = app.extensions["ocs_assistants"].init_celery(celery_app)

    assert celery_app.tasks[celery_tasks.RUN_TASK] is tasks.run
    assert celery_app.tasks[celery_tasks.SWEEP_TASK] is tasks.sweep
    assert set(celery_app.conf.beat_schedule) == {"host-job", celery_tasks.BEAT_ENTRY}
    assert app.extensions["ocs_assistants"].init_celery(celery_app) is tasks  # once is enough


@pytest.mark.parametrize("database_url", [SQLITE_ONLY], indirect=True)
def test_init_celery_needs_the_celery_backend(make_app, redis_url):
    app = make_app(OCS_ASSISTANTS_TASK_BACKEND="thread")
    with pytest.raises(ConfigurationError) as error:
        app.extensions["ocs_assistants"].init_celery(celery_init_app(app, redis_url))
    assert list(error.value.fields) == ["OCS_ASSISTANTS_TASK_BACKEND"]


@pytest.mark.parametrize("database_url", [SQLITE_ONLY], indirect=True)
def test_a_bad_sweep_interval_is_refused_naming_the_key(make_app):
    with pytest.raises(ConfigurationError) as error:
        make_app(OCS_ASSISTANTS_OPERATIONS_SWEEP_INTERVAL=0)
    assert list(error.value.fields) == ["OCS_ASSISTANTS_OPERATIONS_SWEEP_INTERVAL"]


# -- the web process only sends a message ----------------------------------------------------------


def make_bot(api, name="Bot") -> dict:
    made = api.create(name=name, builtin_tools=["file_search"])
    assert api.upload(made["id"], "file_search", f"{name}.txt", name.encode()).status_code == 201
    return api.get(f"/assistants/{made['id']}").get_json()


def statuses(app) -> list[tuple[str, str]]:
    plugin = app.extensions["ocs_assistants"]
    with app.app_context():
        return [(o.target, o.status) for o in reversed(operations.list_operations(plugin.deps))]


def test_archiving_sends_one_message_and_the_web_process_deletes_nothing(
        celery_host, broker, openai_standin):
    app = celery_host()
    api = ApiClient(app)
    bot = make_bot(api)
    openai_standin.reset_counts()

    assert api.post(f"/assistants/{bot['id']}/archive", json={}).status_code == 200

    assert openai_standin.count(method="DELETE") == 0
    assert statuses(app) == [(t, "pending") for t in targets_of(bot)]
    assert broker.llen(QUEUE) == 1  # "look at the outbox": no arguments to lose or repeat

    # A worker executes the message (and a repeated one changes nothing).
    run = app.extensions["celery"].tasks[celery_tasks.RUN_TASK]
    assert run.apply().get() == 3
    assert run.apply().get() == 0
    assert statuses(app) == [(t, "done") for t in targets_of(bot)]
    assert [deletes(openai_standin, t) for t in targets_of(bot)] == [[200], [200], [200]]
    with app.app_context():
        holders = {o.claimed_by for o in operations.list_operations(app.extensions["ocs_assistants"].deps)}
    assert len(holders) == 1 and holders.pop().endswith("(celery)")


def test_the_sweep_retakes_operations_whose_lease_ran_out_and_sends_for_what_is_due(
        celery_host, broker, openai_standin):
    app = celery_host()
    plugin = app.extensions["ocs_assistants"]
    api = ApiClient(app)
    bot = make_bot(api)
    assert api.post(f"/assistants/{bot['id']}/archive", json={}).status_code == 200
    broker.delete(QUEUE)  # the message was lost (say, Redis restarted)
    long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    with app.app_context():  # a worker took one and died: its lease ended long ago
        (taken,) = operations.claim_due(plugin.deps, now=long_ago, ids=[1])

    sweep = app.extensions["celery"].tasks[celery_tasks.SWEEP_TASK]
    assert sweep.apply().get() == 3

    assert broker.llen(QUEUE) == 1
    assert [s for _, s in statuses(app)] == ["pending"] * 3
    assert app.extensions["celery"].tasks[celery_tasks.RUN_TASK].apply().get() == 3
    assert statuses(app) == [(t, "done") for t in targets_of(bot)]
    assert sweep.apply().get() == 0 and broker.llen(QUEUE) == 1  # nothing due: nothing sent


def test_a_broker_that_cannot_be_reached_loses_nothing(celery_host, openai_standin):
    from redis_server import _free_port

    app = celery_host(broker_url=f"redis://127.0.0.1:{_free_port()}/0")
    api = ApiClient(app)
    bot = make_bot(api)

    response = api.post(f"/assistants/{bot['id']}/archive", json={})

    assert response.status_code == 200
    assert statuses(app) == [(t, "pending") for t in targets_of(bot)]
    assert openai_standin.count(method="DELETE") == 0


def test_a_file_removed_on_celery_is_deleted_by_the_worker_not_the_request(
        celery_host, broker, openai_standin):
    app = celery_host()
    api = ApiClient(app)
    bot = make_bot(api)
    file = bot["files"][0]
    openai_standin.reset_counts()

    response = api.delete(f"/assistants/{bot['id']}/files/{file['id']}",
                          query_string={"tool": "file_search"})

    assert response.status_code == 204
    assert openai_standin.count(method="DELETE", path_prefix="/v1/files") == 0
    assert broker.llen(QUEUE) == 1
    app.extensions["celery"].tasks[celery_tasks.RUN_TASK].apply()
    assert [r.status for r in openai_standin.requests if r.method == "DELETE"
            and r.path == f"/v1/files/{file['openai_id']}"] == [200]
