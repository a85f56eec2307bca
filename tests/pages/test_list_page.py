"""The list page: empty state, state badges, search by name, pagination, tabs."""
from __future__ import annotations

import re

import pytest

from ocs_assistant_plugin.models import Assistant
from page_html import badges, text_of
from pages_client import PagesClient
from plugin_host import DATABASES


@pytest.fixture(params=DATABASES)
def database_url(request):
    """Both databases (unlike the other pages): the name search is a LIKE query with escaping."""
    return request.getfixturevalue(f"{request.param}_url")


def _add(app, team_id: int = 1, **fields) -> int:
    """A row made directly, for states the API cannot make yet (never pushed, versions)."""
    db = app.extensions["sqlalchemy"]
    with app.app_context():
        row = Assistant(team_id=team_id, model="gpt-4o", **fields)
        db.session.add(row)
        db.session.commit()
        return row.id


def _names(html: str) -> list[str]:
    return [text_of(n) for n in re.findall(r'<a class="ocs-strong" href="[^"]+">(.*?)</a>', html)]


def test_a_team_without_assistants_sees_a_call_to_action(pages):
    html = pages.text("/")

    assert "No assistants yet" in html
    assert f'href="{pages.prefix}/new">Create your first assistant' in html
    assert f'href="{pages.prefix}/import">Import from OpenAI' in html
    assert 'data-testid="assistant-list"' not in html


def test_the_list_shows_each_assistant_with_its_state(app, pages, api):
    pushed = api.create(name="Helpdesk", builtin_tools=["file_search"])
    never_pushed = _add(app, name="Draft")
    _add(app, name="Helpdesk v1", is_version=True, working_id=pushed["id"], version_number=1,
         openai_id="asst_v1")
    _add(app, name="Retired", archived=True, openai_id="asst_old")

    working = pages.text("/")
    with_versions = pages.text("/?view=versions")
    archived = pages.text("/?view=archived")

    assert _names(working) == ["Helpdesk", "Draft"]
    assert pushed["openai_id"] in working and "File search" in working
    assert badges(working) == ["Working", "Working", "Not pushed"]
    assert _names(with_versions) == ["Helpdesk", "Draft", "Helpdesk v1"]
    assert "Version 1" in badges(with_versions)
    assert _names(archived) == ["Retired"] and badges(archived) == ["Archived", "Working"]
    assert f'href="{pages.prefix}/{never_pushed}"' in working


def test_search_finds_assistants_by_part_of_their_name(app, pages, api):
    for name in ("Support bot", "Sales helper", "support FAQ", "50% off bot"):
        _add(app, name=name)

    assert _names(pages.text("/?q=SUPPORT")) == ["Support bot", "support FAQ"]
    assert _names(pages.text("/?q=50%25")) == ["50% off bot"]  # % is a letter, not a wildcard
    assert _names(pages.text("/?q=_")) == []
    nothing = pages.text("/?q=zebra")
    assert "No assistants match “zebra”" in nothing and "No assistants yet" not in nothing


def test_search_never_shows_another_teams_assistants(app, pages):
    _add(app, team_id=2, name="Support of team 2")

    assert _names(pages.text("/?q=support")) == []


def test_pages_follow_the_page_size(make_app):
    app = make_app(OCS_ASSISTANTS_CSRF_ENABLED=True, OCS_ASSISTANTS_PAGE_SIZE=2)
    pages = PagesClient(app)
    for i in range(5):
        _add(app, name=f"Bot {i}")

    first, second, third = (pages.text(f"/?page={n}") for n in (1, 2, 3))

    assert _names(first) == ["Bot 0", "Bot 1"] and 'rel="next" href="/assistants/?page=2"' in first
    assert 'rel="prev"' not in first
    assert _names(second) == ["Bot 2", "Bot 3"] and 'rel="prev"' in second
    assert _names(third) == ["Bot 4"] and 'rel="next"' not in third
    assert "This page is empty" in pages.text("/?page=9")


def test_search_is_kept_across_pages(make_app):
    app = make_app(OCS_ASSISTANTS_CSRF_ENABLED=True, OCS_ASSISTANTS_PAGE_SIZE=1)
    pages = PagesClient(app)
    for name in ("Alpha bot", "Beta", "Gamma bot"):
        _add(app, name=name)

    first = pages.text("/?q=bot")

    assert _names(first) == ["Alpha bot"]
    assert 'href="/assistants/?q=bot&amp;page=2"' in first
    assert _names(pages.text("/?q=bot&page=2")) == ["Gamma bot"]


def test_a_bad_page_number_shows_the_first_page(app, pages):
    _add(app, name="Only")

    assert _names(pages.text("/?page=abc")) == ["Only"]
    assert _names(pages.text("/?page=-3&view=nonsense")) == ["Only"]
