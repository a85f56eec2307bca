"""Serving an app over real HTTP for the browser tests, reading its CSRF token, and the steps the
example host's browser tests share (sign in, create the Concierge, upload its menu, pick it)."""
from __future__ import annotations

import re
import threading

from playwright.sync_api import expect
from werkzeug.serving import make_server

from plugin_host import TEAM_HEADER

#: The one user of the example host's browser tests (the ``example_site`` fixture).
EXAMPLE_USERNAME, EXAMPLE_PASSWORD, EXAMPLE_TEAM = "alice", "correct horse", "Team A"


def serve(app):
    """Serve ``app`` over HTTP on a free loopback port in a thread: ``(base_url, stop)``."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        server.server_close()
        thread.join()

    return f"http://127.0.0.1:{server.server_port}", stop


def csrf_token(api) -> str:
    """A CSRF token of the API client's (``plugin_host.ApiClient``) session, read from a form as a
    browser would."""
    html = api.client.get(api.app.config["OCS_ASSISTANTS_URL_PREFIX"] + "/new",
                          headers={TEAM_HEADER: "1"}).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in_to_the_example_host(page, site: str) -> None:
    """Open the example host at ``site`` and sign in as its one user."""
    page.goto(site + "/")
    page.get_by_label("Username").fill(EXAMPLE_USERNAME)
    page.get_by_label("Password").fill(EXAMPLE_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def create_the_concierge(page) -> None:
    """From the example host's empty assistants list: create "Concierge", with file search."""
    page.get_by_role("link", name="Create your first assistant").click()
    page.get_by_label("Name", exact=True).fill("Concierge")
    page.get_by_label("Instructions").fill("Recommend local restaurants.")
    page.get_by_text("File search", exact=True).click()
    page.get_by_role("button", name="Create assistant").click()
    page.wait_for_url(re.compile(r"/assistants/\d+$"))


def upload_the_menu(page, content: bytes) -> None:
    """On an assistant's page: upload ``menu.txt`` for file search and see it listed."""
    upload = page.locator("[data-tool=file_search] form[data-ocs-upload]")
    upload.locator("input[type=file]").set_input_files(files=[{
        "name": "menu.txt", "mimeType": "text/plain", "buffer": content}])
    upload.get_by_role("button", name="Upload").click()
    expect(page.locator("[data-testid=files-file_search] [data-testid=file-row]")).to_contain_text(
        "menu.txt")


def pick_the_concierge_on_a_new_experiment(page) -> None:
    """In the example host: create the experiment "Dinner bot" using the Concierge."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Experiments").click()
    page.get_by_role("link", name=re.compile("New experiment")).first.click()
    page.get_by_label("Name").fill("Dinner bot")
    page.get_by_label("Assistant").select_option(label="Concierge · gpt-4o")
    page.get_by_role("button", name="Create experiment").click()
    expect(page.locator("[data-testid=experiment-assistant]")).to_have_text("Concierge")
