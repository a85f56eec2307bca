"""The vendored OpenAI OpenAPI subsets (``testing/spec/``), loaded once and turned into validators.

Two documents ship with the package:

- ``assistants``: ``openapi-assistants-subset.yaml`` (assistants, files, vector stores, batches);
- ``responses``: ``openapi-responses-subset.yaml`` (``POST /responses``).

Each component schema is validated with JSON Schema draft 2020-12 (what OpenAPI 3.1 uses); a
``referencing`` registry holds each document under its own URI so every ``$ref`` resolves.

The one edit made in memory: the 3.1 documents still carry the OpenAPI 3.0 keyword
``nullable: true`` in two places (``UpdateVectorStoreRequest``). JSON Schema ignores it, which
would reject ``null`` where OpenAI accepts it, so it is rewritten as ``anyOf [..., {type: null}]``.

One OpenAPI rule is added to JSON Schema's: a ``oneOf`` with a ``discriminator`` picks its branch
by the discriminating property, so it holds when any branch does. Without the rule, branches that
overlap would reject valid input: ``InputItem`` offers both ``EasyInputMessage`` and ``Item``
(``InputMessage``) for ``{"type": "message", "role": "user", "content": [{"type":
"input_text", ...}]}``, and plain ``oneOf`` refuses a value that matches more than one branch.
A ``oneOf`` without a discriminator keeps its exactly-one meaning (``tool_resources.file_search``:
``vector_store_ids`` or ``vector_stores``, not both).
"""
from __future__ import annotations

import functools
import re
from importlib import resources

import yaml
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOCUMENTS = {
    "assistants": "openapi-assistants-subset.yaml",
    "responses": "openapi-responses-subset.yaml",
}
_BASE_URI = "urn:ocs-assistant-plugin:openai-spec:"


class SpecViolation(AssertionError):
    """A JSON document does not match a schema of the vendored spec.

    ``errors`` holds every :class:`jsonschema.ValidationError`; the message names the best one.
    """

    def __init__(self, schema_name: str, errors: list):
        self.schema_name = schema_name
        self.errors = errors
        best = best_match(errors)
        where = "/".join(str(p) for p in best.absolute_path) or "(root)"
        super().__init__(f"{schema_name}: at {where}: {best.message} "
                         f"({len(errors)} error{'s' if len(errors) != 1 else ''})")


