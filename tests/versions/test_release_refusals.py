"""What a release refuses: each with a clear error, and nothing done at all."""
from __future__ import annotations

import pytest

from ocs_assistant_plugin.errors import Conflict, InvalidInput, NotFound
from plugin_host import snapshot


@pytest.fixture
def unchanged(api, openai_client, openai_standin):
    """``unchanged()`` asserts that nothing changed here or in OpenAI since the fixture ran
    (after the test's own setup, take it with ``unchanged.reset()``)."""
    class Unchanged:
        def reset(self):
            self.before = snapshot(api, openai_client)
            openai_standin.reset_counts()

        def __call__(self):
            assert openai_standin.count(method="POST") == 0
            assert openai_standin.count(method="DELETE") == 0
            assert snapshot(api, openai_client) == self.before

    return Unchanged()


def test_releasing_a_version_is_refused(api, release, unchanged):
    bot = api.create(name="Bot")
    version_id = release([bot["id"]])[bot["id"]]
    api.patch(f"/assistants/{bot['id']}", json={"instructions": "changed"})
    unchanged.reset()

    with pytest.raises(Conflict) as refused:
        release([bot["id"], version_id])

    assert refused.value.status == 409
    assert (f"assistant {version_id} is version 1 of assistant {bot['id']}"
            in refused.value.message)
    assert refused.value.fields == {"assistant_ids": [f"Assistant {version_id} is a version."]}
    unchanged()


def test_releasing_an_archived_assistant_is_refused(api, release, set_columns, unchanged):
    live = api.create(name="Live")
    gone = api.create(name="Gone")
    set_columns(gone["id"], archived=True)
    unchanged.reset()

    with pytest.raises(Conflict) as refused:
        release([live["id"], gone["id"]])

    assert refused.value.message == f"Assistant {gone['id']} is archived and cannot be released."
    unchanged()


def test_another_teams_assistant_is_not_found(api, release, unchanged):
    ours = api.create(name="Ours")
    theirs = api.post("/assistants", json={"name": "Theirs", "model": "gpt-4o"},
                      team=2).get_json()
    unchanged.reset()

    with pytest.raises(NotFound) as refused:
        release([ours["id"], theirs["id"]], team_id=1)

    assert refused.value.status == 404
    assert refused.value.message == f"Assistant {theirs['id']} is not found."
    assert refused.value.fields == {"assistant_ids": [f"No assistant {theirs['id']} in this team."]}
    unchanged()


def test_unknown_ids_are_not_found_and_named(api, release, unchanged):
    bot = api.create(name="Bot")
    unchanged.reset()

    with pytest.raises(NotFound) as refused:
        release([bot["id"], 9998, 9999])

    assert refused.value.message == "Assistants 9998, 9999 are not found."
    unchanged()


@pytest.mark.parametrize("call, field", [
    ({"assistant_ids": "1"}, "assistant_ids"),
    ({"assistant_ids": 1}, "assistant_ids"),
    ({"assistant_ids": [True]}, "assistant_ids"),
    ({"assistant_ids": ["1"]}, "assistant_ids"),
    ({"assistant_ids": [0]}, "assistant_ids"),
    ({"team_id": "1"}, "team_id"),
    ({"team_id": None}, "team_id"),
    ({"release_label": 3}, "release_label"),
    ({"release_label": "x" * 257}, "release_label"),
])
def test_malformed_arguments_are_refused_naming_the_argument(call, field, api, app, plugin,
                                                             unchanged):
    bot = api.create(name="Bot")
    unchanged.reset()
    arguments = {"assistant_ids": [bot["id"]], "team_id": 1, "release_label": "r", **call}

    with app.app_context(), pytest.raises(InvalidInput) as refused:
        plugin.hook.ocs_release(**arguments)

    assert list(refused.value.fields) == [field]
    assert refused.value.status == 400
    unchanged()
