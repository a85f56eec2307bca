"""GET /api/openapi.json: a valid OpenAPI 3 document that lists every route and matches answers."""
from __future__ import annotations

import re

import jsonschema
import pytest

from plugin_host import as_json_schema

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture
def document(api):
    response = api.get("/openapi.json", team=None)  # public: no team needed
    assert response.status_code == 200
    return response.get_json()


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def resolve(document, ref: str):
    assert ref.startswith("#/"), ref
    node = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def test_document_is_openapi_3_with_info_servers_and_paths(document):
    assert re.fullmatch(r"3\.0\.\d+", document["openapi"])
    assert document["info"]["title"] and document["info"]["version"]
    assert document["servers"] == [{"url": "/assistants/api"}]
    for path, operations in document["paths"].items():
        assert path.startswith("/")
        for method, operation in operations.items():
            assert method in HTTP_METHODS
            assert operation["responses"], (method, path)
            assert operation["operationId"]
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), (method, path)


def test_every_reference_resolves(document):
    found = list(refs(document))
    assert found
    for ref in found:
        assert isinstance(resolve(document, ref), dict), ref


def test_document_lists_every_api_route(app, document):
    prefix = "/assistants/api"
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(prefix) or rule.endpoint.endswith("api_no_route"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len(prefix):])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method.lower(), path))
    documented = {(m, p) for p, ops in document["paths"].items() for m in ops}

    assert routes == documented
    assert ("post", "/assistants/{assistant_id}/files") in documented
    assert ("delete", "/assistants/{assistant_id}/files/{file_id}") in documented


def test_request_bodies_and_errors_are_described(document):
    create = document["paths"]["/assistants"]["post"]
    upload = document["paths"]["/assistants/{assistant_id}/files"]["post"]
    listing = document["paths"]["/assistants"]["get"]

    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AssistantInput"}
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"400", "401", "403", "502", "503"} <= set(create["responses"])
    assert {p["name"] for p in listing["parameters"]} == {"archived", "versions", "q", "page"}
    (search,) = [p for p in listing["parameters"] if p["name"] == "q"]
    assert search["schema"]["maxLength"] == 256
    schema = document["components"]["schemas"]["AssistantInput"]
    assert schema["required"] == ["model", "name"]
    assert schema["properties"]["name"]["maxLength"] == 256
    assert schema["properties"]["temperature"]["maximum"] == 2
    assert schema["additionalProperties"] is False
    assert "required" not in document["components"]["schemas"]["AssistantPatch"]


def test_answers_match_the_documented_schemas(api, document):
    assistant = api.create(name="Doc", builtin_tools=["file_search"], temperature=0.5,
                           response_format={"type": "json_object"},
                           function_tools=[{"name": "f", "parameters": {"type": "object"}}])
    record = api.upload(assistant["id"], "file_search").get_json()
    page = api.get("/assistants").get_json()
    error = api.post("/assistants", json={}).get_json()

    jsonschema.validate(api.get(f"/assistants/{assistant['id']}").get_json(),
                        as_json_schema(document, "Assistant"))
    jsonschema.validate(record, as_json_schema(document, "AssistantFile"))
    jsonschema.validate(page, as_json_schema(document, "AssistantPage"))
    jsonschema.validate(error, as_json_schema(document, "Error"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**record, "surprise": 1}, as_json_schema(document, "AssistantFile"))
