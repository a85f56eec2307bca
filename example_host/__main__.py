"""``python -m example_host`` (what ``make run`` runs): the host with demo data, ready to use.

Without ``OPENAI_API_KEY`` it starts the bundled OpenAI stand-in in this process and points the
plugin at it; the stand-in keeps its data in memory, so the demo database
(``instance/example_host-standin.sqlite``) is recreated at each start to match it. With
``OPENAI_API_KEY`` (and optionally ``OPENAI_BASE_URL``) it uses that OpenAI and keeps
``instance/example_host.sqlite`` (or ``DATABASE_URL``) between runs.

Environment: ``HOST`` (127.0.0.1), ``PORT`` (5000), ``DATABASE_URL``, ``OPENAI_API_KEY``,
``OPENAI_BASE_URL``, ``DEMO_PASSWORD``, ``STANDIN_PORT`` (a free port by default), ``SUNSET``
(``1``: the stand-in answers like OpenAI today, without the Assistants API; ``make run SUNSET=1``).
"""
from __future__ import annotations

import os
import signal
import sys

from werkzeug.serving import make_server


def _banner(url: str, openai_label: str, login: str, notes: list[str]) -> str:
    lines = [
        "",
        "  Parrot Studio: the example host of ocs-assistant-plugin",
        "",
        f"    Open      {url}",
        f"    Sign in   {login}",
        f"    OpenAI    {openai_label}",
        *[f"    {note}" for note in notes],
        "",
        "  Press Ctrl-C to stop.",
        "",
    ]
    return "\n".join(lines)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    from ocs_assistant_plugin.testing import OpenAIStandIn

    from .app import create_app
    from .demo import (TRY_HINT, DemoError, USERNAME, demo_login_works, demo_password,
                       is_empty, seed_demo)
    from .models import db

    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    config: dict = {}
    notes: list[str] = []
    standin = None
    app = None
    reset_database = False

    if os.environ.get("OPENAI_API_KEY"):
        base_url = os.environ.get("OPENAI_BASE_URL")
        openai_label = f"the API at {base_url}" if base_url else "OpenAI (OPENAI_API_KEY)"
    else:
        sunset = os.environ.get("SUNSET", "").strip() not in ("", "0")
        standin = OpenAIStandIn(port=int(os.environ.get("STANDIN_PORT", "0")),
                                assistants_api=not sunset).start()
        openai_label = f"bundled stand-in at {standin.base_url} (no OPENAI_API_KEY set)"
        if sunset:
            openai_label += ", without the Assistants API, as OpenAI is today (SUNSET=1)"
        config.update(OCS_ASSISTANTS_OPENAI_API_KEY=standin.api_key,
                      OCS_ASSISTANTS_OPENAI_BASE_URL=standin.base_url)
        if not os.environ.get("DATABASE_URL"):
            # The stand-in forgets everything when it stops: start the database afresh too.
            reset_database = True
            config["HOST_DATABASE_FILE"] = "example_host-standin.sqlite"
            notes.append("Data      kept in memory by the stand-in: fresh demo data each start")
    config["HOST_OPENAI_LABEL"] = openai_label

    try:
        app = create_app(config)
        if reset_database:
            with app.app_context():
                db.drop_all()
                db.create_all()
        with app.app_context():
            empty = is_empty()
            login = ("the demo user's password was changed: use your own users"
                     if not empty else "")
            if not empty and demo_login_works():
                login = f"{USERNAME} / {demo_password()}"
        if empty:
            try:
                result = seed_demo(app)
            except DemoError as error:
                print(f"Could not create the demo data: {error}", file=sys.stderr)
                return 1
            login = f"{result.username} / {result.password}"
            notes.append(f"Try       the Support guide's Try panel: “{TRY_HINT}”")
        with app.app_context():
            # Deletions in OpenAI that the last run recorded but did not finish (it was killed).
            resumed = app.extensions["ocs_assistants"].resume_outbox()
        if resumed:
            notes.append(f"Outbox    {resumed} remote operation(s) left by the last run, resumed")

        server = make_server(host, port, app, threaded=True)
        # ``kill`` (SIGTERM) stops as cleanly as Ctrl-C: serve_forever returns on both.
        signal.signal(signal.SIGTERM, _interrupt)
        url = f"http://{host}:{server.server_port}/"
        print(_banner(url, openai_label, login, notes), flush=True)
        server.serve_forever()  # returns on Ctrl-C (werkzeug catches KeyboardInterrupt)
    except KeyboardInterrupt:
        pass
    finally:
        if app is not None:
            app.extensions["ocs_assistants"].stop_outbox_worker()  # lets a batch finish
        if standin is not None:
            standin.stop()
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
