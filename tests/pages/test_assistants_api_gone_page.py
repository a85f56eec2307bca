"""The pages on a server without the Assistants API: the edit form and the sync panel say what
happened and what to do, and nothing is saved."""
from __future__ import annotations

from page_html import input_value, text_of

ADVICE = ('OCS_ASSISTANTS_BACKEND = "responses"',
          "flask assistants migrate-backend --to responses")


def test_saving_says_the_assistants_api_is_gone_and_what_to_do(pages, api, openai_standin):
    created = api.create(name="Helper")
    openai_standin.assistants_api = False

    response = pages.post_form(f"/{created['id']}", {"name": "Renamed", "model": "gpt-4o"})

    assert response.status_code == 502
    html = response.get_data(as_text=True)
    text = text_of(html)
    assert "no longer offers the Assistants API" in text and all(a in text for a in ADVICE)
    assert input_value(html, "name") == "Renamed"  # what was typed is not lost
    assert api.get(f"/assistants/{created['id']}").get_json()["name"] == "Helper"


def test_the_edit_page_shows_the_sync_error_with_what_to_do(pages, api, openai_standin):
    created = api.create(name="Helper")
    openai_standin.assistants_api = False

    text = text_of(pages.get(f"/{created['id']}").get_data(as_text=True))

    assert "no longer offers the Assistants API" in text and all(a in text for a in ADVICE)
