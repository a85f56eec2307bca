"""Marshmallow schemas: every input is validated here, every JSON output dumped here.

The limits follow OpenAI's CreateAssistantRequest (DESIGN 5.2), so bad input is refused locally
with an error naming the field before anything is sent to OpenAI. The OpenAPI document
(:mod:`.openapi`) is generated from these classes.
"""
from __future__ import annotations

import re
import unicodedata
from enum import Enum

from marshmallow import Schema, ValidationError, fields, pre_dump, validate, validates_schema
from werkzeug.datastructures import FileStorage

from .errors import InvalidInput
from .models import OPERATION_KINDS, OPERATION_STATUSES
from .references import RefStatus
from .remote.base import BUILTIN_TOOLS, TOOLS_WITH_FILES

NAME_MAX = 256
DESCRIPTION_MAX = 512
INSTRUCTIONS_MAX = 256_000
MODEL_MAX = 256
MAX_TOOLS = 128
MAX_CODE_INTERPRETER_FILES = 20
FILENAME_MAX = 512
SEARCH_MAX = 256  # the longest name: a longer search cannot match
FUNCTION_NAME_RE = r"^[a-zA-Z0-9_-]{1,64}$"
RESPONSE_FORMAT_TYPES = ("text", "json_object", "json_schema")
#: The largest id a row can have (PostgreSQL's ``integer``); also the last page number.
ID_MAX = 2**31 - 1
PAGE_MAX = ID_MAX
#: How deep JSON input may nest (objects and lists): far beyond any real function schema, well
#: within what every layer below (the SDK, the database driver) handles without recursing out.
JSON_DEPTH_MAX = 64
OPENAI_ID_RE = r"^\s*[A-Za-z0-9_-]+\s*$"


def not_blank(value: str) -> None:
    if isinstance(value, str) and not value.strip():
        raise ValidationError("Must not be blank.")


