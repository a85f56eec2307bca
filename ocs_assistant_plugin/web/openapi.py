"""The OpenAPI 3 document of the JSON API, generated from the route table and the schemas."""
from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from .. import schemas

OPENAPI_VERSION = "3.0.3"
ERROR_STATUSES = {
    400: "Invalid input: `fields` names each bad field.",
    401: "No team: the host's ocs_current_team_id answered None.",
    403: "ocs_authorize refused the action.",
    404: "No such object in this team.",
    409: "The object's state refuses the change (a read-only version, an archived assistant, "
         "an assistant imported twice).",
    413: "The upload is larger than the configured limit.",
    502: "OpenAI refused the request; code `assistants_api_unavailable` when the server no "
         "longer offers the Assistants API (set OCS_ASSISTANTS_BACKEND = \"responses\" and run "
         "`flask assistants migrate-backend --to responses`).",
    503: "OpenAI could not be reached, or no OpenAI client is configured for the team.",
}
_RULE_PARAM = re.compile(r"<(?:(?P<converter>[a-z]+):)?(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>")
#: The largest id or page number (PostgreSQL's ``integer``); larger ones are not found.
INT_MAX = 2**31 - 1
_CONVERTER_SCHEMAS = {"int": {"type": "integer", "minimum": 0, "maximum": INT_MAX},
                      None: {"type": "string"}, "string": {"type": "string"}}
#: Request bodies the API refuses with unknown keys (marshmallow's ``RAISE``): closed objects.
CLOSED_INPUTS = ("AssistantInput", "AssistantPatch", "ImportInput", "TryInput", "FunctionTool")
#: The CSRF rule (DESIGN 5.1): a changing request carries the token in this header, or, on the
#: API, a JSON body sent as ``application/json`` (the empty requirement).
CSRF_SCHEME = {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
               "description": "Flask-WTF's CSRF token. Not needed for a request whose body is "
                              "sent as application/json (send {} for actions without input)."}
#: Answers beside a route's main one, by endpoint: ``{status: (description, schema)}``.
EXTRA_ANSWERS = {
    "api_release_assistant": {200: ("The working assistant had not changed: its latest version "
                                    "was reused.", "Assistant")},
}
#: Error answers whose body is more than the Error shape, by endpoint.
ERROR_BODIES = {"api_archive_assistant": {409: "ArchiveBlocked"}}


def _response_format_property(self, field, **kwargs) -> dict:
    if not isinstance(field, schemas.ResponseFormatField):
        return {}
    return {
        "nullable": True,
        "oneOf": [
            {"type": "string", "enum": ["auto"]},
            {"type": "object", "required": ["type"], "properties": {
                "type": {"type": "string", "enum": list(schemas.RESPONSE_FORMAT_TYPES)},
                "json_schema": {"$ref": "#/components/schemas/JsonSchemaFormat"},
            }},
        ],
    }


def openapi_path(rule: str) -> tuple[str, list[dict]]:
    """A werkzeug rule as an OpenAPI path with its path parameters."""
    params = []

    def replace(match):
        params.append({"in": "path", "name": match["name"], "required": True,
                       "schema": dict(_CONVERTER_SCHEMAS.get(match["converter"], {"type": "string"}))})
        return "{" + match["name"] + "}"

    return _RULE_PARAM.sub(replace, rule), params


def build_document(routes, server_url: str, version: str) -> dict:
    """The document for ``routes`` (``api.ApiRoute`` values), served under ``server_url``."""
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="ocs-assistant-plugin JSON API",
        version=version,
        openapi_version=OPENAPI_VERSION,
        plugins=[plugin],
        info={"description": "Manage a team's OpenAI assistants: create, edit, import and their "
                             "files. Every error has the shape "
                             '{"error": {"code", "message", "fields"}}.'},
        servers=[{"url": server_url}],
    )
    plugin.map_to_openapi_type(schemas.UploadField, "string", "binary")
    plugin.converter.add_attribute_function(_response_format_property)

    spec.components.schema("ErrorBody", schema=schemas.ErrorBodySchema)
    spec.components.schema("Error", schema=schemas.ErrorSchema)
    spec.components.schema("FunctionTool", schema=schemas.FunctionToolSchema)
    spec.components.schema("JsonSchemaFormat", schema=schemas.JsonSchemaFormatSchema)
    spec.components.schema("AssistantInput", schema=schemas.AssistantInputSchema)
    spec.components.schema("AssistantPatch", schema=schemas.AssistantInputSchema(partial=True))
    # Leaves first: registering a schema registers the schemas it nests under their own names.
    spec.components.schema("AssistantFile", schema=schemas.AssistantFileSchema)
    spec.components.schema("Assistant", schema=schemas.AssistantSchema)
    spec.components.schema("AssistantPage", schema=schemas.AssistantPageSchema)
    spec.components.schema("ImportInput", schema=schemas.ImportInputSchema)
    spec.components.schema("FileUpload", schema=schemas.FileUploadSchema)
    spec.components.schema("TryInput", schema=schemas.TryInputSchema)
    spec.components.schema("TryResult", schema=schemas.TryResultSchema)
    spec.components.schema("ArchiveBlocked", schema=schemas.ArchiveBlockedSchema)
    spec.components.security_scheme("csrfToken", CSRF_SCHEME)

    paths: dict[str, dict] = {}
    for route in routes:
        path, path_params = openapi_path(route.rule)
        for method in route.methods:
            operation: dict = {"operationId": route.endpoint, "summary": route.summary,
                               "tags": [route.tag], "responses": {}}
            if route.description:
                operation["description"] = route.description
            parameters = list(path_params)
            if route.query is not None:
                parameters.append({"in": "query", "schema": route.query})
            if parameters:
                operation["parameters"] = parameters
            if route.body is not None:
                media = "multipart/form-data" if route.multipart else "application/json"
                operation["requestBody"] = {"required": True,
                                            "content": {media: {"schema": route.body}}}
            if route.response is None:
                operation["responses"][str(route.status)] = {"description": route.response_text}
            else:
                operation["responses"][str(route.status)] = {
                    "description": route.response_text,
                    "content": {"application/json": {"schema": route.response}}}
            if route.event_stream:
                operation["responses"][str(route.status)]["content"]["text/event-stream"] = {
                    "schema": {"type": "string", "description": route.event_stream}}
            for status, (text, schema) in EXTRA_ANSWERS.get(route.endpoint, {}).items():
                operation["responses"][str(status)] = {
                    "description": text, "content": {"application/json": {"schema": schema}}}
            errors = tuple(route.errors) + ((413,) if route.multipart else ())
            for status in errors:
                body = ERROR_BODIES.get(route.endpoint, {}).get(status, "Error")
                operation["responses"][str(status)] = {
                    "description": ERROR_STATUSES[status],
                    "content": {"application/json": {"schema": body}}}
            if method in ("POST", "PATCH", "DELETE"):
                operation["security"] = [{"csrfToken": []}, {}]
            paths.setdefault(path, {})[method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return _exact(spec.to_dict())


def _exact(document: dict) -> dict:
    """What the schemas cannot say by themselves: closed input objects, unique tool names, and
    a maximum on every integer parameter."""
    components = document["components"]["schemas"]
    for name in CLOSED_INPUTS:
        components[name]["additionalProperties"] = False
    for name in ("AssistantInput", "AssistantPatch"):
        components[name]["properties"]["builtin_tools"]["uniqueItems"] = True
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", ()):
                schema = parameter.get("schema", {})
                if schema.get("type") == "integer":
                    schema.setdefault("maximum", INT_MAX)
    return document
