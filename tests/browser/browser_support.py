"""Serving an app over real HTTP for the browser tests, and reading its CSRF token."""
from __future__ import annotations

import re
import threading

from werkzeug.serving import make_server

from plugin_host import TEAM_HEADER


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
