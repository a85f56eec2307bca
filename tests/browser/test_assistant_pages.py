"""The admin pages in a real headless Chromium, on the plugin's own layout, CSRF on."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from browser_support import csrf_token
from plugin_host import ASSISTANTS_BACKEND, ApiClient, remote_assistant, store_file_ids

pytestmark = pytest.mark.browser

BETA = {"headers": {"OpenAI-Beta": "assistants=v2"}}


@pytest.fixture
def app_config():
    # The pages create, sync and import remote assistant objects.
    return {"OCS_ASSISTANTS_CSRF_ENABLED": True, **ASSISTANTS_BACKEND}


def test_create_an_assistant_through_the_form_and_find_it_in_the_list(site, page, api,
                                                                      openai_client):
    page.goto(site + "/")
    page.get_by_role("link", name="Create your first assistant").click()
    page.get_by_label("Name", exact=True).fill("Travel agent")
    page.get_by_label("Description").fill("Plans trips")
    page.get_by_label("Instructions").fill("Suggest trains before planes.")
    page.get_by_label("Model", exact=True).fill("gpt-4o-mini")
    page.get_by_label("Temperature").fill("0.6")
    page.get_by_text("File search", exact=True).click()
    page.get_by_role("button", name="Create assistant").click()

    page.wait_for_url(re.compile(r"/assistants/\d+$"))
    expect(page.locator(".ocs-messages")).to_have_text(
        "Assistant “Travel agent” created and pushed to OpenAI.")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Assistants").click()
    row = page.locator("[data-testid=assistant-list] tbody tr")
    expect(row).to_have_count(1)
    for text in ("Travel agent", "gpt-4o-mini", "Working", "File search"):
        expect(row).to_contain_text(text)

    page.get_by_label("Search by name").fill("travel")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/?q=travel")
    expect(row).to_have_count(1)
    page.get_by_label("Search by name").fill("zebra")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No assistants match “zebra”")).to_be_visible()

    [created] = api.assistants()
    remote = remote_assistant(openai_client, created["openai_id"])
    assert (remote["name"], remote["instructions"], remote["temperature"]) == (
        "Travel agent", "Suggest trains before planes.", 0.6)


def test_bad_input_shows_each_fields_error_and_keeps_what_was_typed(site, page, api):
    page.goto(site + "/new")
    page.get_by_label("Name", exact=True).fill("Travel agent")
    page.get_by_label("Temperature").fill("3")
    page.get_by_label("Instructions").fill("Line one\nLine two")
    tools = page.get_by_label("Function tools")
    tools.fill('[{"name": "book", }]')
    page.get_by_label("Name", exact=True).click()  # leaving the box checks its JSON at once
    expect(page.locator("[data-ocs-json-error=function_tools]")).to_contain_text("Not valid JSON")
    page.get_by_role("button", name="Create assistant").click()

    expect(page.locator("#temperature-error")).to_have_text(
        "Enter a number from 0 to 2, or leave it empty for the default.")
    assert page.inner_text("#function_tools-error").startswith("Not valid JSON (")
    assert page.get_by_label("Temperature").get_attribute("aria-invalid") == "true"
    expect(page.get_by_label("Temperature")).to_be_focused()  # the first bad field
    assert page.get_by_label("Name", exact=True).input_value() == "Travel agent"
    assert page.get_by_label("Instructions").input_value() == "Line one\nLine two"
    assert page.get_by_label("Function tools").input_value() == '[{"name": "book", }]'
    assert "Please correct 2 fields." in page.inner_text("[data-testid=form-errors]")
    assert api.assistants() == []


def test_upload_a_file_and_see_it_listed(site, page, api, openai_client, openai_standin):
    created = api.create(name="Librarian", builtin_tools=["file_search"])
    page.goto(f"{site}/{created['id']}")
    upload = page.locator("[data-tool=file_search] form[data-ocs-upload]")
    upload.locator("input[type=file]").set_input_files(files=[{
        "name": "handbook.txt", "mimeType": "text/plain", "buffer": b"chapter " * 200_000}])
    expect(upload).to_contain_text("handbook.txt · 1.5 MB")
    # OpenAI answering slowly keeps the bar on screen after the bytes are sent.
    openai_standin.latency = 0.3

    with page.expect_request(f"**/api/assistants/{created['id']}/files") as sent:
        upload.get_by_role("button", name="Upload").click()
        progress = upload.locator("[data-ocs-progress-text]")
        expect(progress).to_have_text("Uploaded, attaching in OpenAI…")
        expect(upload.locator("progress")).to_have_attribute("value", "100")
    assert sent.value.headers["x-csrf-token"]  # the script sends the CSRF token as a header

    row = page.locator("[data-testid=files-file_search] [data-testid=file-row]")
    expect(row).to_contain_text("handbook.txt")
    openai_standin.latency = 0
    expect(row).to_contain_text("1.5 MB")
    [record] = api.get(f"/assistants/{created['id']}").get_json()["files"]
    assert store_file_ids(openai_client, created["vector_store_id"]) == {record["openai_id"]}


def test_remove_a_file_after_confirming(site, page, api, openai_client):
    created = api.create(name="Analyst", builtin_tools=["code_interpreter"])
    seeded = api.upload(created["id"], "code_interpreter", "sales.csv", b"q,total\n1,10\n",
                        headers={"X-CSRF-Token": csrf_token(api)})
    assert seeded.status_code == 201, seeded.get_json()
    page.goto(f"{site}/{created['id']}")
    rows = page.locator("[data-testid=files-code_interpreter] [data-testid=file-row]")
    expect(rows).to_have_count(1)

    rows.get_by_role("button", name="Remove sales.csv from Code interpreter").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Remove “sales.csv” from Code interpreter?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(rows).to_have_count(1)

    rows.get_by_role("button", name="Remove sales.csv from Code interpreter").click()
    page.get_by_role("dialog").get_by_role("button", name="Remove").click()
    expect(page.get_by_text("File removed.")).to_be_visible()
    expect(rows).to_have_count(0)
    assert api.get(f"/assistants/{created['id']}").get_json()["files"] == []


def test_a_drifted_assistant_shows_both_values_and_pull_makes_it_in_sync(site, page, api,
                                                                         openai_client):
    created = api.create(name="Helper", instructions="Be kind.")
    openai_client.post(f"/assistants/{created['openai_id']}", body={"instructions": "Be terse."},
                       cast_to=object, options=BETA)

    page.goto(f"{site}/{created['id']}")
    badge = page.locator("[data-testid=sync-state]")
    expect(badge).to_have_text("Out of sync")
    difference = page.locator("[data-testid=sync-differences] tr[data-field=instructions]")
    expect(difference.locator(".ocs-diff-local")).to_have_text("Be kind.")
    expect(difference.locator(".ocs-diff-remote")).to_have_text("Be terse.")

    page.get_by_role("button", name="Pull from OpenAI").click()
    page.get_by_role("dialog").get_by_role("button", name="Pull from OpenAI").click()

    expect(page.get_by_text("Pulled from OpenAI")).to_be_visible()
    expect(badge).to_have_text("In sync")
    expect(page.get_by_label("Instructions")).to_have_value("Be terse.")
    expect(page.locator("[data-testid=sync-differences]")).to_have_count(0)


def test_import_an_assistant_from_openai(site, page, api, openai_client):
    remote = openai_client.post("/assistants", body={"model": "gpt-4o", "name": "Legacy bot"},
                                cast_to=object, options=BETA)

    page.goto(site + "/import")
    page.get_by_label("OpenAI assistant id").fill("asst_nope")
    page.get_by_role("button", name="Import assistant").click()
    expect(page.locator("#openai_assistant_id-error")).to_have_text("No such assistant in OpenAI.")
    expect(page.get_by_label("OpenAI assistant id")).to_have_value("asst_nope")

    page.get_by_label("OpenAI assistant id").fill(remote["id"])
    page.get_by_role("button", name="Import assistant").click()

    expect(page.get_by_text("Imported “Legacy bot” from OpenAI with 0 files.")).to_be_visible()
    expect(page.locator("[data-testid=sync-state]")).to_have_text("In sync")
    assert [a["openai_id"] for a in api.assistants()] == [remote["id"]]
