"""Archive (DESIGN 1.3): re-check under lock, archive everything, delete in OpenAI via the outbox."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from ocs_assistant_plugin.errors import Conflict
from ocs_assistant_plugin.models import RemoteOperation
from plugin_host import remote_assistant_ids, remote_file_ids, remote_store_ids, snapshot


def archived_flags(api, ids):
    return [api.get(f"/assistants/{i}").get_json()["archived"] for i in ids]


def operations_of(app, plugin):
    with app.app_context():
        return sorted((o.kind, o.target, o.status, o.attempts) for o in
                      plugin.db.session.execute(sa.select(RemoteOperation)).scalars())


def test_archive_deletes_assistants_stores_and_unshared_files_in_openai(
        api, app, plugin, host, observer, bot_with_versions, openai_client, openai_standin):
    ids = [bot_with_versions[k] for k in ("working", "v1", "v2")]
    rows = [api.get(f"/assistants/{i}").get_json() for i in ids]
    shared = api.create(name="Other bot", builtin_tools=["file_search"])
    assert api.upload(shared["id"], "file_search", "shared.txt", b"shared").status_code == 201
    shared_file = api.get(f"/assistants/{shared['id']}").get_json()["files"][0]["openai_id"]
    # the working copy also uses the other bot's file (as an import or a pull would record it)
    with app.app_context():
        from ocs_assistant_plugin.models import AssistantFile
        plugin.db.session.add(AssistantFile(assistant_id=ids[0], tool="file_search",
                                            filename="shared.txt", openai_id=shared_file))
        plugin.db.session.commit()
    own_file = rows[0]["files"][0]["openai_id"]
    openai_standin.reset_counts()

    response = api.post(f"/assistants/{ids[0]}/archive")

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["archived"] == ids
    assert response.get_json()["auto_archived"] == []
    assert archived_flags(api, ids) == [True, True, True]
    assert observer.archived == ids
    # the outbox ran right after the commit (eager): checked with the SDK
    remote_ids = remote_assistant_ids(openai_client)
    assert not {r["openai_id"] for r in rows} & remote_ids
    assert shared["openai_id"] in remote_ids
    stores = remote_store_ids(openai_client)
    assert not {r["vector_store_id"] for r in rows} & stores
    assert shared["vector_store_id"] in stores
    files = remote_file_ids(openai_client)
    assert own_file not in files and shared_file in files
    assert operations_of(app, plugin) == sorted(
        [("delete_assistant", r["openai_id"], "done", 1) for r in rows]
        + [("delete_vector_store", r["vector_store_id"], "done", 1) for r in rows]
        + [("delete_file", own_file, "done", 1)])
    assert openai_standin.count("DELETE") == 7
    # archived assistants leave the listing, and stay readable
    assert [a["id"] for a in api.assistants()] == [shared["id"]]
    assert [a["id"] for a in api.assistants(archived="true", versions="true")] == ids


def test_released_only_references_are_archived_through_their_provider(api, host, observer,
                                                                      bot_with_versions):
    old = host.experiment("Helpdesk v1", "released", assistant=bot_with_versions["v1"])
    flow = host.pipeline("Triage flow v1", "released", bot_with_versions["v2"])
    user = host.experiment("Clinic bot v1", "released", pipeline=flow)
    gone = host.experiment("Clinic bot v0", "archived", pipeline=flow)

    response = api.post(f"/assistants/{bot_with_versions['working']}/archive")

    assert response.status_code == 200, response.get_json()
    auto = response.get_json()["auto_archived"]
    assert [(r["kind"], r["id"]) for r in auto] == [
        ("experiment", old.id), ("pipeline", flow.id), ("experiment", user.id)]
    assert [r.id for r in host.experiments.archived] == [old.id, user.id]
    assert [r.id for r in host.pipelines.archived] == [flow.id]
    assert {o.status.value for o in (old, flow, user, gone)} == {"archived"}


@pytest.mark.parametrize("status", ["published", "unreleased"])
def test_a_blocked_archive_is_409_with_the_check_and_changes_nothing(
        status, api, host, bot_with_versions, openai_client, openai_standin):
    host.experiment("Helpdesk", status, assistant=bot_with_versions["v2"])
    host.experiment("Helpdesk v1", "released", assistant=bot_with_versions["v1"])
    before = snapshot(api, openai_client)
    openai_standin.reset_counts()

    response = api.post(f"/assistants/{bot_with_versions['working']}/archive")

    assert response.status_code == 409
    body = response.get_json()
    assert body["error"]["code"] == "archive_blocked"
    assert "Experiments: 1" in body["error"]["message"]
    assert body["can_archive"] is False
    assert [(s["title"], [r["label"] for r in s["references"]]) for s in body["sections"]] == [
        ("Experiments", ["Helpdesk"])]
    assert [r["label"] for r in body["auto_archive"]] == ["Helpdesk v1"]
    assert host.experiments.archived == []
    assert snapshot(api, openai_client) == before
    assert openai_standin.count("DELETE") == 0


def test_a_reference_that_appears_after_the_check_blocks_with_the_fresh_check(
        api, host, bot_with_versions):
    working = bot_with_versions["working"]
    assert api.get(f"/assistants/{working}/archive-check").get_json()["can_archive"] is True
    # a release and a publish happen meanwhile
    host.experiment("Helpdesk v2", "published", assistant=bot_with_versions["v2"])

    response = api.post(f"/assistants/{working}/archive")

    assert response.status_code == 409
    assert response.get_json()["sections"][0]["references"][0]["label"] == "Helpdesk v2"
    assert archived_flags(api, bot_with_versions.values()) == [False, False, False]


def test_release_refuses_an_archived_assistant(api, host, bot, release_version):
    assert api.post(f"/assistants/{bot['id']}/archive").status_code == 200
    with pytest.raises(Conflict) as refused:
        release_version(bot["id"], "late")
    assert "archived" in refused.value.message


def test_archiving_twice_is_409(api, host, bot):
    assert api.post(f"/assistants/{bot['id']}/archive").status_code == 200
    response = api.post(f"/assistants/{bot['id']}/archive")
    assert response.status_code == 409
    assert response.get_json()["error"]["message"] == f"Assistant {bot['id']} is already archived."


def test_a_version_cannot_be_archived_alone(api, host, bot_with_versions):
    response = api.post(f"/assistants/{bot_with_versions['v1']}/archive")
    assert response.status_code == 409
    assert archived_flags(api, bot_with_versions.values()) == [False, False, False]


def test_another_teams_assistant_is_not_found(api, host, bot):
    assert api.post(f"/assistants/{bot['id']}/archive", team=2).status_code == 404
    assert archived_flags(api, [bot["id"]]) == [False]


def test_archiving_a_responses_backend_assistant_deletes_its_store_and_files(
        make_app, openai_client, openai_standin):
    from archive_host import CONFIG, MemoryHost
    from plugin_host import ApiClient

    app = make_app(OCS_ASSISTANTS_BACKEND="responses", **CONFIG)
    app.extensions["ocs_assistants"].register(MemoryHost(), name="memory_host")
    api = ApiClient(app)
    made = api.create(name="Responder", builtin_tools=["file_search"])
    assert api.upload(made["id"], "file_search", "a.txt", b"a").status_code == 201
    made = api.get(f"/assistants/{made['id']}").get_json()
    openai_standin.reset_counts()

    assert api.post(f"/assistants/{made['id']}/archive").status_code == 200

    assert made["vector_store_id"] not in remote_store_ids(openai_client)
    assert made["files"][0]["openai_id"] not in remote_file_ids(openai_client)
    assert openai_standin.count("DELETE", "/v1/assistants") == 0
    assert openai_standin.count("DELETE") == 2
