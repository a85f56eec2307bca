"""``ocs_reference_archived``: the host archived a released object itself; the assistant version it
used is archived (and deleted in OpenAI) when nothing live still references that version."""
from __future__ import annotations

import pytest

from ocs_assistant_plugin import Reference, RefStatus
from ocs_assistant_plugin.errors import InvalidInput
from ocs_assistant_plugin.models import Assistant
from plugin_host import fire as fire_hook, remote_assistant_ids, remote_store_ids


@pytest.fixture
def fire(app, plugin, host):
    """``fire(obj, assistant_id)``: archive a host object as the host does, then tell the plugin."""
    def archived(obj, assistant_id):
        obj.status = RefStatus.ARCHIVED
        reference = Reference(kind=obj.kind, id=obj.id, label=obj.label, url=obj.url,
                              assistant_id=assistant_id, status=RefStatus.ARCHIVED)
        return fire_hook(app, "ocs_reference_archived", reference=reference)
    return archived


def flags(api, ids):
    return [api.get(f"/assistants/{i}").get_json()["archived"] for i in ids]


def test_an_unused_version_is_archived_and_deleted_in_openai(api, host, observer, fire,
                                                             bot_with_versions, openai_client):
    v1 = bot_with_versions["v1"]
    old = host.experiment("Helpdesk v1", "released", assistant=v1)
    host.experiment("Helpdesk v2", "published", assistant=bot_with_versions["v2"])
    version = api.get(f"/assistants/{v1}").get_json()

    fire(old, v1)

    assert flags(api, [bot_with_versions["working"], v1, bot_with_versions["v2"]]) == [
        False, True, False]
    assert observer.archived == [v1]
    assert version["openai_id"] not in remote_assistant_ids(openai_client)
    assert version["vector_store_id"] not in remote_store_ids(openai_client)
    # its file is still used by the working copy and version 2: kept
    working = api.get(f"/assistants/{bot_with_versions['working']}").get_json()
    assert working["files"][0]["openai_id"] == version["files"][0]["openai_id"]
    assert working["files"][0]["openai_id"] in {f.id for f in openai_client.files.list()}


def test_a_version_still_used_by_a_live_object_stays(api, host, observer, fire,
                                                     bot_with_versions, openai_client):
    v2 = bot_with_versions["v2"]
    old = host.experiment("Helpdesk v2 (old)", "released", assistant=v2)
    host.experiment("Helpdesk v3", "published", assistant=v2)  # reused the same version
    openai_id = api.get(f"/assistants/{v2}").get_json()["openai_id"]

    fire(old, v2)

    assert flags(api, [v2]) == [False] and observer.archived == []
    assert openai_id in remote_assistant_ids(openai_client)


def test_another_released_reference_keeps_the_version_and_is_not_archived(
        api, host, observer, fire, bot_with_versions, openai_client):
    v1 = bot_with_versions["v1"]
    archived_now = host.experiment("Helpdesk v1", "released", assistant=v1)
    rollback_target = host.experiment("Helpdesk v1 (older)", "released", assistant=v1)
    flow = host.pipeline("Flow v1", "released", v1)  # no live user left
    openai_id = api.get(f"/assistants/{v1}").get_json()["openai_id"]

    fire(archived_now, v1)

    # Both are still a host's rollback targets: nothing of theirs is touched.
    assert flags(api, [v1]) == [False] and observer.archived == []
    assert host.pipelines.archived == [] and host.experiments.archived == []
    assert rollback_target.status is RefStatus.RELEASED and flow.status is RefStatus.RELEASED
    assert openai_id in remote_assistant_ids(openai_client)


def test_the_version_goes_when_its_last_reference_is_reported(api, host, observer, fire,
                                                              bot_with_versions, openai_client):
    v1 = bot_with_versions["v1"]
    experiment = host.experiment("Helpdesk v1", "released", assistant=v1)
    flow = host.pipeline("Flow v1", "released", v1)
    openai_id = api.get(f"/assistants/{v1}").get_json()["openai_id"]

    fire(experiment, v1)
    assert flags(api, [v1]) == [False]
    fire(flow, v1)

    assert flags(api, [v1]) == [True] and observer.archived == [v1]
    assert openai_id not in remote_assistant_ids(openai_client)
    assert host.pipelines.archived == [] and host.experiments.archived == []  # the host's own


def test_a_released_container_whose_users_are_archived_still_keeps_the_version(
        api, host, fire, bot_with_versions):
    v1 = bot_with_versions["v1"]
    flow = host.pipeline("Flow v1", "released", v1)
    host.experiment("Bot v1", "archived", pipeline=flow)  # its only user
    direct = host.experiment("Helpdesk v1", "released", assistant=v1)

    fire(direct, v1)

    assert flags(api, [v1]) == [False] and host.pipelines.archived == []
    assert flow.status is RefStatus.RELEASED


def test_a_reference_to_the_working_assistant_changes_nothing(api, host, observer, fire, bot):
    draft = host.experiment("Draft", "unreleased", assistant=bot["id"])
    fire(draft, bot["id"])
    assert flags(api, [bot["id"]]) == [False] and observer.archived == []


def test_an_unknown_assistant_is_ignored(api, host, observer, fire):
    fire(host.experiment("Orphan", "released", assistant=424242), 424242)
    assert observer.archived == []


def test_the_hook_needs_a_reference(app, plugin):
    with app.app_context(), pytest.raises(InvalidInput) as error:
        plugin.hook.ocs_reference_archived(reference={"assistant_id": 1})
    assert list(error.value.fields) == ["reference"]


def test_the_event_joins_the_hosts_transaction_and_a_rollback_undoes_it(
        app, api, plugin, host, observer, bot_with_versions, openai_client):
    v1 = bot_with_versions["v1"]
    old = host.experiment("Helpdesk v1", "released", assistant=v1)
    host.experiment("Helpdesk v2", "published", assistant=bot_with_versions["v2"])
    version = api.get(f"/assistants/{v1}").get_json()
    old.status = RefStatus.ARCHIVED
    reference = Reference(kind=old.kind, id=old.id, label=old.label, url=old.url,
                          assistant_id=v1, status=RefStatus.ARCHIVED)

    with app.app_context():
        plugin.hook.ocs_reference_archived(reference=reference)
        assert plugin.db.session.get(Assistant, v1).archived  # flushed in the host's transaction
        plugin.db.session.rollback()  # the host's own archive failed after the event

    assert flags(api, [v1]) == [False]
    assert api.get("/operations").get_json()["items"] == []  # no deletion recorded
    assert version["openai_id"] in remote_assistant_ids(openai_client)  # nothing deleted

    with app.app_context():  # the host tries again and commits
        plugin.hook.ocs_reference_archived(reference=reference)
        assert version["openai_id"] in remote_assistant_ids(openai_client)  # not before commit
        plugin.db.session.commit()

    assert flags(api, [v1]) == [True]
    assert version["openai_id"] not in remote_assistant_ids(openai_client)
