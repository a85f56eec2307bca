"""CSRF (DESIGN 5.1): every POST, PATCH and DELETE of the plugin, API and pages, carries the token,
or, on the API only, a body sent as ``application/json``; anything else is 403 ``csrf_failed``
and changes nothing here or in OpenAI.

The routes are read from the app itself, so a route added later is covered without editing
this file. The "browser" is Flask's test client with a session (it has opened a page, so its
session holds a token) sending what a cross-site page can send: a form, a multipart form,
``text/plain``, or nothing.
"""
from __future__ import annotations

import io

import pytest

from plugin_host import ApiClient, snapshot
from security_helpers import TOKEN_RE, Browser, changing_routes, fill_rule

CROSS_SITE_BODIES = {
    "urlencoded": {"data": {"name": "Evil", "model": "gpt-4o", "tool": "file_search"},
                   "content_type": "application/x-www-form-urlencoded"},
    "multipart": {"data": {"tool": "file_search", "file": (io.BytesIO(b"evil"), "evil.txt")},
                  "content_type": "multipart/form-data"},
    "text_plain": {"data": '{"name": "Evil", "model": "gpt-4o"}', "content_type": "text/plain"},
    "empty": {},
}


@pytest.fixture
def protected_app(make_app):
    return make_app(OCS_ASSISTANTS_CSRF_ENABLED=True)


@pytest.fixture
def objects(protected_app, openai_client):
    """An assistant with a stored file, a version and a file only in OpenAI: something for
    every route to change."""
    api = ApiClient(protected_app)
    assistant = api.create(builtin_tools=["file_search", "code_interpreter"])
    record = _browser(protected_app).upload(assistant["id"], "file_search", "notes.txt",
                                            b"some notes")
    release = api.post(f"/assistants/{assistant['id']}/release", json={"label": "v1"})
    assert release.status_code == 201, release.get_json()
    extra = openai_client.files.create(file=("extra.txt", b"extra"), purpose="assistants")
    return {"assistant_id": assistant["id"], "file_id": record["id"],
            "openai_file_id": extra.id, "version_id": release.get_json()["id"]}


def _browser(app) -> Browser:
    browser = Browser(app)
    assert browser.csrf_token()  # the session now holds a token
    return browser


def cross_site_body(name: str) -> dict:
    """The request arguments of the body ``name``, with a fresh file (a sent one has been read)."""
    kwargs = dict(CROSS_SITE_BODIES[name])
    if isinstance(kwargs.get("data"), dict):
        kwargs["data"] = {k: ((io.BytesIO(v[0].getvalue()), v[1]) if isinstance(v, tuple) else v)
                          for k, v in kwargs["data"].items()}
    return kwargs


def send_cross_site_to_every_route(app, objects, openai_client, openai_standin, body, *, api):
    """Send ``body`` from a cross-site page to every changing route of the API (``api=True``) or
    the pages, check that nothing changed here or in OpenAI: ``[(method, url, response)]``."""
    client = ApiClient(app)
    browser = _browser(app)
    before = snapshot(client, openai_client)
    openai_standin.reset_counts()
    sent = []
    for method, rule in changing_routes(app, api=api):
        url = fill_rule(rule, objects)
        sent.append((method, url,
                     browser.client.open(url, method=method, **cross_site_body(body))))
    assert openai_standin.count() == 0
    assert snapshot(client, openai_client) == before
    return sent


@pytest.mark.parametrize("body", list(CROSS_SITE_BODIES))
def test_cross_site_requests_to_every_api_route_are_refused_and_change_nothing(
        protected_app, objects, openai_client, openai_standin, body):
    sent = send_cross_site_to_every_route(protected_app, objects, openai_client, openai_standin,
                                          body, api=True)

    assert len(sent) >= 12  # every changing API route, read from the app
    for method, url, response in sent:
        assert response.status_code == 403, (method, url, response.get_data(as_text=True))
        error = response.get_json()["error"]
        assert error["code"] == "csrf_failed", (method, url)
        assert "csrf_token" in error["fields"]


@pytest.mark.parametrize("body", list(CROSS_SITE_BODIES))
def test_cross_site_posts_to_every_page_are_refused_and_change_nothing(
        protected_app, objects, openai_client, openai_standin, body):
    sent = send_cross_site_to_every_route(protected_app, objects, openai_client, openai_standin,
                                          body, api=False)

    assert len(sent) >= 8
    for method, url, response in sent:
        assert response.status_code == 403, (method, url)
        assert "CSRF token is missing" in response.get_data(as_text=True)


def test_a_json_body_sent_as_text_plain_is_refused_even_on_the_api(protected_app, objects,
                                                                   openai_client, openai_standin):
    api = ApiClient(protected_app)
    openai_standin.reset_counts()

    response = api.post(f"/assistants/{objects['assistant_id']}/archive", data="{}",
                        content_type="text/plain")

    assert response.status_code == 403
    assert openai_standin.count() == 0
    assert api.get(f"/assistants/{objects['assistant_id']}").get_json()["archived"] is False


def test_a_forged_or_foreign_token_is_refused(protected_app, make_app, objects, openai_standin):
    other_session = _browser(protected_app)
    foreign = other_session.csrf_token()
    browser = _browser(protected_app)
    url = f"/assistants/api/assistants/{objects['assistant_id']}/archive"
    openai_standin.reset_counts()

    for token in ("forged", foreign):
        response = browser.client.post(url, headers={"X-CSRFToken": token})
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "csrf_failed"
    assert openai_standin.count() == 0


@pytest.mark.parametrize("header", ["X-CSRFToken", "X-CSRF-Token"])
def test_the_token_in_a_header_lets_an_action_without_a_body_through(protected_app, objects,
                                                                     header):
    browser = _browser(protected_app)
    token = browser.csrf_token()

    response = browser.client.post(
        f"/assistants/api/assistants/{objects['assistant_id']}/archive",
        headers={header: token})

    assert response.status_code == 200, response.get_json()
    assert objects["assistant_id"] in response.get_json()["archived"]


def test_a_json_body_needs_no_token_on_the_api(protected_app, objects):
    api = ApiClient(protected_app)

    response = api.post(f"/assistants/{objects['assistant_id']}/archive", json={})

    assert response.status_code == 200, response.get_json()


def test_the_token_in_the_form_field_lets_a_page_post_through(protected_app, objects):
    browser = _browser(protected_app)

    response = browser.post_form(f"/{objects['assistant_id']}/archive")

    assert response.status_code == 302
    assert ApiClient(protected_app).get(
        f"/assistants/{objects['assistant_id']}").get_json()["archived"] is True


def test_a_page_does_not_take_a_json_body_instead_of_the_token(protected_app, objects):
    browser = _browser(protected_app)

    response = browser.client.post(f"/assistants/{objects['assistant_id']}/archive", json={})

    assert response.status_code == 403


def test_protection_off_lets_a_form_post_through(make_app, openai_client):
    api = ApiClient(make_app(OCS_ASSISTANTS_CSRF_ENABLED=False))
    assistant = api.create()

    response = api.post(f"/assistants/{assistant['id']}/archive")

    assert response.status_code == 200
