"""A browser-like client for the plugin's pages (Flask's test client underneath)."""
from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from plugin_host import TEAM_HEADER

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


class PagesClient:
    """A browser-like client for the plugin's pages: team from a header, forms with the token."""

    def __init__(self, app, team: int = 1):
        self.app = app
        self.prefix = app.config["OCS_ASSISTANTS_URL_PREFIX"]
        self.client = app.test_client()
        self.client.environ_base["HTTP_" + TEAM_HEADER.upper().replace("-", "_")] = str(team)

    def url(self, path: str) -> str:
        return path if path.startswith(self.prefix + "/") else self.prefix + path

    def get(self, path: str, **kwargs):
        return self.client.get(self.url(path), **kwargs)

    def text(self, path: str, expect: int = 200) -> str:
        response = self.get(path)
        assert response.status_code == expect, response.get_data(as_text=True)[:2000]
        return response.get_data(as_text=True)

    def csrf_token(self) -> str:
        """The token, as a browser gets it: from the form it posts from."""
        return TOKEN_RE.search(self.text("/new")).group(1)

    def post_form(self, path: str, data=None, *, token: bool = True, **kwargs):
        form = MultiDict(data or {})
        if token:
            form["csrf_token"] = self.csrf_token()
        return self.client.post(self.url(path), data=form, **kwargs)

    def upload(self, assistant_id: int, tool: str, filename: str, content: bytes) -> dict:
        """Upload through the JSON API as the page's script does (token in the header)."""
        import io

        response = self.client.post(
            f"{self.prefix}/api/assistants/{assistant_id}/files",
            data={"tool": tool, "file": (io.BytesIO(content), filename)},
            headers={"X-CSRF-Token": self.csrf_token()}, content_type="multipart/form-data")
        assert response.status_code == 201, response.get_json()
        return response.get_json()
