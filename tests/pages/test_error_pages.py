"""HTTP errors on the pages (unknown URL, wrong method, body too large) get the plugin's error
page with the right status, not werkzeug's default page; the API and the host keep theirs."""
from __future__ import annotations

import io

import pytest

from pages_client import PagesClient
from page_html import text_of

ERROR_PAGE = 'data-testid="error-page"'


def assert_error_page(response, status: int, title: str) -> str:
    assert response.status_code == status
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert ERROR_PAGE in html and 'class="ocs-topbar"' in html  # the plugin's layout
    assert f"<title>{title} · Assistants</title>" in html
    assert "All assistants" in text_of(html)
    return html


@pytest.mark.parametrize("path", ["/nothing-here", "/1/nothing-here", "/new/more"])
def test_an_unknown_page_url_is_a_404_error_page(pages, path):
    html = assert_error_page(pages.get(path), 404, "Not found")

    assert "The requested URL was not found on the server." in text_of(html)


@pytest.mark.parametrize("method, path, allowed", [
    ("POST", "/", {"GET", "HEAD", "OPTIONS"}),
    ("PUT", "/1", {"GET", "POST", "HEAD", "OPTIONS"}),
    ("DELETE", "/new", {"GET", "POST", "HEAD", "OPTIONS"}),
])
def test_a_wrong_method_is_a_405_error_page_with_allow(pages, method, path, allowed):
    response = pages.client.open(pages.url(path), method=method)

    assert_error_page(response, 405, "Not possible at this address")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == allowed


def test_a_form_post_over_the_size_limit_is_a_413_error_page(make_app, api):
    app = make_app(MAX_CONTENT_LENGTH=1000)
    pages = PagesClient(app)
    assistant = api.create(builtin_tools=["file_search"])  # on the default app: same database

    response = pages.client.post(pages.url(f"/{assistant['id']}/files"),
                                 data={"tool": "file_search",
                                       "file": (io.BytesIO(b"x" * 5000), "big.txt")},
                                 content_type="multipart/form-data")

    assert_error_page(response, 413, "Too large")
    assert api.get(f"/assistants/{assistant['id']}").get_json()["files"] == []


def test_the_api_and_the_host_keep_their_own_errors(app, pages):
    api_response = pages.get("/api/nothing-here")
    host_response = app.test_client().get("/not-the-plugin")

    assert api_response.status_code == 404 and api_response.mimetype == "application/json"
    assert host_response.status_code == 404 and ERROR_PAGE not in host_response.get_data(
        as_text=True)


def test_at_the_root_prefix_unknown_urls_stay_the_hosts(make_app):
    pages = PagesClient(make_app(OCS_ASSISTANTS_URL_PREFIX=""))

    assert pages.get("/").status_code == 200  # the list page
    response = pages.get("/not-the-plugin")
    assert response.status_code == 404 and ERROR_PAGE not in response.get_data(as_text=True)
