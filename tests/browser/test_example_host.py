"""A person's first visit to the example host: sign in, create an assistant with a file through
the plugin's pages (inside the host's layout), and pick it on an experiment."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from browser_support import (EXAMPLE_TEAM, create_the_concierge,
                             pick_the_concierge_on_a_new_experiment, sign_in_to_the_example_host,
                             upload_the_menu)

pytestmark = pytest.mark.browser

def test_create_an_assistant_with_a_file_and_pick_it_on_an_experiment(example_site, open_page,
                                                                       openai_client):
    page = open_page()
    sign_in_to_the_example_host(page, example_site)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Assistants").click()
    expect(page.get_by_role("heading", name="No assistants yet")).to_be_visible()
    # the host's layout around the page
    expect(page.locator("header .team")).to_have_text(EXAMPLE_TEAM)
    create_the_concierge(page)
    expect(page.locator("[data-testid=sync-state]")).to_have_text("In sync")
    upload_the_menu(page, b"Soup of the day")

    pick_the_concierge_on_a_new_experiment(page)
    # The host runs on the plugin's default backend (``responses``): the configuration stays
    # here, and OpenAI holds the assistant's vector store with the file.
    [store] = list(openai_client.vector_stores.list())
    assert store.name == "Concierge"
    [stored] = list(openai_client.vector_stores.files.list(store.id))
    assert openai_client.files.retrieve(stored.id).filename == "menu.txt"