class AsciiInt(fields.Int):
    """An integer written in ASCII digits (``int()`` alone also reads fullwidth digits)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not re.fullmatch(r"[+-]?[0-9]+", value.strip()):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def text_problems(value, path: str = "", depth: int = 0) -> dict[str, list[str]]:
    """What no text the plugin stores or sends may hold, by field path (``a.0.b``): a NUL
    (PostgreSQL refuses it), a lone surrogate (not encodable as UTF-8, so not sendable to
    OpenAI), or nesting deeper than :data:`JSON_DEPTH_MAX`."""
    problems: dict[str, list[str]] = {}
    name = path or "body"
    if isinstance(value, str):
        if "\x00" in value:
            problems[name] = ["Must not contain NUL characters (\\u0000)."]
        elif any("\ud800" <= ch <= "\udfff" for ch in value):
            problems[name] = ["Not valid Unicode text: contains a lone surrogate (\\ud800-"
                              "\\udfff)."]
        return problems
    if isinstance(value, (dict, list)):
        if depth >= JSON_DEPTH_MAX:
            return {name: [f"Nested too deeply: at most {JSON_DEPTH_MAX} levels."]}
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            child = f"{path}.{key}" if path else str(key)
            if isinstance(key, str):
                problems.update(text_problems(key, child))
            problems.update(text_problems(item, child, depth + 1))
    return problems


def _described(text: str, **more) -> dict:
    return {"description": text, **more}


def _output_list(item: fields.Field, text: str) -> fields.List:
    """A dump-only list of ``item`` described by ``text`` (for the answers' schemas)."""
    return fields.List(item, dump_only=True, metadata=_described(text))


# -- AssistantInput -----------------------------------------------------------------------------


class JsonSchemaFormatSchema(Schema):
    name = fields.Str(required=True, validate=validate.Regexp(
        FUNCTION_NAME_RE, error="Use 1 to 64 letters, digits, '_' or '-'."))
    description = fields.Str(allow_none=True)
    schema = fields.Dict(metadata=_described("A JSON Schema object."))
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

    name = fields.Str(required=True, validate=[validate.Length(1, NAME_MAX), not_blank])
    model = fields.Str(required=True, validate=[validate.Length(1, MODEL_MAX), not_blank],
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
    """Either ``openai_assistant_id`` (an assistant of the Assistants API), or ``vector_store_id``
    and ``model`` (and ``name``): a new ``responses`` assistant holding that store and its files,
    for servers without the Assistants API."""

    openai_assistant_id = fields.Str(
        validate=[validate.Length(1, 128), not_blank, validate.Regexp(
            OPENAI_ID_RE, error="An OpenAI id: letters, digits, '_' and '-' (asst_...).")],
        metadata=_described("The id of an assistant in OpenAI (asst_...)."))
    vector_store_id = fields.Str(
        validate=[validate.Length(1, 128), not_blank, validate.Regexp(
            OPENAI_ID_RE, error="An OpenAI id: letters, digits, '_' and '-' (vs_...).")],
        metadata=_described("The id of a vector store in OpenAI (vs_...): imported as a new "
                            "responses assistant."))
    model = fields.Str(validate=[validate.Length(1, MODEL_MAX), not_blank], metadata=_described(
        "With vector_store_id: the new assistant's model, e.g. gpt-4o."))
    name = fields.Str(validate=[validate.Length(1, NAME_MAX), not_blank], metadata=_described(
        "With vector_store_id: the new assistant's name (default: the store's name)."))

    @validates_schema
    def _one_source(self, data, **kwargs):
        if "openai_assistant_id" in data:
            extra = [f for f in ("vector_store_id", "model", "name") if f in data]
            if extra:
                raise ValidationError({f: ["Not with openai_assistant_id."] for f in extra})
        elif "vector_store_id" in data:
            if "model" not in data:
                raise ValidationError({"model": ["Required with vector_store_id."]})
        else:
            raise ValidationError({
                "openai_assistant_id": ["Give openai_assistant_id, or vector_store_id and model."],
                "vector_store_id": ["Give openai_assistant_id, or vector_store_id and model."]})


class ReleaseInputSchema(Schema):
    label = fields.Str(load_default=None, allow_none=True, validate=validate.Length(max=256),
                       metadata=_described("The release's name, kept on the version "
                                           "(release_label), e.g. \"v3\"."))


# -- try ------------------------------------------------------------------------------------

TRY_INPUT_MAX = 32_768


class TryInputSchema(Schema):
    input = fields.Str(required=True, validate=validate.Length(1, TRY_INPUT_MAX), metadata=
                       _described("The message to send, as a user of the chatbot would."))
    previous_response_id = fields.Str(
        load_default=None, allow_none=True, validate=validate.Length(1, 256), metadata=_described(
            "The response_id of the previous answer, to continue that conversation; null or "
            "absent starts a new one."))


class CitationSchema(Schema):
    file_id = fields.Str(dump_only=True, metadata=_described("The OpenAI File id."))
    filename = fields.Str(dump_only=True)


class TokenUsageSchema(Schema):
    input_tokens = fields.Int(dump_only=True, metadata=_described(
        "Tokens read, the earlier conversation included."))
    output_tokens = fields.Int(dump_only=True)


class TryResultSchema(Schema):
    response_id = fields.Str(dump_only=True, metadata=_described(
        "Send it as previous_response_id to continue the conversation."))
    output_text = fields.Str(dump_only=True)
    citations = _output_list(fields.Nested(CitationSchema), "The files the answer cites, each "
                                                            "once, in order of first citation.")
    usage = fields.Nested(TokenUsageSchema, dump_only=True)


class TextDeltaSchema(Schema):
    text = fields.Str(dump_only=True, metadata=_described("The next piece of the answer."))


# -- files ------------------------------------------------------------------------------------


#: Bidirectional-text controls: they make ``evil\u202etxt.exe`` read as ``evilexe.txt``.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                          "\u2066\u2067\u2068\u2069")


def clean_filename(raw: str) -> str:
    """The name an upload is kept and sent under: control characters (NUL among them) and bidi
    controls dropped, any folder part dropped (browsers on Windows may send a full path, an
    attacker ``../x``), surrounding spaces trimmed. What is left may be empty, ``.`` or ``..``:
    the caller refuses those."""
    kept = "".join(ch for ch in raw if ch not in BIDI_CONTROLS
                   and unicodedata.category(ch) not in ("Cc", "Cs"))
    return kept.replace("\\", "/").rsplit("/", 1)[-1].strip()


class UploadField(fields.Field):
    """A multipart file part (``werkzeug.datastructures.FileStorage``) with a filename, cleaned
    by :func:`clean_filename`."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage) or not value.filename:
            raise ValidationError("Attach a file (multipart form part with a filename).")
        name = clean_filename(value.filename)
        if name in ("", ".", ".."):
            raise ValidationError("The file has no usable name (after dropping folders and "
                                  "control characters).")
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
    q = fields.Str(validate=validate.Length(max=SEARCH_MAX), metadata=_described(
        "Only assistants whose name contains this text (case-insensitive)."))
    page = AsciiInt(load_default=1, validate=validate.Range(min=1, max=PAGE_MAX))


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


# -- archiving and the remote-operations outbox --------------------------------------------------

REFERENCE_STATUSES = tuple(s.value for s in RefStatus)


class ReferenceUserSchema(Schema):
    """A user of a referencing object (an experiment using a pipeline)."""

    kind = fields.Str(dump_only=True, metadata=_described(
        "The kind of the provider it belongs to, e.g. experiment."))
    id = fields.Raw(dump_only=True, metadata={"description": "The host object's id.",
                                              "oneOf": [{"type": "integer"}, {"type": "string"}]})
    label = fields.Str(dump_only=True)
    url = fields.Str(dump_only=True, metadata=_described("Where the admin finds it in the host."))
    assistant_id = fields.Int(dump_only=True)
    status = fields.Str(dump_only=True, metadata={"enum": list(REFERENCE_STATUSES)})


class ReferenceSchema(ReferenceUserSchema):
    """A host object referencing an assistant or one of its versions (``assistant_id``)."""

    users = _output_list(
        fields.Nested(ReferenceUserSchema),
        "For containers (a pipeline): the objects that use it, each with its own status.")


REFERENCE_FIELDS = tuple(ReferenceSchema().fields)


class ReferenceViaSchema(Schema):
    kind = fields.Str(dump_only=True)
    id = fields.Raw(dump_only=True, metadata={"oneOf": [{"type": "integer"}, {"type": "string"}]})
    label = fields.Str(dump_only=True)
    url = fields.Str(dump_only=True)
    status = fields.Str(dump_only=True, metadata={"enum": list(REFERENCE_STATUSES)})


class BlockingReferenceSchema(ReferenceSchema):
    """A Reference that blocks archiving, with what unblocks it."""

    @pre_dump
    def _reference_fields_at_the_top(self, entry, **kwargs):
        """Dumps an archival ``BlockingEntry``: its Reference's fields beside its own."""
        return {**{name: getattr(entry.reference, name) for name in REFERENCE_FIELDS},
                "version_number": entry.version_number, "action": entry.action,
                "via": entry.via}

    version_number = fields.Int(dump_only=True, allow_none=True, metadata=_described(
        "The version it points at; null for the working assistant."))
    action = fields.Str(dump_only=True, metadata=_described("What the admin does to unblock."))
    via = fields.Nested(ReferenceViaSchema, dump_only=True, allow_none=True, metadata=_described(
        'In a "... Referencing ..." section: the container this user blocks through.'))


class ArchiveSectionSchema(Schema):
    title = fields.Str(dump_only=True, metadata=_described(
        'The provider\'s section ("Experiments"), or USER SECTION + " Referencing " + LABEL '
        '("Experiments Referencing Pipeline").'))
    references = fields.List(fields.Nested(BlockingReferenceSchema), dump_only=True)


class ArchiveCheckSchema(Schema):
    assistant_id = fields.Int(dump_only=True)
    can_archive = fields.Bool(dump_only=True)
    versions = _output_list(fields.Int(),
                            "The unarchived versions covered with the working assistant.")
    sections = _output_list(fields.Nested(ArchiveSectionSchema),
                            "What blocks archiving, one section per modal section.")
    auto_archive = _output_list(fields.Nested(ReferenceSchema),
                                "Released references archived automatically with it.")


class ArchiveBlockedSchema(ArchiveCheckSchema):
    """The 409 answer of an archive: the fresh check, with the error."""

    error = fields.Nested(ErrorBodySchema, dump_only=True)


class RemoteOperationSchema(Schema):
    id = fields.Int(dump_only=True)
    team_id = fields.Int(dump_only=True, allow_none=True)
    kind = fields.Str(dump_only=True, metadata={"enum": list(OPERATION_KINDS),
                                                "description": "What it deletes in OpenAI "
                                                               "(a sweep: what carries the token)."})
    target = fields.Str(dump_only=True, metadata=_described(
        "The OpenAI id (for a sweep: the token the lost attempt carried)."))
    status = fields.Str(dump_only=True, metadata={"enum": list(OPERATION_STATUSES)})
    attempts = fields.Int(dump_only=True)
    last_error = fields.Str(dump_only=True, allow_none=True)
    next_attempt_at = fields.DateTime(dump_only=True, metadata=_described(
        "When it is tried next (for a running one: when its claim lapses)."))
    claimed_by = fields.Str(dump_only=True, allow_none=True, metadata=_described(
        "The worker that took it last (machine, process, kind): for a running one, who holds "
        "it."))
    claimed_at = fields.DateTime(dump_only=True, allow_none=True, metadata=_described(
        "When that worker took it."))
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class RemoteOperationPageSchema(Schema):
    items = fields.List(fields.Nested(RemoteOperationSchema), dump_only=True)
    next = fields.Str(dump_only=True, allow_none=True, metadata=_described(
        "The URL of the next page, or null on the last page."))


class ArchiveResultSchema(Schema):
    archived = _output_list(fields.Int(), "The working assistant and its versions, now archived.")
    auto_archived = _output_list(fields.Nested(ReferenceSchema),
                                 "Released references archived through their provider.")
    operations = _output_list(fields.Nested(RemoteOperationSchema),
                              "The deletions recorded in OpenAI (the outbox).")


class ReleasedSchema(Schema):
    """One working assistant's part of a release (``flask assistants release --json``)."""

    working_id = fields.Int(attribute="working.id", dump_only=True)
    version_id = fields.Int(attribute="version.id", dump_only=True)
    version_number = fields.Int(attribute="version.version_number", dump_only=True)
    created = fields.Bool(dump_only=True, metadata=_described(
        "False when the assistant was unchanged and its latest version was reused."))


class MigrationItemSchema(Schema):
    """What ``flask assistants migrate-backend`` did (or would do) to one assistant."""

    assistant_id = fields.Int(dump_only=True)
    team_id = fields.Int(dump_only=True)
    name = fields.Str(dump_only=True)
    is_version = fields.Bool(dump_only=True)
    version_number = fields.Int(dump_only=True, allow_none=True)
    outcome = fields.Str(dump_only=True)
    reason = fields.Str(dump_only=True)
    changes = fields.List(fields.Str(), dump_only=True)
    previous_openai_id = fields.Str(dump_only=True, allow_none=True)
    vector_store_id = fields.Str(dump_only=True, allow_none=True)
    operation_id = fields.Int(dump_only=True, allow_none=True)


class MigrationReportSchema(Schema):
    """The report of ``flask assistants migrate-backend --json``."""

    to = fields.Str(dump_only=True)
    dry_run = fields.Bool(dump_only=True)
    team_id = fields.Int(dump_only=True, allow_none=True)
    counts = fields.Dict(keys=fields.Str(), values=fields.Int(), dump_only=True)
    items = fields.List(fields.Nested(MigrationItemSchema), dump_only=True)


class OperationsQuerySchema(Schema):
    status = fields.Str(validate=validate.OneOf(OPERATION_STATUSES), metadata=_described(
        "Only operations in this state."))
    page = AsciiInt(load_default=1, validate=validate.Range(min=1, max=PAGE_MAX))


# -- sync ---------------------------------------------------------------------------------------



class SyncState(str, Enum):
    """The ``state`` of a SyncReport."""

    NOT_PUSHED = "not_pushed"  #: never created in OpenAI
    IN_SYNC = "in_sync"
    OUT_OF_SYNC = "out_of_sync"  #: see the report's lists
    REMOTE_MISSING = "remote_missing"  #: deleted in OpenAI
    ERROR = "error"  #: OpenAI could not be asked

    def __str__(self) -> str:
        return self.value


SYNC_STATES = tuple(state.value for state in SyncState)


class SyncDifferenceSchema(Schema):
    field = fields.Str(dump_only=True, metadata=_described(
        "The AssistantInput field (name, instructions, ..., builtin_tools, function_tools), or "
        "vector_store_id."))
    local = fields.Raw(dump_only=True, allow_none=True, metadata=_described(
        "The value here, normalised (temperature unset reads 1.0, tools sorted, ...)."))
    remote = fields.Raw(dump_only=True, allow_none=True, metadata=_described(
        "The value in OpenAI, normalised the same way."))


class FileMissingLocallySchema(Schema):
    openai_id = fields.Str(dump_only=True)
    filename = fields.Str(dump_only=True, metadata=_described("The filename in OpenAI."))
    tool = fields.Str(dump_only=True, metadata={"enum": list(TOOLS_WITH_FILES)})


class FileMissingRemotelySchema(Schema):
    id = fields.Int(dump_only=True, metadata=_described("The AssistantFile id here."))
    filename = fields.Str(dump_only=True)
    openai_id = fields.Str(dump_only=True)
    tool = fields.Str(dump_only=True, metadata={"enum": list(TOOLS_WITH_FILES)})


class SyncReportSchema(Schema):
    state = fields.Str(dump_only=True, metadata={"enum": list(SYNC_STATES), "description": (
        "not_pushed: never created in OpenAI; in_sync; out_of_sync: see the lists; "
        "remote_missing: deleted in OpenAI; error: OpenAI could not be asked (see message).")})
    assistant_id = fields.Int(dump_only=True)
    openai_id = fields.Str(dump_only=True, allow_none=True)
    is_version = fields.Bool(dump_only=True, metadata=_described(
        "A released version: read-only here; `restore` pushes its snapshot back."))
    differences = fields.List(fields.Nested(SyncDifferenceSchema), dump_only=True)
    files_missing_locally = fields.List(fields.Nested(FileMissingLocallySchema), dump_only=True,
                                        metadata=_described("Files in OpenAI that are not here."))
    files_missing_remotely = fields.List(
        fields.Nested(FileMissingRemotelySchema), dump_only=True,
        metadata=_described("Files here that OpenAI does not have."))
    message = fields.Str(dump_only=True, metadata=_described("What was found and what to do."))


class SyncActionInputSchema(Schema):
    """pull, push, restore and the file fixes take no input: no body, or ``{}``."""


class SyncFileUploadSchema(Schema):
    file = UploadField(metadata={"type": "string", "format": "binary", "description": (
        "The file's content (optional when OpenAI still has the File or its content is stored "
        "here).")})


class RemoteFileQuerySchema(Schema):
    tool = fields.Str(validate=validate.OneOf(TOOLS_WITH_FILES), metadata=_described(
        "The tool the file is attached to in OpenAI; needed when it is attached to both."))


# -- helpers ------------------------------------------------------------------------------------


def invalid_input(error: ValidationError) -> InvalidInput:
    """The plugin's 400 for marshmallow's ``ValidationError``, naming every bad field."""
    fields = describe_unknown(flatten_messages(error.messages))
    return InvalidInput(f"Invalid input: check {', '.join(sorted(fields))}.", fields)


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
