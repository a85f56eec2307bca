"""A clone OpenAI made but whose answer was lost (reset, timeout) is found by its tag and deleted.

The SDK never retries a clone (its retry would carry the same tag); the release retries with a
new tag, and sweeps for every attempt whose answer was lost, until a late create cannot land."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from ocs_assistant_plugin.outbox import queue as operations
from ocs_assistant_plugin.lifecycle import versions
from ocs_assistant_plugin.errors import RemoteUnavailable
from ocs_assistant_plugin.models import Assistant, RemoteOperation
from ocs_assistant_plugin.remote.base import RELEASE_TAG_KEY
from plugin_host import snapshot

CLIENT_TIMEOUT = 5  # the openai_client fixture's

BETA = {"headers": {"OpenAI-Beta": "assistants=v2"}}


@pytest.fixture
def two(api):
    """Two working assistants, each with a vector store holding one file."""
    made = []
    for name in ("Alpha", "Beta"):
        bot = api.create(name=name, builtin_tools=["file_search"])
        assert api.upload(bot["id"], "file_search", f"{name}.txt").status_code == 201
        made.append(bot)
    return made


def _remote_state(openai_client):
    page = openai_client.get("/assistants", cast_to=object,
                             options={**BETA, "params": {"limit": 100}})
    return ({a["id"] for a in page["data"]},
            {s.id for s in openai_client.vector_stores.list(limit=100)})


def _sweep_ops(app, plugin):
    with app.app_context():
        return plugin.db.session.execute(
            sa.select(RemoteOperation).order_by(RemoteOperation.id)).scalars().all()


def _run_final_sweeps(app, plugin):
    """Run the outbox at the time the pending sweeps are due (no waiting for the clock)."""
    with app.app_context():
        due = max(op.next_attempt_at for op in _sweep_ops(app, plugin))
        return operations.run_pending(plugin.deps, now=due)


def _operations(app, plugin):
    with app.app_context():
        return [(o.kind, o.target, o.status, o.payload.get("since") is not None)
                for o in plugin.db.session.execute(
                    sa.select(RemoteOperation).order_by(RemoteOperation.id)).scalars()]


@pytest.mark.parametrize("kind", ["reset", "timeout"])
def test_a_clone_made_whose_answer_was_lost_is_swept(kind, app, plugin, two, api, release,
                                                     openai_client, openai_standin, versions_of):
    before = snapshot(api, openai_client)
    remote_before = _remote_state(openai_client)
    # the second clone is made in OpenAI, then the connection drops before the answer
    fault = openai_standin.inject_fault(kind=kind, after_processing=True, hold=30, after=1,
                                        method="POST", path_prefix="/v1/assistants")

    with pytest.raises(RemoteUnavailable) as failure:
        release([bot["id"] for bot in two], label="lost")

    assert fault.fired == 1
    message = failure.value.message
    assert f"assistant {two[1]['id']} ('Beta')" in message and "Nothing was released" in message
    assert "looked for and deleted" in message
    assert failure.value.status == 503
    assert all(versions_of(bot["id"]) == [] for bot in two)
    # the eager outbox swept right after the rollback: both copies and both stores are gone;
    # the sweep stays pending until a late create could no longer land, then runs once more
    (op,) = _operations(app, plugin)
    assert op[0] == operations.SWEEP_RELEASE_CLONE and op[2:] == ("pending", True)
    assert len(op[1]) == 32
    assert _remote_state(openai_client) == remote_before
    (tried,) = _run_final_sweeps(app, plugin)
    assert (tried.status, tried.last_error) == ("done", None)
    assert snapshot(api, openai_client) == before
    # one copy deleted at once (its answer came), one by the sweep; each with its store
    assert openai_standin.count("DELETE", "/v1/assistants/") == 2
    assert openai_standin.count("DELETE", "/v1/vector_stores/") == 2


def test_a_sweep_that_cannot_reach_openai_is_retried_later(app, plugin, two, release,
                                                          openai_client, openai_standin):
    remote_before = _remote_state(openai_client)
    openai_standin.inject_fault(kind="reset", after_processing=True, method="POST",
                                path_prefix="/v1/assistants")
    openai_standin.inject_fault(status=503, method="GET", path_prefix="/v1/assistants")

    with pytest.raises(RemoteUnavailable):
        release([two[0]["id"]])

    assert len(_remote_state(openai_client)[0]) == len(remote_before[0]) + 1  # the orphan, for now
    with app.app_context():
        (op,) = plugin.db.session.execute(sa.select(RemoteOperation)).scalars().all()
        assert (op.kind, op.status, op.attempts) == (operations.SWEEP_RELEASE_CLONE, "pending", 1)
        (tried,) = operations.run_pending(plugin.deps, now=op.next_attempt_at)
        # found and deleted, but due once more when a late create can no longer land
        assert (tried.status, tried.attempts, tried.last_error) == ("pending", 2, None)
        assert tried.next_attempt_at.timestamp() == pytest.approx(tried.payload["until"])
    assert _remote_state(openai_client) == remote_before
    (tried,) = _run_final_sweeps(app, plugin)
    assert (tried.status, tried.attempts, tried.last_error) == ("done", 3, None)


def test_a_create_that_lands_after_the_first_sweep_is_swept_by_the_last(
        app, plugin, two, release, openai_client, openai_standin):
    remote_before = _remote_state(openai_client)
    openai_standin.inject_fault(kind="reset", method="POST", path_prefix="/v1/assistants")

    with pytest.raises(RemoteUnavailable):
        release([two[0]["id"]])

    # the eager sweep found nothing (the request never reached OpenAI's store) and stays pending
    assert _remote_state(openai_client) == remote_before
    (op,) = _sweep_ops(app, plugin)
    assert (op.kind, op.status, op.last_error) == (operations.SWEEP_RELEASE_CLONE, "pending", None)
    payload = op.payload
    assert payload["until"] - payload["since"] == pytest.approx(
        versions.SWEEP_MARGIN + CLIENT_TIMEOUT + versions.SWEEP_SETTLE)
    assert op.next_attempt_at.timestamp() == pytest.approx(payload["until"])
    with app.app_context():  # not due before then
        early = dt.datetime.fromtimestamp(payload["until"] - 1, dt.timezone.utc)
        assert operations.run_pending(plugin.deps, now=early) == []
    # ... and then OpenAI finishes the slow create
    late = openai_client.post("/assistants", cast_to=object, options=BETA, body={
        "model": "gpt-4o", "metadata": {RELEASE_TAG_KEY: op.target}})

    (tried,) = _run_final_sweeps(app, plugin)

    assert (tried.status, tried.last_error) == ("done", None)
    assert late["id"] not in _remote_state(openai_client)[0]
    assert _remote_state(openai_client) == remote_before


class TestWithSdkRetries:
    """The host's client retries (``max_retries=2``): the clone is still sent without SDK
    retries, and the release retries with a new tag."""

    @pytest.fixture
    def retrying_client(self, make_openai_client):
        return make_openai_client(max_retries=2, timeout=CLIENT_TIMEOUT)

    @pytest.fixture
    def host_client(self, retrying_client):
        return retrying_client

    @staticmethod
    def _version_remote(app, plugin, working_id):
        with app.app_context():
            (row,) = plugin.db.session.execute(
                sa.select(Assistant).where(Assistant.working_id == working_id)).scalars().all()
            return row.openai_id, row.vector_store_id

    def test_a_lost_answer_then_success_releases_and_sweeps_only_the_lost_copy(
            self, app, plugin, two, release, openai_client, openai_standin):
        before_ids, before_stores = _remote_state(openai_client)
        fault = openai_standin.inject_fault(kind="reset", after_processing=True, method="POST",
                                            path_prefix="/v1/assistants")
        openai_standin.reset_counts()

        mapping = release([two[0]["id"]])

        assert fault.fired == 1
        assert mapping[two[0]["id"]]
        assert openai_standin.count("POST", "/v1/assistants") == 2  # no SDK retry, one of ours
        (op,) = _sweep_ops(app, plugin)
        assert (op.kind, op.status) == (operations.SWEEP_RELEASE_CLONE, "pending")
        (tried,) = _run_final_sweeps(app, plugin)
        assert (tried.status, tried.last_error) == ("done", None)

        version_id, store_id = self._version_remote(app, plugin, two[0]["id"])
        assert store_id
        assert _remote_state(openai_client) == (before_ids | {version_id},
                                                before_stores | {store_id})
        kept = openai_client.get(f"/assistants/{version_id}", cast_to=object, options=BETA)
        assert kept["metadata"][RELEASE_TAG_KEY] != op.target  # the lost attempt's tag differs
        assert openai_standin.count("DELETE", "/v1/assistants/") == 1
        assert openai_standin.count("DELETE", "/v1/vector_stores/") == 1

    def test_a_500_then_success_costs_two_requests_and_no_sweep(
            self, app, plugin, two, release, openai_client, openai_standin):
        fault = openai_standin.inject_fault(status=500, retry_after=0, method="POST",
                                            path_prefix="/v1/assistants")
        openai_standin.reset_counts()

        mapping = release([two[0]["id"]])

        assert fault.fired == 1
        assert mapping[two[0]["id"]]
        assert openai_standin.count() == 2
        assert openai_standin.count("POST", "/v1/assistants") == 2
        assert _operations(app, plugin) == []

    def test_failures_beyond_the_clients_retries_fail_the_release(
            self, app, plugin, two, release, api, openai_client, openai_standin):
        before = snapshot(api, openai_client)
        openai_standin.inject_fault(status=503, retry_after=0, times=3, method="POST",
                                    path_prefix="/v1/assistants")
        openai_standin.reset_counts()

        with pytest.raises(RemoteUnavailable) as failure:
            release([two[0]["id"]])

        assert "Nothing was released" in failure.value.message
        assert openai_standin.count("POST", "/v1/assistants") == 3  # 1 + max_retries
        assert _operations(app, plugin) == []
        assert snapshot(api, openai_client) == before

    def test_an_answered_clone_costs_one_request(self, app, plugin, two, release,
                                                 openai_standin):
        openai_standin.reset_counts()

        assert release([two[0]["id"]])[two[0]["id"]]

        assert openai_standin.count() == 1
        assert _operations(app, plugin) == []


def test_a_clone_that_was_answered_costs_one_request_and_carries_its_tag(
        app, plugin, two, release, openai_client, openai_standin):
    openai_standin.reset_counts()

    mapping = release([two[0]["id"]])

    assert openai_standin.count() == 1
    assert openai_standin.count("POST", "/v1/assistants") == 1
    assert _operations(app, plugin) == []
    made = openai_client.get("/assistants", cast_to=object,
                             options={**BETA, "params": {"limit": 1, "order": "desc"}})["data"][0]
    tag = made["metadata"][RELEASE_TAG_KEY]
    assert len(tag) == 32
    (store_id,) = made["tool_resources"]["file_search"]["vector_store_ids"]
    store = openai_client.vector_stores.retrieve(store_id)
    assert store.metadata == {"name": "Alpha v1", RELEASE_TAG_KEY: tag}
    assert mapping[two[0]["id"]]
