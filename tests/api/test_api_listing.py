"""GET /api/assistants: pages, filters, the name search, and their validation."""
from __future__ import annotations

import pytest

from plugin_host import ApiClient, add_assistant_row


@pytest.fixture
def small_pages(make_app):
    return ApiClient(make_app(OCS_ASSISTANTS_PAGE_SIZE=2))


def test_pages_follow_next_links_to_the_end(small_pages):
    ids = [small_pages.create(name=f"Bot {i}")["id"] for i in range(5)]

    first = small_pages.get("/assistants").get_json()
    second = small_pages.get(first["next"]).get_json()
    third = small_pages.get(second["next"]).get_json()

    assert [a["id"] for a in first["items"]] == ids[:2]
    assert [a["id"] for a in second["items"]] == ids[2:4]
    assert [a["id"] for a in third["items"]] == ids[4:]
    assert third["next"] is None
    assert first["next"].startswith("/assistants/api/assistants?") and "page=2" in first["next"]


def test_an_empty_listing_has_no_next_page(api):
    assert api.get("/assistants").get_json() == {"items": [], "next": None}


def test_a_page_past_the_end_is_empty(small_pages):
    small_pages.create()

    assert small_pages.get("/assistants?page=9").get_json() == {"items": [], "next": None}


def test_filters_archived_and_versions(app, api):
    working = api.create(name="Working")["id"]
    version = add_assistant_row(app, name="Working v1", is_version=True, working_id=working,
                                version_number=1)
    archived = add_assistant_row(app, name="Old", archived=True)

    def ids(**query):
        return [a["id"] for a in api.assistants(**query)]

    assert ids() == [working]
    assert ids(versions="true") == [working, version]
    assert ids(archived="true") == [archived]
    assert ids(archived="false", versions="1") == [working, version]


def test_q_keeps_names_that_contain_it_whatever_the_case(app, api):
    ids = {name: add_assistant_row(app, name=name)
           for name in ("Support Bot", "customer SUPPORT", "Sales", "Supper")}

    def names(**query):
        return [a["name"] for a in api.assistants(**query)]

    assert names(q="support") == ["Support Bot", "customer SUPPORT"]
    assert names(q="SuPpOrT b") == ["Support Bot"]
    assert names(q="nothing like it") == []
    assert [a["id"] for a in api.assistants(q="")] == list(ids.values())  # empty: no filter


@pytest.mark.parametrize("search, expected", [
    ("%", ["100% sure"]),
    ("100%", ["100% sure"]),
    ("_", ["snake_case"]),
    ("e_c", ["snake_case"]),
    ("\\", ["back\\slash"]),
    ("k\\s", ["back\\slash"]),
])
def test_q_matches_like_wildcards_and_the_escape_character_literally(app, api, search, expected):
    for name in ("100% sure", "1000 sure", "snake_case", "snakeXcase", "back\\slash", "backslash"):
        add_assistant_row(app, name=name)

    assert [a["name"] for a in api.assistants(q=search)] == expected


def test_q_combines_with_the_filters_and_next_links_keep_it(make_app):
    small_pages = ApiClient(make_app(OCS_ASSISTANTS_PAGE_SIZE=2))
    app = small_pages.app
    working = [add_assistant_row(app, name=f"Helper {i}") for i in range(3)]
    add_assistant_row(app, name="Other")
    version = add_assistant_row(app, name="Helper 0 v1", is_version=True, working_id=working[0],
                                version_number=1)
    archived = add_assistant_row(app, name="Old helper", archived=True)

    first = small_pages.get("/assistants", query_string={"q": "helper"}).get_json()
    assert [a["id"] for a in first["items"]] == working[:2]
    assert "q=helper" in first["next"]
    second = small_pages.get(first["next"]).get_json()
    assert [a["id"] for a in second["items"]] == working[2:] and second["next"] is None

    assert [a["id"] for a in small_pages.assistants(q="HELPER", versions="true")] == [
        *working, version]
    assert [a["id"] for a in small_pages.assistants(q="helper", archived="true")] == [archived]


@pytest.mark.parametrize("query, field", [
    ("page=0", "page"),
    ("page=two", "page"),
    ("archived=maybe", "archived"),
    ("versions=2", "versions"),
    ("sort=name", "sort"),
    ("q=" + "x" * 257, "q"),
])
def test_bad_query_names_the_parameter(api, query, field):
    response = api.get(f"/assistants?{query}")

    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
