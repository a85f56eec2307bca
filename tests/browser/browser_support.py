"""Serving an app over real HTTP for the browser tests."""
from __future__ import annotations

import threading

from werkzeug.serving import make_server


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
