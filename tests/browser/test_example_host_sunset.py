"""The example host's flows in a real headless Chromium against OpenAI as it is today: the
stand-in without the Assistants API (what ``make run SUNSET=1`` runs). On the default
``responses`` backend nothing asks for the Assistants API, and every flow works: create an
assistant with a file, the sync report, the Try panel citing the file, pick it on an experiment,
release it, and the archive modal blocked by the released experiment."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from browser_support import (create_the_concierge, pick_the_concierge_on_a_new_experiment,
                             sign_in_to_the_example_host, upload_the_menu)

pytestmark = pytest.mark.browser

@pytest.mark.parametrize("assistants_api", [False])
def test_the_example_hosts_flows_work_without_the_assistants_api(example_site, open_page,
                                                                  openai_standin):
    page = open_page()
    sign_in_to_the_example_host(page, example_site)

    # Create an assistant with a file: in sync.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Assistants").click()
    create_the_concierge(page)
    assistant_url = page.url
    upload_the_menu(page, b"The canteen serves mushroom soup and bread on Mondays.")
    page.reload()
    expect(page.locator("[data-testid=sync-state]")).to_have_text("In sync")

    # Try it: the answer cites the file.
    panel = page.get_by_test_id("try-panel")
    panel.get_by_label("Message").fill("Which soup is served on Mondays?")
    panel.get_by_role("button", name="Send").click()
    expect(page.get_by_test_id("try-citations")).to_have_text(re.compile(r"menu\.txt"))

    # Pick it on an experiment and release the experiment.
    pick_the_concierge_on_a_new_experiment(page)
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
