"""Marshmallow schemas: every input is validated here, every JSON output dumped here.

The limits follow OpenAI's CreateAssistantRequest (DESIGN 5.2), so bad input is refused locally
with an error naming the field before anything is sent to OpenAI. The OpenAPI document
(:mod:`.openapi`) is generated from these classes.
"""
from __future__ import annotations

import os

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from werkzeug.datastructures import FileStorage

from .remote.base import BUILTIN_TOOLS, TOOLS_WITH_FILES

NAME_MAX = 256
DESCRIPTION_MAX = 512
INSTRUCTIONS_MAX = 256_000
MODEL_MAX = 256
MAX_TOOLS = 128
MAX_CODE_INTERPRETER_FILES = 20
FILENAME_MAX = 512
FUNCTION_NAME_RE = r"^[a-zA-Z0-9_-]{1,64}$"
RESPONSE_FORMAT_TYPES = ("text", "json_object", "json_schema")


def _described(text: str, **more) -> dict:
    return {"description": text, **more}


# -- AssistantInput -----------------------------------------------------------------------------


class JsonSchemaFormatSchema(Schema):
    name = fields.Str(required=True, validate=validate.Regexp(
        FUNCTION_NAME_RE, error="Use 1 to 64 letters, digits, '_' or '-'."))
    description = fields.Str(allow_none=True)
    schema = fields.Dict(allow_none=True, metadata=_described("A JSON Schema object."))
    strict = fields.Bool(allow_none=True)


class ResponseFormatObjectSchema(Schema):
    type = fields.Str(required=True, validate=validate.OneOf(RESPONSE_FORMAT_TYPES))
    json_schema = fields.Nested(JsonSchemaFormatSchema)

    @validates_schema
    def _json_schema_with_its_type(self, data, **kwargs):
        if data.get("type") == "json_schema" and "json_schema" not in data:
            raise ValidationError("Required when type is json_schema.", "json_schema")
        if data.get("type") != "json_schema" and "json_schema" in data:
            raise ValidationError("Only allowed when type is json_schema.", "json_schema")


class ResponseFormatField(fields.Field):
    """``"auto"``, ``null`` or ``{"type": "text" | "json_object" | "json_schema", ...}``."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value == "auto":
            return "auto"
        if isinstance(value, dict):
            return ResponseFormatObjectSchema().load(value)
        raise ValidationError('Must be "auto" or an object with a "type" of '
                              + ", ".join(RESPONSE_FORMAT_TYPES) + ".")

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class FunctionToolSchema(Schema):
    name = fields.Str(required=True, validate=validate.Regexp(
        FUNCTION_NAME_RE, error="Use 1 to 64 letters, digits, '_' or '-'."))
    description = fields.Str(allow_none=True)
    parameters = fields.Dict(allow_none=True, metadata=_described(
        "The function's parameters as a JSON Schema object."))
    strict = fields.Bool(allow_none=True)

    @validates_schema
    def _parameters_are_an_object_schema(self, data, **kwargs):
        params = data.get("parameters")
        if params and params.get("type", "object") != "object":
            raise ValidationError('A function\'s parameters must be a JSON Schema of "type": "object".',
                                  "parameters")


def _validate_builtin_tools(tools: list) -> None:
    unknown = [t for t in tools if t not in BUILTIN_TOOLS]
    if unknown:
        raise ValidationError(f"Unknown tool {unknown[0]!r}: must be among "
                              + ", ".join(BUILTIN_TOOLS) + ".")
    if len(set(tools)) != len(tools):
        raise ValidationError("A tool is listed twice.")


class AssistantInputSchema(Schema):
    """What an admin sends to create (all required fields) or patch (``partial=True``)."""

    name = fields.Str(required=True, validate=validate.Length(1, NAME_MAX))
    model = fields.Str(required=True, validate=validate.Length(1, MODEL_MAX),
                       metadata=_described("The OpenAI model, e.g. gpt-4o."))
    instructions = fields.Str(allow_none=True, validate=validate.Length(max=INSTRUCTIONS_MAX))
    description = fields.Str(allow_none=True, validate=validate.Length(max=DESCRIPTION_MAX))
    temperature = fields.Float(allow_none=True, validate=validate.Range(0, 2))
    top_p = fields.Float(allow_none=True, validate=validate.Range(0, 1))
    response_format = ResponseFormatField(allow_none=True, metadata=_described(
        '"auto", or {"type": "text" | "json_object" | "json_schema", "json_schema": {...}}.'))
    builtin_tools = fields.List(fields.Str(metadata={"enum": list(BUILTIN_TOOLS)}),
                                validate=_validate_builtin_tools,
                                metadata=_described("A subset of " + ", ".join(BUILTIN_TOOLS)))
    function_tools = fields.List(fields.Nested(FunctionToolSchema),
                                 validate=validate.Length(max=MAX_TOOLS))

    @validates_schema
    def _function_tools_fit(self, data, **kwargs):
        tools = data.get("function_tools") or []
        names = [t["name"] for t in tools]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValidationError(f"Function names must be unique: {', '.join(duplicates)}.",
                                  "function_tools")
        if len(tools) + len(data.get("builtin_tools") or []) > MAX_TOOLS:
            raise ValidationError(f"At most {MAX_TOOLS} tools in all.", "function_tools")


class ImportInputSchema(Schema):
    openai_assistant_id = fields.Str(required=True, validate=validate.Length(1, 128), metadata=
                                     _described("The id of an assistant in OpenAI (asst_...)."))


# -- files ------------------------------------------------------------------------------------


class UploadField(fields.Field):
    """A multipart file part (``werkzeug.datastructures.FileStorage``) with a filename."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage) or not value.filename:
            raise ValidationError("Attach a file (multipart form part with a filename).")
        # Browsers on Windows may send a full path; OpenAI only needs the name.
        name = os.path.basename(value.filename.replace("\\", "/")).strip()
        if not name:
            raise ValidationError("The file has no name.")
        if len(name) > FILENAME_MAX:
            raise ValidationError(f"The filename is longer than {FILENAME_MAX} characters.")
        value.filename = name
        return value


