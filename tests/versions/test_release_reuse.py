"""Reuse of unchanged versions (OCS_ASSISTANTS_REUSE_UNCHANGED_VERSIONS, on by default)."""
from __future__ import annotations

from plugin_host import ApiClient, fire
from version_helpers import CONFIG


def test_a_second_release_without_changes_reuses_the_version_without_remote_calls(
        api, release, openai_standin, versions_of):
    bot = api.create(name="Bot", builtin_tools=["file_search"])
    assert api.upload(bot["id"], "file_search", "faq.txt").status_code == 201
    first = release([bot["id"]], label="r1")
    openai_standin.reset_counts()

    second = release([bot["id"]], label="r2")

    assert second == first
    assert openai_standin.count() == 0
    assert [(n, label) for n, _, label, _ in versions_of(bot["id"])] == [(1, "r1")]


def test_an_edit_after_a_release_makes_a_new_version(api, release, openai_standin, versions_of):
    bot = api.create(name="Bot", instructions="Be brief.")
    first = release([bot["id"]])[bot["id"]]
    api.patch(f"/assistants/{bot['id']}", json={"instructions": "Be thorough."})
    openai_standin.reset_counts()

    second = release([bot["id"]])[bot["id"]]

    assert second != first
    assert openai_standin.count() == 1
    assert [n for n, *_ in versions_of(bot["id"])] == [1, 2]
    assert api.get(f"/assistants/{second}").get_json()["instructions"] == "Be thorough."
    assert api.get(f"/assistants/{first}").get_json()["instructions"] == "Be brief."


def test_a_file_change_or_a_rename_makes_a_new_version(api, release):
    bot = api.create(name="Bot", builtin_tools=["file_search"])
    v1 = release([bot["id"]])[bot["id"]]
    assert api.upload(bot["id"], "file_search", "faq.txt").status_code == 201
    v2 = release([bot["id"]])[bot["id"]]
    api.patch(f"/assistants/{bot['id']}", json={"name": "Renamed"})
    v3 = release([bot["id"]])[bot["id"]]

    assert len({v1, v2, v3}) == 3
    assert api.get(f"/assistants/{v3}").get_json()["name"] == "Renamed v3"
    assert release([bot["id"]])[bot["id"]] == v3


def test_changing_back_reuses_the_latest_version_only_when_it_matches(api, release):
    bot = api.create(name="Bot", instructions="A")
    v1 = release([bot["id"]])[bot["id"]]
    api.patch(f"/assistants/{bot['id']}", json={"instructions": "B"})
    v2 = release([bot["id"]])[bot["id"]]
    api.patch(f"/assistants/{bot['id']}", json={"instructions": "A"})

    v3 = release([bot["id"]])[bot["id"]]

    # v1 matches again, but the latest version is v2: a new version, numbered after both
    assert v3 not in (v1, v2)
    assert api.get(f"/assistants/{v3}").get_json()["version_number"] == 3


def test_an_archived_latest_version_is_not_reused(api, release, set_columns, versions_of):
    bot = api.create(name="Bot")
    v1 = release([bot["id"]])[bot["id"]]
    set_columns(v1, archived=True)

    v2 = release([bot["id"]])[bot["id"]]

    assert v2 != v1
    assert [(n, archived) for n, _, _, archived in versions_of(bot["id"])] == [(1, True),
                                                                                (2, False)]


def test_with_reuse_off_every_release_clones(make_app, openai_standin):
    app = make_app(OCS_ASSISTANTS_REUSE_UNCHANGED_VERSIONS=False, **CONFIG)
    api = ApiClient(app)
    bot = api.create(name="Bot")
    openai_standin.reset_counts()

    first = fire(app, "ocs_release", assistant_ids=[bot["id"]], team_id=1, release_label="a")
    second = fire(app, "ocs_release", assistant_ids=[bot["id"]], team_id=1, release_label="b")

    assert first != second
    assert openai_standin.count("POST", "/v1/assistants") == 2
    assert [api.get(f"/assistants/{v[bot['id']]}").get_json()["version_number"]
            for v in (first, second)] == [1, 2]


def test_one_release_mixes_reused_and_new_versions(api, release, openai_standin):
    same = api.create(name="Same")
    edited = api.create(name="Edited")
    before = release([same["id"], edited["id"]])
    api.patch(f"/assistants/{edited['id']}", json={"description": "new"})
    openai_standin.reset_counts()

    after = release([same["id"], edited["id"]])

    assert after[same["id"]] == before[same["id"]]
    assert after[edited["id"]] != before[edited["id"]]
    assert openai_standin.count() == 1
