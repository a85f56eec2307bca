"""Schemathesis against the served ``openapi.json``: the document is exact and the API holds.

Every operation gets generated requests, positive (valid by the document) and negative (not),
with ids drawn from real objects as well as generated ones, sent in-process (WSGI) to the app
with the OpenAI stand-in behind it. Each answer must not be a 500 and must conform to the
document (status, content type, body), and a refused request (4xx) must change nothing, here or
in OpenAI. Derandomized: the same cases every run.

Each operation runs twice: with CSRF protection off, and on (as hosts run it) with no token sent,
where every changing request to a route whose body is not JSON must be refused 403
``csrf_failed``, as the document's CSRF scheme says."""
from __future__ import annotations

import json
import re

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (content_type_conformance, not_a_server_error,
                                 response_schema_conformance, status_code_conformance)

from ocs_assistant_plugin.models import Assistant, AssistantFile, RemoteOperation
from plugin_host import SQLITE_ONLY, TEAM_HEADER, ApiClient

pytestmark = pytest.mark.parametrize("database_url", [SQLITE_ONLY], indirect=True)

#: Generated cases per operation and strategy (positive generated, positive on real ids,
#: negative): 21 operations x 2-3 strategies x this, over 1000 cases (fewer where an operation
#: has less to vary); each operation is its own test, so the suite's workers share them.
EXAMPLES = 22
#: The same with CSRF protection on: fewer, the inputs are the same.
CSRF_EXAMPLES = 8
CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def patient_client(make_openai_client):
    """The SDK on the stand-in with a generous timeout: a loaded machine must not time out."""
    return make_openai_client(timeout=60)


@pytest.fixture(params=["csrf off", "csrf on"])
def csrf(request) -> bool:
    return request.param == "csrf on"


@pytest.fixture
def seeded(make_app, patient_client, csrf):
    """The app on the ``assistants`` backend, seeded with real objects for the ids."""
    app = make_app(client=patient_client, OCS_ASSISTANTS_BACKEND="assistants",
                   OCS_ASSISTANTS_TASK_BACKEND="eager", OCS_ASSISTANTS_CSRF_ENABLED=csrf)
    api = ApiClient(app)
    token = {"X-CSRFToken": _csrf_token(api)} if csrf else {}
    ids = {"assistant_id": [], "file_id": [], "openai_file_id": [], "operation_id": []}
    for name in ("Alpha", "Beta"):
        bot = api.create(name=name, builtin_tools=["file_search", "code_interpreter"])
        response = api.upload(bot["id"], "file_search", f"{name}.txt", b"seed words",
                              headers=token)
        assert response.status_code == 201, response.get_json()
        ids["assistant_id"].append(bot["id"])
        ids["file_id"].append(response.get_json()["id"])
        ids["openai_file_id"].append(response.get_json()["openai_id"])
    release = api.post(f"/assistants/{ids['assistant_id'][0]}/release", json={})
    assert release.status_code in (200, 201), release.get_json()
    ids["assistant_id"].append(release.get_json()["id"])
    ids["operation_id"] = [1]
    return app, api, ids


def _csrf_token(api) -> str:
    """The token of the seeding client's session, as the new-assistant form holds it."""
    page = api.client.get(api.app.config["OCS_ASSISTANTS_URL_PREFIX"] + "/new",
                          headers={TEAM_HEADER: "1"}).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _sent_json(response) -> bool:
    content_type = (response.request.headers.get("Content-Type") or "").split(";")[0]
    return content_type.strip().lower() == "application/json"


def _state(app, standin) -> str:
    """Everything a request could change, here and in the stand-in, as one comparable text."""
    session = app.extensions["sqlalchemy"].session
    with app.app_context():
        rows = [[tuple(getattr(r, c.key) for c in r.__table__.columns)
                 for r in session.execute(sa.select(model).order_by(model.id)).scalars()]
                for model in (Assistant, AssistantFile, RemoteOperation)]
        session.remove()
    with standin.lock:
        remote = standin.state
        held = {name: sorted(map(str, getattr(remote, name).values()))
                for name in vars(remote) if isinstance(getattr(remote, name), dict)}
    return json.dumps([rows, held], default=str, sort_keys=True)


def _strategies(operation, ids):
    """Positive and negative cases, and positive ones whose path ids are real objects."""
    names = [p.name for p in operation.path_parameters]
    real = {name: ids[name] for name in names if ids.get(name)}
    positive, negative = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
    strategies = [(positive, operation.as_strategy(generation_mode=positive)),
                  (negative, operation.as_strategy(generation_mode=negative))]
    if real:
        strategies.append((positive, st.fixed_dictionaries(
            {n: st.sampled_from(v) for n, v in real.items()}).flatmap(
            lambda chosen: operation.as_strategy(generation_mode=positive,
                                                 path_parameters=chosen))))
    return strategies


def _operations() -> list[tuple[str, str]]:
    """(method, OpenAPI path) of every operation the API serves."""
    from ocs_assistant_plugin.web.api import ROUTES
    from ocs_assistant_plugin.web.openapi import openapi_path

    return [(method, openapi_path(route.rule)[0]) for route in ROUTES for method in route.methods]


@pytest.mark.parametrize("method, path", _operations(), ids=lambda v: v)
def test_generated_requests_never_fail_the_document(method, path, seeded, csrf, openai_standin):
    app, api, ids = seeded
    schema = schemathesis.openapi.from_wsgi(api.url("/openapi.json"), app)
    operation = schema[path][method]
    headers = {TEAM_HEADER: "1"}
    ran = {"cases": 0, "refused": 0}
    failures = []
    state = {"now": _state(app, openai_standin)}

    def run(case):
        response = case.call(headers=headers)
        ran["cases"] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except Exception as error:  # collect: one report of every distinct failure
            failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: "
                            f"{str(error)[:400]}")
        # (a URL that names nothing, e.g. a negative id, is 404 or 405 before the CSRF rule)
        if (csrf and case.method in CHANGING and not _sent_json(response)
                and response.status_code not in (404, 405)):
            code = (response.json() or {}).get("error", {}).get("code") \
                if response.status_code == 403 else None
            if (response.status_code, code) != (403, "csrf_failed"):
                failures.append(f"{case.method} {case.formatted_path} without a CSRF token "
                                f"answered {response.status_code} {code}, not 403 csrf_failed")
        after = _state(app, openai_standin)
        if 400 <= response.status_code < 500:
            ran["refused"] += 1
            assert after == state["now"], (
                f"{case.method} {case.formatted_path} answered {response.status_code} but "
                "changed something")
        state["now"] = after

    for mode, strategy in _strategies(operation, ids):
        @settings(max_examples=CSRF_EXAMPLES if csrf else EXAMPLES, derandomize=True,
                  deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def one(case):
            run(case)

        try:
            one()
        except Unsatisfiable:
            # nothing in this operation can be made invalid (no parameters, no body)
            assert mode is GenerationMode.NEGATIVE and not (
                operation.path_parameters or operation.body or operation.query)
    print(f"\n{method} {path}: {ran}")

    assert not failures, "\n".join(sorted(set(failures))[:40])
    # every operation is exercised; those with inputs get refused (negative) cases too
    assert ran["cases"] >= 1
    if operation.path_parameters or operation.body or operation.query:
        assert ran["refused"] >= 1, ran