class FileUploadSchema(Schema):
    tool = fields.Str(required=True, validate=validate.OneOf(TOOLS_WITH_FILES))
    file = UploadField(required=True, metadata={"type": "string", "format": "binary"})


class FileRemoveQuerySchema(Schema):
    tool = fields.Str(validate=validate.OneOf(TOOLS_WITH_FILES), metadata=_described(
        "The tool to detach the file from; needed when the OpenAI file id is attached to both."))


# -- listing ------------------------------------------------------------------------------------


class ListQuerySchema(Schema):
    archived = fields.Bool(load_default=False, metadata=_described(
        "true: only archived assistants; false (default): only unarchived ones."))
    versions = fields.Bool(load_default=False, metadata=_described(
        "true: versions too; false (default): working assistants only."))
    page = fields.Int(load_default=1, validate=validate.Range(min=1))


# -- output -------------------------------------------------------------------------------------


class AssistantFileSchema(Schema):
    id = fields.Int(dump_only=True)
    filename = fields.Str(dump_only=True)
    openai_id = fields.Str(dump_only=True)
    tool = fields.Str(dump_only=True)
    remote_only = fields.Bool(dump_only=True, metadata=_described(
        "Known only in OpenAI (imported or pulled): its content is not stored here."))
    bytes = fields.Int(dump_only=True)


class AssistantSchema(Schema):
    id = fields.Int(dump_only=True)
    team_id = fields.Int(dump_only=True)
    openai_id = fields.Str(dump_only=True, allow_none=True)
    backend = fields.Str(dump_only=True)
    name = fields.Str(dump_only=True)
    model = fields.Str(dump_only=True)
    instructions = fields.Str(dump_only=True)
    description = fields.Str(dump_only=True)
    temperature = fields.Float(dump_only=True, allow_none=True)
    top_p = fields.Float(dump_only=True, allow_none=True)
    response_format = ResponseFormatField(dump_only=True, allow_none=True)
    builtin_tools = fields.List(fields.Str(), dump_only=True)
    function_tools = fields.List(fields.Nested(FunctionToolSchema), dump_only=True)
    files = fields.List(fields.Nested(AssistantFileSchema), dump_only=True)
    vector_store_id = fields.Str(dump_only=True, allow_none=True)
    is_version = fields.Bool(dump_only=True)
    version_number = fields.Int(dump_only=True, allow_none=True)
    release_label = fields.Str(dump_only=True, allow_none=True)
    working_id = fields.Int(dump_only=True, allow_none=True)
    versions = fields.Method("_version_ids", dump_only=True,
                             metadata={"type": "array", "items": {"type": "integer"}})
    archived = fields.Bool(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    pushed_at = fields.DateTime(dump_only=True, allow_none=True)

    def _version_ids(self, assistant) -> list[int]:
        return [v.id for v in assistant.versions]


class AssistantPageSchema(Schema):
    items = fields.List(fields.Nested(AssistantSchema), dump_only=True)
    next = fields.Str(dump_only=True, allow_none=True, metadata=_described(
        "The URL of the next page, or null on the last page."))


class ErrorBodySchema(Schema):
    code = fields.Str(dump_only=True, metadata=_described(
        "A stable name: invalid_input, not_authenticated, forbidden, not_found, conflict, "
        "remote_error, remote_unavailable, ..."))
    message = fields.Str(dump_only=True)
    fields_ = fields.Dict(keys=fields.Str(), values=fields.List(fields.Str()), data_key="fields",
                          attribute="fields", dump_only=True)


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, dump_only=True)


# -- helpers ------------------------------------------------------------------------------------


def flatten_messages(messages, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested error messages into ``{"a.0.b": ["..."]}``.

    Schema-level errors (``_schema``) are reported under the prefix, or under ``body`` at the top.
    """
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            key = str(key)
            if key == "_schema":
                name = prefix or "body"
            else:
                name = f"{prefix}.{key}" if prefix else key
            for field, texts in flatten_messages(value, name).items():
                out.setdefault(field, []).extend(texts)
    elif isinstance(messages, (list, tuple)):
        for item in messages:
            if isinstance(item, (dict, list, tuple)):
                for field, texts in flatten_messages(item, prefix).items():
                    out.setdefault(field, []).extend(texts)
            else:
                out.setdefault(prefix or "body", []).append(str(item))
    else:
        out.setdefault(prefix or "body", []).append(str(messages))
    return out


_UNKNOWN_FIELD = "Unknown field."


def describe_unknown(messages: dict[str, list[str]]) -> dict[str, list[str]]:
    """Make marshmallow's terse "Unknown field." say what to do."""
    return {field: ["Unknown field: not part of this request." if t == _UNKNOWN_FIELD else t
                    for t in texts] for field, texts in messages.items()}
