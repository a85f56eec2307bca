"""A person's first visit to the example host: sign in, create an assistant with a file through
the plugin's pages (inside the host's layout), and pick it on an experiment."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from browser_support import EXAMPLE_TEAM, sign_in_to_the_example_host

pytestmark = pytest.mark.browser

def test_create_an_assistant_with_a_file_and_pick_it_on_an_experiment(example_site, open_page,
                                                                       openai_client):
    page = open_page()
    sign_in_to_the_example_host(page, example_site)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Assistants").click()
    expect(page.get_by_role("heading", name="No assistants yet")).to_be_visible()
    # the host's layout around the page
    expect(page.locator("header .team")).to_have_text(EXAMPLE_TEAM)
    page.get_by_role("link", name="Create your first assistant").click()
    page.get_by_label("Name", exact=True).fill("Concierge")
    page.get_by_label("Instructions").fill("Recommend local restaurants.")
    page.get_by_text("File search", exact=True).click()
    page.get_by_role("button", name="Create assistant").click()
    page.wait_for_url(re.compile(r"/assistants/\d+$"))
    expect(page.locator("[data-testid=sync-state]")).to_have_text("In sync")

    upload = page.locator("[data-tool=file_search] form[data-ocs-upload]")
    upload.locator("input[type=file]").set_input_files(files=[{
        "name": "menu.txt", "mimeType": "text/plain", "buffer": b"Soup of the day"}])
    upload.get_by_role("button", name="Upload").click()
    expect(page.locator("[data-testid=files-file_search] [data-testid=file-row]")).to_contain_text(
        "menu.txt")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Experiments").click()
    page.get_by_role("link", name=re.compile("New experiment")).first.click()
    page.get_by_label("Name").fill("Dinner bot")
    page.get_by_label("Assistant").select_option(label="Concierge · gpt-4o")
    page.get_by_role("button", name="Create experiment").click()

    expect(page.locator("[data-testid=experiment-assistant]")).to_have_text("Concierge")
    # The host runs on the plugin's default backend (``responses``): the configuration stays
    # here, and OpenAI holds the assistant's vector store with the file.
    [store] = list(openai_client.vector_stores.list())
    assert store.name == "Concierge"
    [stored] = list(openai_client.vector_stores.files.list(store.id))
    assert openai_client.files.retrieve(stored.id).filename == "menu.txt"
