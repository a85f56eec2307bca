"""A clone OpenAI made but whose answer was lost (reset, timeout) is found by its tag and deleted."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ocs_assistant_plugin import operations
from ocs_assistant_plugin.errors import RemoteUnavailable
from ocs_assistant_plugin.models import RemoteOperation
from ocs_assistant_plugin.remote.base import RELEASE_TAG_KEY
from plugin_host import snapshot

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
    # the eager outbox swept right after the rollback: both copies and both stores are gone
    (op,) = _operations(app, plugin)
    assert op[0] == operations.SWEEP_RELEASE_CLONE and op[2:] == ("done", True)
    assert len(op[1]) == 32
    assert _remote_state(openai_client) == remote_before
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
        (tried,) = operations.run_pending(plugin, now=op.next_attempt_at)
        assert (tried.status, tried.attempts, tried.last_error) == ("done", 2, None)
    assert _remote_state(openai_client) == remote_before


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
