"""In a real headless Chromium: the experiment page picks an assistant, then releases it, and the
released version shows the assistant version it uses."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from example_host.models import Experiment, db
from host_testing import PASSWORD, HostClient, make_user

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "example_host"


@pytest.fixture
def live_host(example_app):
    server = make_server("127.0.0.1", 0, example_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def browser_page(request):
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                             args=CHROMIUM_ARGS)
        page = browser.new_page()
        try:
            yield page
        finally:
            report = getattr(request.node, "rep_call", None)  # set in conftest.py
            if report is not None and report.failed:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
            browser.close()


def test_experiment_page_picks_an_assistant_and_releases(example_app, live_host, browser_page):
    make_user(example_app, "alice", "Team A")
    admin = HostClient(example_app, "alice")
    admin.create_assistant("Helpdesk")
    researcher = admin.create_assistant("Researcher")

    page = browser_page
    page.goto(live_host + "/experiments/new")
    page.fill("#username", "alice")
    page.fill("#password", PASSWORD)
    page.click("form >> text=Sign in")
    assert page.url == live_host + "/experiments/new"

    page.fill("#name", "Support bot")
    page.select_option("#assistant_id", label="Researcher · gpt-4o-mini")
    page.click("text=Create experiment")
    assert page.locator("[data-testid=experiment-assistant]").inner_text() == "Researcher"

    page.fill("#release_label", "first release")
    page.click("form >> button:has-text('Release')")
    assert "Version 1 of “Support bot” released and published." in page.inner_text(".flashes")
    with example_app.app_context():
        version = db.session.execute(
            db.select(Experiment).where(Experiment.working_id.is_not(None))).scalar_one()
        assert (version.version_number, version.published, version.release_label) == (
            1, True, "first release")
        version_id, assistant_version_id = version.id, version.assistant_id
    assert assistant_version_id != researcher["id"]

    # The working copy still shows (and links) the working assistant ...
    link = page.locator("[data-testid=experiment-assistant] a")
    assert link.get_attribute("href") == f"/assistants/{researcher['id']}"
    # ... and the released version the assistant version it was released with.
    page.click(f"table >> a[href='/experiments/{version_id}']")
    assert page.url == f"{live_host}/experiments/{version_id}"
    assert page.locator("h1").inner_text().startswith("Support bot v1")
    link = page.locator("[data-testid=experiment-assistant] a")
    assert link.inner_text() == "Researcher v1"
    assert link.get_attribute("href") == f"/assistants/{assistant_version_id}"
    # It leads to the plugin's (read-only) page of that version.
    link.click()
    assert page.url == f"{live_host}/assistants/{assistant_version_id}"
    assert "Researcher v1" in page.locator("h1").inner_text()
    assert admin.api_get(f"/assistants/{assistant_version_id}")["working_id"] == researcher["id"]
