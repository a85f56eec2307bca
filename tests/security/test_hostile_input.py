"""Hostile input never answers 500: a 4xx in the one error shape naming the field (or the page's
field error), and nothing created or changed here or in OpenAI."""
from __future__ import annotations

import json

import pytest

from plugin_host import POSTGRESQL_ONLY, ApiClient, snapshot
from security_helpers import Browser, blueprint_routes, fill_rule

HUGE_IDS = ["99999999999999999999", str(2**31), str(2**63)]
#: Fullwidth digits: Python's int() reads them, a database id is never written so.
FULLWIDTH_ONE = "\uff11"


@pytest.fixture
def unchanged(api, openai_client, openai_standin):
    """Assert at the end of the test that nothing changed here or in OpenAI, and that the
    refused requests sent OpenAI nothing but reads (a page may check sync as it opens)."""
    made = api.create(name="Existing", builtin_tools=["file_search"])
    before = snapshot(api, openai_client)
    openai_standin.reset_counts()
    yield made
    assert openai_standin.count() == openai_standin.count(method="GET"), openai_standin.requests
    assert snapshot(api, openai_client) == before


def _error(response, status=400) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    return response.get_json()["error"]


# -- ids out of range and ids that are not ASCII digits ------------------------------------------


def _int_routes(app, *, api: bool) -> list[tuple[str, str]]:
    return [(m, r) for m, r, _ in blueprint_routes(app, api=api) if "<int:" in r]


def _url_with_id(rule: str, bad_id: str) -> str:
    """``rule`` filled in with ``bad_id`` in place of every id."""
    url = fill_rule(rule, {}).replace("/1/", f"/{bad_id}/")
    url = url[:-2] + "/" + bad_id if url.endswith("/1") else url
    return url.replace("/1/", f"/{bad_id}/")


@pytest.mark.parametrize("bad_id", HUGE_IDS + [FULLWIDTH_ONE])
def test_ids_out_of_range_or_not_ascii_are_404_on_every_api_route(app, api, unchanged, bad_id):
    routes = _int_routes(app, api=True)
    assert len(routes) >= 12
    for method, rule in routes:
        url = _url_with_id(rule, bad_id)
        assert bad_id in url, rule
        response = api.open(method, url, json={})
        error = _error(response, 404)
        assert error["code"] == "not_found", (method, url)


@pytest.mark.parametrize("bad_id", [HUGE_IDS[0], FULLWIDTH_ONE])
def test_ids_out_of_range_or_not_ascii_are_404_on_every_page(app, unchanged, bad_id):
    browser = Browser(app)
    routes = _int_routes(app, api=False)
    assert len(routes) >= 5
    for method, rule in routes:
        url = _url_with_id(rule, bad_id)
        response = browser.client.open(url, method=method, data={"fix": "remove",
                                                                  "file_id": "1"})
        assert response.status_code == 404, (method, url, response.status_code)


def test_a_huge_file_id_in_a_sync_form_is_refused(app, unchanged):
    response = Browser(app).client.post(
        f"/assistants/{unchanged['id']}/sync/files",
        data={"fix": "remove", "file_id": HUGE_IDS[0]})

    assert response.status_code in (400, 404)


def test_a_fullwidth_file_id_is_not_read_as_a_number(api, unchanged):
    response = api.delete(f"/assistants/{unchanged['id']}/files/{FULLWIDTH_ONE}")

    assert _error(response, 404)["code"] == "not_found"


@pytest.mark.parametrize("path", ["/assistants", "/operations"])
@pytest.mark.parametrize("page", ["400000000000000000", str(2**31), FULLWIDTH_ONE])
def test_a_huge_or_odd_page_number_is_400_naming_page(api, unchanged, path, page):
    error = _error(api.get(path, query_string={"page": page}))

    assert "page" in error["fields"]


@pytest.mark.parametrize("page", ["400000000000000000", str(2**63), FULLWIDTH_ONE])
def test_a_huge_page_number_on_the_list_page_is_not_an_error(app, unchanged, page):
    response = Browser(app).client.get("/assistants/", query_string={"page": page})

    assert response.status_code == 200


# -- URLs and methods ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/assistants/1%0A", "/assistants/1%0A/sync",
                                  "/assistants/%0A", "/%0A"])
def test_a_line_break_in_the_path_is_a_json_404(api, unchanged, path):
    response = api.get(path)

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path, methods", [
    ("/assistants", {"GET", "HEAD", "POST", "OPTIONS"}),
    ("/assistants/1", {"GET", "HEAD", "PATCH", "OPTIONS"}),
    ("/assistants/1/archive", {"POST", "OPTIONS"}),
    ("/assistants/1/files/1", {"DELETE", "OPTIONS"}),
])
def test_options_advertises_only_the_methods_the_path_has(api, unchanged, path, methods):
    response = api.open("OPTIONS", path)

    assert response.status_code == 200
    assert set(response.headers["Allow"].split(", ")) == methods


def test_options_on_a_page_advertises_only_its_methods(app, unchanged):
    response = Browser(app).client.open(f"/assistants/{unchanged['id']}/archive",
                                        method="OPTIONS")

    assert response.status_code == 200
    assert set(response.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}


def test_options_on_an_unknown_api_path_is_a_json_404(api, unchanged):
    response = api.open("OPTIONS", "/nothing/here")

    assert _error(response, 404)["code"] == "not_found"


# -- bodies -------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["name", "model"])
@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_a_blank_name_or_model_is_refused_on_create_and_patch(api, unchanged, field, blank):
    created = _error(api.post("/assistants", json={"name": "A", "model": "gpt-4o",
                                                   field: blank}))
    patched = _error(api.patch(f"/assistants/{unchanged['id']}", json={field: blank}))

    assert field in created["fields"] and field in patched["fields"]


