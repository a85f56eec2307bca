"""A person's first visit to the example host: sign in, create an assistant with a file through
the plugin's pages (inside the host's layout), and pick it on an experiment."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from browser_support import serve

pytestmark = pytest.mark.browser

USERNAME, PASSWORD, TEAM = "alice", "correct horse", "Team A"


@pytest.fixture
def example_site(database_url, openai_standin, tmp_path):
    """The example host app on the stand-in, with one user; its base URL over HTTP."""
    from example_host import create_app
    from example_host.models import Team, User, db

    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "browser-test",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "OCS_ASSISTANTS_OPENAI_API_KEY": openai_standin.api_key,
        "OCS_ASSISTANTS_OPENAI_BASE_URL": openai_standin.base_url,
        "OCS_ASSISTANTS_OPENAI_MAX_RETRIES": 0,
        "OCS_ASSISTANTS_TASK_BACKEND": "eager",
    }, instance_path=str(tmp_path / "instance"))
    with app.app_context():
        user = User(username=USERNAME, team=Team(name=TEAM))
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    base_url, stop = serve(app)
    yield base_url
    stop()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_create_an_assistant_with_a_file_and_pick_it_on_an_experiment(example_site, open_page,
                                                                       openai_client):
    page = open_page()
    page.goto(example_site + "/")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Assistants").click()
    expect(page.get_by_role("heading", name="No assistants yet")).to_be_visible()
    expect(page.locator("header .team")).to_have_text(TEAM)  # the host's layout around the page
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
