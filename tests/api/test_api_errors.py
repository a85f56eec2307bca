"""Every API error, including routing errors, has the one shape; pages outside the API don't."""
from __future__ import annotations

import pytest
from flask import Blueprint

from plugin_host import ApiClient


def assert_error_shape(response, status: int, code: str):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["fields"], dict)


@pytest.mark.parametrize("path", ["/nothing-here", "/assistants/abc", "/assistants/1/nope", ""])
def test_unknown_api_paths_are_json_404(api, path):
    assert_error_shape(api.get(path), 404, "not_found")


def test_unknown_assistant_is_json_404(api):
    assert_error_shape(api.get("/assistants/12345"), 404, "not_found")


def test_wrong_method_is_json_405_with_allow(api):
    response = api.open("PUT", "/assistants")

    assert_error_shape(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_delete_on_the_collection_is_405(api):
    assert_error_shape(api.delete("/assistants"), 405, "method_not_allowed")


def test_host_errors_outside_the_blueprint_are_untouched(make_app):
    app = make_app()
    host = Blueprint("host", __name__)

    @host.route("/host-page")
    def host_page():
        raise KeyError("host bug")

    app.register_blueprint(host)
    client = app.test_client()

    assert client.get("/not-the-plugin").status_code == 404
    assert client.get("/not-the-plugin").mimetype == "text/html"
    with pytest.raises(KeyError):
        client.get("/host-page")


def test_errors_before_the_api_prefix_stay_html(app):
    response = app.test_client().get("/assistants/nope")

    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_custom_url_prefix_moves_the_api(make_app):
    api = ApiClient(make_app(OCS_ASSISTANTS_URL_PREFIX="/admin/bots"))

    created = api.create(name="Moved")

    assert api.prefix == "/admin/bots/api"
    assert api.client.get("/assistants/api/assistants").status_code == 404
    assert api.get(f"/assistants/{created['id']}").status_code == 200
    assert_error_shape(api.get("/nope"), 404, "not_found")
