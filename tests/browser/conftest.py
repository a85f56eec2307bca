"""Browser tests: the pages served over real HTTP, driven by a real headless Chromium.

Chromium comes from the system (``/usr/bin/chromium``, installed by ``make test``); Playwright's
own browser download is never used. Each test gets a fresh browser context (cookies, storage);
the browser itself is started once per module. When a test fails, a screenshot of its page is
saved in ``test-artifacts/`` for the reader.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from browser_support import EXAMPLE_PASSWORD, EXAMPLE_TEAM, EXAMPLE_USERNAME, serve
from example_host_app import create_example_app, dispose_example_app
from plugin_host import TEAM_HEADER

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
#: How long a page may take to show what a test waits for (the stand-in answers locally).
TIMEOUT_MS = 10_000


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so the page fixture knows a test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def database_url(sqlite_url):
    """SQLite only: the pages are the same on PostgreSQL, tested there without a browser."""
    return sqlite_url


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def open_page(request, chromium):
    """``open_page(**context_options)`` -> a new page in a fresh context; screenshot on failure."""
    contexts = []

    def make(**options):
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = chromium.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    report = getattr(request.node, "rep_call", None)
    failed = report is not None and report.failed
    for number, context in enumerate(contexts):
        if failed:
            for index, page in enumerate(context.pages):
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
                suffix = f"-{number}-{index}" if number or index else ""
                page.screenshot(path=str(ARTIFACTS / f"{name}{suffix}.png"), full_page=True)
        context.close()


@pytest.fixture
def site(app):
    """The app over HTTP: its base URL (the plugin's pages are under /assistants)."""
    base_url, stop = serve(app)
    yield base_url + app.config["OCS_ASSISTANTS_URL_PREFIX"]
    stop()


@pytest.fixture
def page(open_page):
    """A page of team 1 (the test host takes the team from a header)."""
    return open_page(extra_http_headers={TEAM_HEADER: "1"})


@pytest.fixture
def assistants_api():
    """Whether the stand-in offers the Assistants API; a test of OpenAI without it parametrizes
    this to False: ``@pytest.mark.parametrize("assistants_api", [False])``."""
    return True


@pytest.fixture
def example_site(database_url, openai_standin, assistants_api, tmp_path):
    """The example host app on its defaults and the stand-in, with one user; its base URL over
    HTTP."""
    from example_host.models import Team, User, db

    openai_standin.assistants_api = assistants_api  # the stand-in's reset restores it after
    app = create_example_app(database_url, openai_standin, tmp_path / "instance")
    with app.app_context():
        user = User(username=EXAMPLE_USERNAME, team=Team(name=EXAMPLE_TEAM))
        user.set_password(EXAMPLE_PASSWORD)
        db.session.add(user)
        db.session.commit()
    base_url, stop = serve(app)
    yield base_url
    stop()
    dispose_example_app(app)