def test_a_function_tool_without_a_name_is_refused_by_patch(api, unchanged):
    error = _error(api.patch(f"/assistants/{unchanged['id']}",
                             json={"function_tools": [{"description": "d"}]}))

    assert "function_tools.0.name" in error["fields"]


def test_a_function_tool_without_a_name_is_refused_by_the_edit_page(app, unchanged):
    response = Browser(app).post_form(f"/{unchanged['id']}", {
        "name": "Existing", "model": "gpt-4o",
        "function_tools": json.dumps([{"description": "d"}])})

    assert response.status_code == 400
    assert "item 1, name" in response.get_data(as_text=True)


@pytest.mark.parametrize("raw, field", [
    ('{"name": "a\\ud800b", "model": "gpt-4o"}', "name"),
    ('{"name": "A", "model": "gpt-4o", "instructions": "x\\udfff"}', "instructions"),
    ('{"name": "A", "model": "gpt-4o", "function_tools": [{"name": "f", "parameters": '
     '{"type": "object", "properties": {"\\ud800": {"type": "string"}}}}]}',
     "function_tools.0.parameters"),
])
def test_a_lone_surrogate_is_refused_naming_the_field(api, unchanged, raw, field):
    error = _error(api.post("/assistants", data=raw, content_type="application/json"))

    assert any(name.startswith(field) for name in error["fields"]), error


def test_a_lone_surrogate_in_a_patch_is_refused(api, unchanged):
    error = _error(api.patch(f"/assistants/{unchanged['id']}", data='{"description": "\\ud83d"}',
                             content_type="application/json"))

    assert "description" in error["fields"]


@pytest.mark.parametrize("field", ["name", "instructions", "description", "model"])
def test_a_nul_byte_in_text_is_refused_naming_the_field(api, unchanged, field):
    body = {"name": "A", "model": "gpt-4o", field: "bad\x00text"}

    created = _error(api.post("/assistants", json=body))
    patched = _error(api.patch(f"/assistants/{unchanged['id']}", json={field: "x\x00"}))

    assert field in created["fields"] and field in patched["fields"]


def test_a_nul_byte_in_the_edit_page_form_is_refused(app, unchanged):
    response = Browser(app).post_form(f"/{unchanged['id']}", {
        "name": "Bad\x00name", "model": "gpt-4o", "instructions": "x\x00y"})

    assert response.status_code == 400


@pytest.mark.parametrize("query", ["a\x00b", "\x00"])
def test_a_nul_byte_in_a_search_is_refused_or_ignored(app, api, unchanged, query):
    assert "q" in _error(api.get("/assistants", query_string={"q": query}))["fields"]
    assert Browser(app).client.get("/assistants/", query_string={"q": query}).status_code == 200


def test_a_deeply_nested_body_is_refused(api, unchanged):
    response = api.post("/assistants", data="[" * 100_000, content_type="application/json")

    assert "body" in _error(response)["fields"]


def _nested(depth: int) -> dict:
    value: dict = {"type": "string"}
    for _ in range(depth):
        value = {"type": "object", "properties": {"x": value}}
    return value


@pytest.mark.parametrize("depth", [200, 5_000])
def test_deeply_nested_parameters_are_refused_naming_the_field(api, unchanged, depth):
    raw = ('{"name": "A", "model": "gpt-4o", "function_tools": [{"name": "f", "parameters": '
           + json.dumps(_nested(depth)) + "}]}") if depth < 900 else (
        '{"name": "A", "model": "gpt-4o", "function_tools": [{"name": "f", "parameters": '
        + '{"a": ' * depth + "1" + "}" * depth + "}]}")

    error = _error(api.post("/assistants", data=raw, content_type="application/json"))

    assert any(name.startswith("function_tools") or name == "body" for name in error["fields"])


def test_deeply_nested_json_in_the_page_textarea_is_a_field_error(app, unchanged):
    response = Browser(app).post_form(f"/{unchanged['id']}", {
        "name": "Existing", "model": "gpt-4o",
        "function_tools": "[" * 100_000 + "]" * 100_000})

    assert response.status_code == 400
    assert "Function tools" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["", "   ", "\t"])
def test_a_blank_openai_assistant_id_is_refused(api, unchanged, value):
    error = _error(api.post("/assistants/import", json={"openai_assistant_id": value}))

    assert "openai_assistant_id" in error["fields"]


def test_a_json_schema_format_with_a_null_schema_is_refused_naming_the_field(api, unchanged):
    body = {"name": "A", "model": "gpt-4o", "response_format": {
        "type": "json_schema", "json_schema": {"name": "answer", "schema": None}}}

    error = _error(api.post("/assistants", json=body))

    assert "response_format.json_schema.schema" in error["fields"]


@pytest.mark.parametrize("database_url", [POSTGRESQL_ONLY], indirect=True)
def test_a_nul_in_a_path_part_is_404_on_postgresql(api, unchanged):
    bot = unchanged["id"]
    for method, path in (("DELETE", f"/assistants/{bot}/files/a%00b"),
                         ("POST", f"/assistants/{bot}/sync/remote-files/file-%00/keep"),
                         ("POST", f"/assistants/{bot}/sync/remote-files/file-%00/remove")):
        response = api.open(method, path, json={})
        assert _error(response, 404)["code"] == "not_found", path


@pytest.mark.parametrize("database_url", [POSTGRESQL_ONLY], indirect=True)
def test_a_nul_in_a_sync_form_field_is_refused_on_postgresql(app, unchanged):
    response = Browser(app).post_form(f"/{unchanged['id']}/sync/files",
                                      {"fix": "keep", "openai_id": "file-\x00"})

    assert response.status_code == 400
