"""Serving an app over real HTTP for the browser tests, reading its CSRF token, signing in to the
example host."""
from __future__ import annotations

import re
import threading

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
