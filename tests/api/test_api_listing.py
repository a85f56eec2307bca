"""GET /api/assistants: pages, filters, and their validation."""
from __future__ import annotations

import pytest

from ocs_assistant_plugin.models import Assistant
from plugin_host import ApiClient


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


def _add(app, **fields) -> int:
    db = app.extensions["sqlalchemy"]
    with app.app_context():
        row = Assistant(team_id=1, model="gpt-4o", **fields)
        db.session.add(row)
        db.session.commit()
        return row.id


def test_filters_archived_and_versions(app, api):
    working = api.create(name="Working")["id"]
    version = _add(app, name="Working v1", is_version=True, working_id=working, version_number=1)
    archived = _add(app, name="Old", archived=True)

    def ids(**query):
        return [a["id"] for a in api.assistants(**query)]

    assert ids() == [working]
    assert ids(versions="true") == [working, version]
    assert ids(archived="true") == [archived]
    assert ids(archived="false", versions="1") == [working, version]


@pytest.mark.parametrize("query, field", [
    ("page=0", "page"),
    ("page=two", "page"),
    ("archived=maybe", "archived"),
    ("versions=2", "versions"),
    ("sort=name", "sort"),
])
def test_bad_query_names_the_parameter(api, query, field):
    response = api.get(f"/assistants?{query}")

    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
