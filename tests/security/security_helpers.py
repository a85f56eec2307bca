"""Helpers for the security tests: the blueprint's routes read from the app, filled with ids."""
from __future__ import annotations

import io
import re

from plugin_host import TEAM_HEADER

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')

CHANGING = ("POST", "PUT", "PATCH", "DELETE")
CATCH_ALL = ("no_page", "api_no_route")


def blueprint_routes(app, *, api: bool) -> list[tuple[str, str, str]]:
    """``(method, rule, endpoint)`` of every route of the plugin's blueprint (API or pages),
    without the catch-alls and the static files."""
    name = app.config["OCS_ASSISTANTS_BLUEPRINT_NAME"]
    out = []
    for rule in app.url_map.iter_rules():
        blueprint, _, endpoint = rule.endpoint.rpartition(".")
        if blueprint != name or endpoint in CATCH_ALL or endpoint == "static":
            continue
        if endpoint.startswith("api_") != api:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((method, rule.rule, endpoint))
    return sorted(out)


def changing_routes(app, *, api: bool) -> list[tuple[str, str]]:
    return [(m, r) for m, r, _ in blueprint_routes(app, api=api) if m in CHANGING]


def fill_rule(rule: str, objects: dict) -> str:
    """The URL of ``rule`` with each ``<converter:name>`` replaced by ``objects[name]``
    (``action`` -> ``push``)."""
    values = {"action": "push", **objects}

    def value(match):
        return str(values.get(match.group(1), 1))

    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", value, rule)


class Browser:
    """A signed-in browser on the plugin's pages (Flask's test client keeps its session cookie;
    the test host signs in with a header)."""

    def __init__(self, app, team: int = 1):
        self.prefix = app.config["OCS_ASSISTANTS_URL_PREFIX"]
        self.client = app.test_client()
        self.client.environ_base["HTTP_" + TEAM_HEADER.upper().replace("-", "_")] = str(team)

    def text(self, path: str) -> str:
        response = self.client.get(self.prefix + path)
        assert response.status_code == 200, response.status_code
        return response.get_data(as_text=True)

    def csrf_token(self) -> str | None:
        """The token, as a page's form holds it (None with protection off)."""
        found = TOKEN_RE.search(self.text("/new"))
        return found.group(1) if found else None

    def post_form(self, path: str, data=None):
        token = self.csrf_token()
        return self.client.post(self.prefix + path,
                                data={**(data or {}), **({"csrf_token": token} if token else {})})

    def upload(self, assistant_id: int, tool: str, filename: str, content: bytes) -> dict:
        """What the edit page's script sends: multipart to the API, the token in a header."""
        response = self.client.post(
            f"{self.prefix}/api/assistants/{assistant_id}/files",
            data={"tool": tool, "file": (io.BytesIO(content), filename)},
            headers={"X-CSRFToken": self.csrf_token()}, content_type="multipart/form-data")
        assert response.status_code == 201, response.get_json()
        return response.get_json()
