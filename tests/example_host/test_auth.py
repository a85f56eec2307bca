"""Sign-in, sign-out, CSRF on the host's forms, and the friendly error pages."""
from __future__ import annotations

import pytest

from host_testing import PASSWORD, HostClient, make_user


@pytest.mark.parametrize("path", ["/", "/experiments/", "/experiments/new", "/pipelines/",
                                  "/assistants/"])
def test_pages_require_login(example_app, path):
    response = example_app.test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_plugin_api_answers_401_without_login(example_app):
    response = example_app.test_client().get("/assistants/api/assistants")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "not_authenticated"


def test_login_with_wrong_password_shows_error_and_keeps_username(example_app):
    make_user(example_app, "alice", "Team A")
    client = example_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": "alice", "password": "nope",
                                           "csrf_token": token})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Wrong username or password." in body
    assert 'value="alice"' in body
    assert client.get("/").status_code == 302


def test_login_then_dashboard_then_logout(example_app):
    make_user(example_app, "alice", "Team A")
    user = HostClient(example_app, "alice")
    dashboard = user.get("/")
    assert dashboard.status_code == 200
    assert "Team A" in dashboard.get_data(as_text=True)
    response = user.post_form("/logout")
    assert response.status_code == 302
    assert user.get("/").status_code == 302


def test_login_redirects_to_next_but_never_off_site(example_app):
    make_user(example_app, "alice", "Team A")
    client = example_app.test_client()
    token = client.get("/login").get_data(as_text=True).split(
        'name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": "alice", "password": PASSWORD,
                                           "csrf_token": token,
                                           "next": "//evil.example/steal"})
    assert response.headers["Location"] == "/"


def test_form_post_without_csrf_token_is_refused(example_app, alice):
    response = alice.client.post("/experiments/new", data={"name": "No token"})
    assert response.status_code == 400
    assert "Reload the page" in response.get_data(as_text=True)
    assert "No token" not in alice.get("/experiments/").get_data(as_text=True)


def test_unknown_page_is_a_friendly_404(example_app, alice):
    response = alice.get("/experiments/9999")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Not found" in body and "Back to the dashboard" in body


def test_unknown_plugin_api_path_answers_json(example_app, alice):
    response = alice.get("/assistants/api/no-such-thing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"]


def test_unexpected_error_is_a_friendly_500_page(example_app):
    def broken_view():
        raise RuntimeError("a bug")

    example_app.add_url_rule("/broken", view_func=broken_view)  # before the app's first request
    example_app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False)
    make_user(example_app, "alice", "Team A")
    response = HostClient(example_app, "alice").get("/broken")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong" in body and "a bug" not in body


def test_dashboard_warns_when_no_openai_is_configured(example_app, alice):
    assert "No OpenAI is configured" not in alice.get("/").get_data(as_text=True)
    example_app.config["OCS_ASSISTANTS_OPENAI_API_KEY"] = None
    assert "No OpenAI is configured" in alice.get("/").get_data(as_text=True)
