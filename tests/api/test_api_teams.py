"""Team scoping and authorization: another team's assistant is not found, hooks decide access."""
from __future__ import annotations

import pytest

from ocs_assistant_plugin import hookimpl
from plugin_host import ApiClient, snapshot


@pytest.fixture
def other_team(app):
    return ApiClient(app, team=2)


@pytest.mark.parametrize("method, path, kwargs", [
    ("GET", "/assistants/{id}", {}),
    ("PATCH", "/assistants/{id}", {"json": {"name": "Mine now"}}),
    ("DELETE", "/assistants/{id}/files/{file}", {}),
])
def test_another_teams_assistant_is_404(api, other_team, openai_client, method, path, kwargs):
    assistant = api.create(builtin_tools=["file_search"])
    record = api.upload(assistant["id"], "file_search").get_json()
    before = snapshot(api, openai_client)

    response = other_team.open(method, path.format(id=assistant["id"], file=record["id"]),
                               **kwargs)

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert snapshot(api, openai_client) == before


def test_upload_to_another_teams_assistant_is_404(api, other_team, openai_standin):
    assistant = api.create(builtin_tools=["file_search"])
    openai_standin.reset_counts()

    response = other_team.upload(assistant["id"], "file_search")

    assert response.status_code == 404
    assert openai_standin.count() == 0


def test_listing_shows_only_the_teams_assistants(api, other_team):
    mine = api.create(name="Mine")
    theirs = other_team.create(name="Theirs")

    assert [a["id"] for a in api.assistants()] == [mine["id"]]
    assert [a["id"] for a in other_team.assistants()] == [theirs["id"]]


def test_no_team_is_401(app):
    anonymous = ApiClient(app, team=None)

    for response in (anonymous.get("/assistants"),
                     anonymous.post("/assistants", json={"name": "A", "model": "m"})):
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "not_authenticated"


def test_default_is_deny_without_allow_all(make_app, openai_standin):
    api = ApiClient(make_app(OCS_ASSISTANTS_ALLOW_ALL=False))

    listing = api.get("/assistants")
    create = api.post("/assistants", json={"name": "A", "model": "gpt-4o"})

    assert listing.status_code == 403 and create.status_code == 403
    assert create.get_json()["error"]["code"] == "forbidden"
    assert openai_standin.count() == 0


class ViewOnly:
    """A host whose users may look but not touch; records what it was asked."""

    def __init__(self):
        self.asked = []

    @hookimpl
    def ocs_authorize(self, action, team_id, assistant):
        self.asked.append((action, team_id, assistant.id if assistant is not None else None))
        return action == "view"


def test_host_authorize_hook_decides_per_action(app, api, plugin, openai_client):
    assistant = api.create(name="Bot")
    host = ViewOnly()
    plugin.register(host)
    before = snapshot(api, openai_client)

    read = api.get(f"/assistants/{assistant['id']}")
    edit = api.patch(f"/assistants/{assistant['id']}", json={"name": "x"})
    upload = api.upload(assistant["id"], "file_search")
    create = api.post("/assistants", json={"name": "B", "model": "gpt-4o"})
    imported = api.post("/assistants/import", json={"openai_assistant_id": "asst_1"})

    assert read.status_code == 200
    assert [r.status_code for r in (edit, upload, create, imported)] == [403] * 4
    assert ("view", 1, assistant["id"]) in host.asked
    assert ("edit", 1, assistant["id"]) in host.asked
    assert ("create", 1, None) in host.asked and ("import", 1, None) in host.asked
    assert snapshot(api, openai_client) == before
