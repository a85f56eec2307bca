"""Permissions the same on every door (DESIGN 5.2): every route, API and pages, asks
``ocs_authorize`` for the same actions, and reading anything needs ``view`` too.

A host hook denies one action at a time; each route must then answer 403 exactly when the
action is one it needs (and change nothing), and something other than 403 otherwise. Every route
of the blueprint must be in :data:`NEEDS`: a new route without an entry fails
:func:`test_every_route_is_in_the_matrix`.
"""
from __future__ import annotations

import io

import pytest

from ocs_assistant_plugin import hookimpl
from ocs_assistant_plugin.hookspecs import AUTHORIZE_ACTIONS
from plugin_host import SQLITE_ONLY, ApiClient, snapshot
from security_helpers import blueprint_routes, fill_rule

VIEW = frozenset({"view"})
A = "/api/assistants/<int:assistant_id>"
SYNC = frozenset({"sync", "view"})
EDIT = frozenset({"edit", "view"})
ARCHIVE = frozenset({"archive", "view"})

#: (method, rule below the prefix) -> the actions it needs.
NEEDS: dict[tuple[str, str], frozenset] = {
    # the JSON API
    ("GET", "/api/assistants"): VIEW,
    ("POST", "/api/assistants"): frozenset({"create", "view"}),
    ("POST", "/api/assistants/import"): frozenset({"import", "view"}),
    ("GET", A): VIEW,
    ("PATCH", A): EDIT,
    ("POST", A + "/files"): EDIT,
    ("DELETE", A + "/files/<file_id>"): EDIT,
    ("GET", A + "/sync"): SYNC,
    ("POST", A + "/pull"): SYNC,
    ("POST", A + "/push"): SYNC,
    ("POST", A + "/restore"): SYNC,
    ("POST", A + "/sync/files/<int:file_id>/upload"): SYNC,
    ("POST", A + "/sync/files/<int:file_id>/remove"): SYNC,
    ("POST", A + "/sync/remote-files/<openai_file_id>/keep"): SYNC,
    ("POST", A + "/sync/remote-files/<openai_file_id>/remove"): SYNC,
    ("POST", A + "/release"): frozenset({"release", "view"}),
    ("POST", A + "/try"): frozenset({"try", "view"}),
    ("GET", A + "/archive-check"): ARCHIVE,
    ("POST", A + "/archive"): ARCHIVE,
    ("GET", "/api/operations"): VIEW,
    ("GET", "/api/openapi.json"): frozenset(),  # the public description, no team needed
    # the pages
    ("GET", "/"): VIEW,
    ("GET", "/new"): frozenset({"create", "view"}),
    ("POST", "/new"): frozenset({"create", "view"}),
    ("GET", "/import"): frozenset({"import", "view"}),
    ("POST", "/import"): frozenset({"import", "view"}),
    ("GET", "/<int:assistant_id>"): VIEW,
    ("POST", "/<int:assistant_id>"): EDIT,
    ("POST", "/<int:assistant_id>/files"): EDIT,
    ("POST", "/<int:assistant_id>/files/<int:file_id>/remove"): EDIT,
    ("POST", "/<int:assistant_id>/sync/files"): SYNC,
    ("POST", "/<int:assistant_id>/sync/<action>"): SYNC,
    ("POST", "/<int:assistant_id>/archive"): ARCHIVE,
    ("GET", "/operations"): VIEW,
    ("POST", "/operations/<int:operation_id>/retry"): ARCHIVE,
}

PREFIX = "/assistants"


class DenyOne:
    """The host's authorization: denies the actions in :attr:`denied`, leaves the rest to the
    next implementation (``OCS_ASSISTANTS_ALLOW_ALL`` in the test host)."""

    def __init__(self):
        self.denied: set[str] = set()
        self.asked: list[str] = []

    @hookimpl
    def ocs_authorize(self, action, team_id, assistant):
        self.asked.append(action)
        return False if action in self.denied else None


@pytest.fixture
def matrix_app(make_app, openai_client):
    app = make_app()
    api = ApiClient(app)
    assistant = api.create(builtin_tools=["file_search", "code_interpreter"])
    record = api.upload(assistant["id"], "file_search").get_json()
    assert api.post(f"/assistants/{assistant['id']}/release", json={}).status_code == 201
    extra = openai_client.files.create(file=("extra.txt", b"extra"), purpose="assistants")
    deny = DenyOne()
    app.extensions["ocs_assistants"].register(deny, name="deny_one")
    objects = {"assistant_id": assistant["id"], "file_id": record["id"],
               "openai_file_id": extra.id, "operation_id": 1, "action": "push"}
    return app, deny, objects


def _request(app, method: str, rule: str, objects: dict):
    client = app.test_client()
    url = fill_rule(PREFIX + rule, objects)
    headers = {"X-Team-Id": "1"}
    if rule.startswith("/api/"):
        if rule.endswith("/files") and method == "POST":
            return client.post(url, headers=headers, content_type="multipart/form-data",
                               data={"tool": "file_search",
                                     "file": (io.BytesIO(b"more"), "more.txt")})
        body = {"name": "Renamed", "model": "gpt-4o"} if rule in ("/api/assistants", A) else {}
        if rule.endswith("/import"):
            body = {"openai_assistant_id": "asst_unknown"}
        if rule.endswith("/try"):
            body = {"input": "hello"}
        return client.open(url, method=method, headers=headers,
                           json=body if method != "GET" else None)
    form = {"name": "Renamed", "model": "gpt-4o", "openai_assistant_id": "asst_unknown",
            "fix": "remove", "file_id": str(objects["file_id"]), "tool": "file_search"}
    if rule.endswith("/files"):
        form["file"] = (io.BytesIO(b"more"), "more.txt")
    return client.open(url, method=method, headers=headers, data=form if method != "GET" else None)


def test_every_route_is_in_the_matrix(make_app):
    app = make_app()
    routes = {(m, r[len(PREFIX):]) for api in (True, False)
              for m, r, _ in blueprint_routes(app, api=api)} - {("HEAD", r) for r in ()}
    missing = sorted(route for route in routes if route not in NEEDS)
    stale = sorted(route for route in NEEDS if route not in routes)

    assert not missing, f"add these routes to NEEDS with the actions they ask for: {missing}"
    assert not stale, f"these rows of NEEDS name no route: {stale}"


@pytest.mark.parametrize("database_url", [SQLITE_ONLY], indirect=True)
@pytest.mark.parametrize("route", sorted(NEEDS), ids=lambda r: f"{r[0]} {r[1]}")
def test_a_route_is_refused_exactly_when_an_action_it_needs_is_denied(
        matrix_app, openai_client, route):
    app, deny, objects = matrix_app
    method, rule = route
    api = ApiClient(app)
    # Denied actions first, so each refusal meets the objects as they were made.
    actions = sorted(AUTHORIZE_ACTIONS, key=lambda a: a not in NEEDS[route])
    for action in actions:
        deny.denied = set()
        before = snapshot(api, openai_client) if action in NEEDS[route] else None
        deny.denied = {action}

        response = _request(app, method, rule, objects)

        if action in NEEDS[route]:
            assert response.status_code == 403, (action, response.get_data(as_text=True)[:300])
            deny.denied = set()
            assert snapshot(api, openai_client) == before, action
        else:
            assert response.status_code != 403, (action, response.get_data(as_text=True)[:300])
            assert response.status_code < 500