def _rewrite_nullable(node):
    """Turn OpenAPI 3.0 ``nullable: true`` into a JSON Schema null alternative, recursively."""
    if isinstance(node, list):
        return [_rewrite_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    all_of = node.get("allOf")
    if isinstance(all_of, list) and {"nullable": True} in all_of:
        rest = [_rewrite_nullable(part) for part in all_of if part != {"nullable": True}]
        node = {k: _rewrite_nullable(v) for k, v in node.items() if k != "allOf"}
        node["anyOf"] = [{"allOf": rest}, {"type": "null"}]
        return node
    node = {key: _rewrite_nullable(value) for key, value in node.items()}
    if node.get("nullable") is True:
        inner = {k: v for k, v in node.items() if k not in ("nullable", "description")}
        outer = {"anyOf": [inner, {"type": "null"}]}
        if "description" in node:
            outer["description"] = node["description"]
        return outer
    return node


@functools.cache
def load_spec(document: str = "assistants") -> dict:
    """The parsed spec document (``"assistants"`` or ``"responses"``); do not mutate it."""
    try:
        filename = DOCUMENTS[document]
    except KeyError:
        raise ValueError(f"unknown spec document {document!r}; expected one of "
                         f"{', '.join(DOCUMENTS)}") from None
    text = resources.files(__package__).joinpath("spec", filename).read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return _rewrite_nullable(yaml.load(text, Loader=loader))  # noqa: S506 (a safe loader)


@functools.cache
def _registry() -> Registry:
    registry = Registry()
    for document in DOCUMENTS:
        resource = Resource.from_contents(load_spec(document), default_specification=DRAFT202012)
        registry = registry.with_resource(_BASE_URI + document, resource)
    return registry


def _document_of(schema_name: str) -> str:
    for document in DOCUMENTS:
        if schema_name in load_spec(document)["components"]["schemas"]:
            return document
    raise KeyError(f"no component schema named {schema_name!r} in the vendored spec")


def _one_of(validator, branches, instance, schema):
    """``oneOf``, read as OpenAPI reads it: with a ``discriminator`` any matching branch will do."""
    keyword = "anyOf" if "discriminator" in schema else "oneOf"
    yield from Draft202012Validator.VALIDATORS[keyword](validator, branches, instance, schema)


#: Draft 2020-12 with the OpenAPI ``discriminator`` rule (see the module docstring).
SpecValidator = validators.extend(Draft202012Validator, {"oneOf": _one_of})


@functools.cache
def spec_validator(schema_name: str, document: str | None = None) -> SpecValidator:
    """A draft 2020-12 validator for ``#/components/schemas/<schema_name>``.

    ``document`` defaults to the first document that defines the name (assistants first), so
    ``spec_validator("CreateResponse")`` and ``spec_validator("AssistantObject")`` both work.
    """
    document = document or _document_of(schema_name)
    if schema_name not in load_spec(document)["components"]["schemas"]:
        raise KeyError(f"no component schema named {schema_name!r} in the {document} spec")
    ref = f"{_BASE_URI}{document}#/components/schemas/{schema_name}"
    return SpecValidator({"$ref": ref}, registry=_registry())


def validate_response(document: str | None, schema_name: str, data) -> None:
    """Raise :class:`SpecViolation` unless ``data`` matches the named component schema.

    Despite the name it validates any JSON value, request bodies included: the plugin's tests
    use it to check the keyword arguments they send to ``client.responses.create``
    (``validate_response("responses", "CreateResponse", kwargs)``).
    """
    errors = list(spec_validator(schema_name, document).iter_errors(data))
    if errors:
        raise SpecViolation(schema_name, errors)


@functools.cache
def _stream_event_schemas() -> dict[str, str]:
    schemas = load_spec("responses")["components"]["schemas"]
    names = {}
    for choice in schemas["ResponseStreamEvent"]["anyOf"]:
        name = choice["$ref"].rsplit("/", 1)[-1]
        for kind in schemas[name]["properties"]["type"].get("enum", ()):
            names[kind] = name
    return names


def stream_event_schema_name(event_type: str) -> str:
    """The component schema of a ``responses.create`` stream event by its ``type``
    (``"response.output_text.delta"`` -> ``"ResponseTextDeltaEvent"``); KeyError if none."""
    try:
        return _stream_event_schemas()[event_type]
    except KeyError:
        raise KeyError(f"no stream event of type {event_type!r} in ResponseStreamEvent") from None


# -- operations ------------------------------------------------------------------------------

def _path_pattern(template: str) -> re.Pattern:
    parts = re.split(r"(\{[^}]+\})", template)
    regex = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(regex + "$")


@functools.cache
def _operations() -> tuple:
    operations = []
    for document in DOCUMENTS:
        for template, item in load_spec(document)["paths"].items():
            for method, operation in item.items():
                if method in ("get", "post", "delete"):
                    operations.append((method.upper(), _path_pattern(template), template,
                                       document, operation))
    return tuple(operations)


def operation_for(method: str, path: str):
    """``(document, path_template, operation)`` of the spec operation serving ``method path``.

    ``path`` is relative to the API root (``/assistants/asst_1``, no ``/v1``). Returns None for
    a request the spec does not describe.
    """
    for op_method, pattern, template, document, operation in _operations():
        if op_method == method.upper() and pattern.match(path):
            return document, template, operation
    return None


def success_schema_name(operation: dict) -> str | None:
    """The component schema name of an operation's 200 ``application/json`` body, if any."""
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref.startswith("#/components/schemas/") else None


def request_schema_name(operation: dict) -> str | None:
    """The component schema name of an operation's request body, whatever its media type."""
    for media in operation.get("requestBody", {}).get("content", {}).values():
        ref = media.get("schema", {}).get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            return ref.rsplit("/", 1)[-1]
    return None
