"""The example host's flows in a real headless Chromium against OpenAI as it is today: the
stand-in without the Assistants API (what ``make run SUNSET=1`` runs). On the default
``responses`` backend nothing asks for the Assistants API, and every flow works: create an
assistant with a file, the sync report, the Try panel citing the file, pick it on an experiment,
release it, and the archive modal blocked by the released experiment."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from browser_support import sign_in_to_the_example_host

pytestmark = pytest.mark.browser

@pytest.mark.parametrize("assistants_api", [False])
def test_the_example_hosts_flows_work_without_the_assistants_api(example_site, open_page,
                                                                  openai_standin):
    page = open_page()
    sign_in_to_the_example_host(page, example_site)

    # Create an assistant with a file: in sync.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Assistants").click()
    page.get_by_role("link", name="Create your first assistant").click()
    page.get_by_label("Name", exact=True).fill("Concierge")
    page.get_by_label("Instructions").fill("Recommend local restaurants.")
    page.get_by_text("File search", exact=True).click()
    page.get_by_role("button", name="Create assistant").click()
    page.wait_for_url(re.compile(r"/assistants/\d+$"))
    assistant_url = page.url
    upload = page.locator("[data-tool=file_search] form[data-ocs-upload]")
    upload.locator("input[type=file]").set_input_files(files=[{
        "name": "menu.txt", "mimeType": "text/plain",
        "buffer": b"The canteen serves mushroom soup and bread on Mondays."}])
    upload.get_by_role("button", name="Upload").click()
    expect(page.locator("[data-testid=files-file_search] [data-testid=file-row]")).to_contain_text(
        "menu.txt")
    page.reload()
    expect(page.locator("[data-testid=sync-state]")).to_have_text("In sync")

    # Try it: the answer cites the file.
    panel = page.get_by_test_id("try-panel")
    panel.get_by_label("Message").fill("Which soup is served on Mondays?")
    panel.get_by_role("button", name="Send").click()
    expect(page.get_by_test_id("try-citations")).to_have_text(re.compile(r"menu\.txt"))

    # Pick it on an experiment and release the experiment.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Experiments").click()
    page.get_by_role("link", name=re.compile("New experiment")).first.click()
    page.get_by_label("Name").fill("Dinner bot")
    page.get_by_label("Assistant").select_option(label="Concierge · gpt-4o")
    page.get_by_role("button", name="Create experiment").click()
    expect(page.locator("[data-testid=experiment-assistant]")).to_have_text("Concierge")
    page.fill("#release_label", "first release")
    page.click("form >> button:has-text('Release')")
    expect(page.locator(".flashes")).to_contain_text(
        "Version 1 of “Dinner bot” released and published.")

    # The archive modal: the released experiment blocks archiving.
    page.goto(assistant_url)
    page.get_by_test_id("archive-open").click()
    modal = page.get_by_test_id("archive-modal")
    expect(modal.get_by_role("link", name=re.compile("Dinner bot"))).not_to_have_count(0)
    expect(modal.get_by_test_id("archive-confirm")).to_have_count(0)

    # Nothing asked for the Assistants API, which this server no longer offers.
    assert openai_standin.count(path_prefix="/v1/assistants") == 0
    assert openai_standin.count(path_prefix="/v1/responses") == 1
