"""The admin pages: list, create, edit (files, sync report, versions), import.

Pages are thin. Each view turns form fields into the service's input, calls the service layer
(:class:`~.assistants.AssistantService`, the sync and versions services), and renders a template under ``templates/ocs_assistants/``. A host restyles a page
by placing a template of the same path in its own templates folder, and gives the pages its
layout with ``OCS_ASSISTANTS_BASE_TEMPLATE`` (a template with ``title`` and ``content`` blocks).

Rules every view keeps:

- every form post carries the CSRF token (checked for the whole blueprint by :func:`.csrf.guard`
  before any view runs);
- bad input re-renders the form with what was typed and each message next to its field (400);
- an OpenAI failure is a clear alert on the page (with the error's 502/503 status), never a
  500 page; a success redirects (post/redirect/get) and shows a notice once.

Notices after a redirect: :mod:`.notices`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import Blueprint, redirect, request, url_for

from . import archive_pages, csrf, uploads
from .notices import notify, render_page
from .state import settings, team_assistants
from ..lifecycle import versions
from ..lifecycle.assistants import AssistantService, validate
from ..lifecycle.sync import SyncService
from ..errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    PluginError,
    RemoteError,
)
from ..models import Assistant
from ..remote.base import BUILTIN_TOOLS, TOOLS_WITH_FILES
from ..schemas import (
    ID_MAX,
    JSON_DEPTH_MAX,
    PAGE_MAX,
    SEARCH_MAX,
    AssistantInputSchema,
    FileUploadSchema,
    SyncFileUploadSchema,
    SyncReportSchema,
)

#: Models offered as suggestions in the form (any model name is accepted).
SUGGESTED_MODELS = ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano",
                    "o3-mini", "gpt-4-turbo", "gpt-3.5-turbo")

TOOL_LABELS = {"code_interpreter": "Code interpreter", "file_search": "File search"}

#: How the pages name AssistantInput fields (and the form's own ones) to people.
FIELD_LABELS = {
    "name": "Name", "model": "Model", "description": "Description",
    "instructions": "Instructions", "temperature": "Temperature", "top_p": "Top P",
    "response_format": "Response format", "json_schema": "JSON schema",
    "builtin_tools": "Built-in tools", "function_tools": "Function tools",
    "code_interpreter_file_ids": "Code interpreter files", "vector_store_id": "Vector store",
    "file_search_file_ids": "File search files", "files": "Files", "form": "Form",
}

ERROR_TITLES = {400: "Bad request", 401: "Sign in needed", 403: "Not allowed", 404: "Not found",
                405: "Not possible at this address", 409: "Not possible right now",
                413: "Too large", 502: "OpenAI refused the request",
                503: "OpenAI is unavailable"}

#: The listing's tabs: label, and the service's ``archived`` / ``versions`` filters.
LIST_VIEWS = {
    "working": ("Assistants", {"archived": False, "versions": False}),
    "versions": ("With versions", {"archived": False, "versions": True}),
    "archived": ("Archived", {"archived": True, "versions": True}),
}

RESPONSE_FORMATS = (
    ("", "Default (not set)"),
    ("auto", "Auto"),
    ("text", "Text"),
    ("json_object", "JSON object"),
    ("json_schema", "JSON schema"),
)


def register(bp: Blueprint) -> None:
    """Add the page routes to the plugin's blueprint (from :func:`.blueprint.build_blueprint`)."""
    rules: list[tuple[str, str, Callable, tuple[str, ...]]] = [
        ("/", "assistant_list", assistant_list, ("GET",)),
        ("/new", "assistant_new", assistant_new, ("GET", "POST")),
        ("/import", "assistant_import", assistant_import, ("GET", "POST")),
        ("/<int:assistant_id>", "assistant_edit", assistant_edit, ("GET", "POST")),
        ("/<int:assistant_id>/files", "file_upload", file_upload, ("POST",)),
        ("/<int:assistant_id>/files/<int:file_id>/remove", "file_remove", file_remove, ("POST",)),
        ("/<int:assistant_id>/sync/files", "sync_file", sync_file, ("POST",)),
        ("/<int:assistant_id>/sync/<action>", "sync_action", sync_action, ("POST",)),
    ]
    for rule, endpoint, view, methods in rules:
        bp.add_url_rule(rule, endpoint=endpoint, view_func=view, methods=list(methods))
    bp.context_processor(page_context)
    archive_pages.register(bp)  # the archive modal and the outbox page


def page_context() -> dict:
    """What every template of the blueprint can use, the error page included."""
    return {
        "ocs_base_template": settings().base_template,
        "ocs_csrf_enabled": csrf.enabled(),
        "ocs_json": _pretty_json,
        "tool_labels": TOOL_LABELS,
        "field_labels": FIELD_LABELS,
        "error_titles": ERROR_TITLES,
        "ocs_archive_pages": True,
    }


def _pretty_json(value) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


# -- shared helpers -----------------------------------------------------------------------------


def _field_errors(error: PluginError, known: set[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Split an error's ``fields`` into messages for the form's fields and general messages.

    Nested names (``function_tools.0.name``) go to their top field, keeping the path in the
    message so the admin knows which tool is wrong.
    """
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for name, messages in error.fields.items():
        top, _, rest = name.partition(".")
        if top in known:
            by_field.setdefault(top, []).extend(
                f"{_describe_path(rest)}: {m}" if rest else m for m in messages)
        else:
            general.extend(f"{name}: {m}" for m in messages)
    if not by_field and not general:
        general.append(error.message)
    return by_field, general


def _describe_path(path: str) -> str:
    """``0.parameters`` -> ``item 1, parameters`` (people count from one)."""
    parts = []
    for part in path.split("."):
        parts.append(f"item {int(part) + 1}" if part.isdigit() else part)
    return ", ".join(parts)


def _remote_alert(error: RemoteError) -> dict:
    return {"kind": "error", "title": "OpenAI could not complete the request",
            "message": error.message}


# -- the assistant form -------------------------------------------------------------------------


@dataclass
class AssistantForm:
    """What the create and edit forms hold: the values as typed, and the errors per field.

    :meth:`parse` turns the typed strings into AssistantInput; what cannot be parsed (a number
    that is not a number, JSON that is not JSON) is reported here, everything else by the
    schema, so every bad field is named at once.
    """

    FIELDS = ("name", "model", "description", "instructions", "temperature", "top_p",
              "response_format", "json_schema", "builtin_tools", "function_tools")

    values: dict[str, Any] = field(default_factory=lambda: {
        "name": "", "model": "gpt-4o", "description": "", "instructions": "", "temperature": "",
        "top_p": "", "response_format": "", "json_schema": "", "builtin_tools": [],
        "function_tools": ""})
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_assistant(cls, assistant: Assistant) -> "AssistantForm":
        response_format = assistant.response_format
        kind, schema_text = "", ""
        if response_format == "auto":
            kind = "auto"
        elif isinstance(response_format, dict):
            kind = response_format.get("type", "")
            if "json_schema" in response_format:
                schema_text = json.dumps(response_format["json_schema"], indent=2)
        return cls(values={
            "name": assistant.name,
            "model": assistant.model,
            "description": assistant.description or "",
            "instructions": assistant.instructions or "",
            "temperature": _number_text(assistant.temperature),
            "top_p": _number_text(assistant.top_p),
            "response_format": kind,
            "json_schema": schema_text,
            "builtin_tools": list(assistant.builtin_tools or []),
            "function_tools": json.dumps(assistant.function_tools, indent=2)
            if assistant.function_tools else "",
        })

    @classmethod
    def from_request(cls) -> "AssistantForm":
        form = request.form
        values = {name: _text(form.get(name, "")) for name in cls.FIELDS if name != "builtin_tools"}
        values["builtin_tools"] = form.getlist("builtin_tools")
        return cls(values=values)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def parse(self) -> dict | None:
        """AssistantInput from the typed values, or ``None`` with :attr:`errors` filled."""
        v = self.values
        data: dict[str, Any] = {
            "name": v["name"].strip(),
            "model": v["model"].strip(),
            "description": v["description"],
            "instructions": v["instructions"],
            "builtin_tools": [t for t in BUILTIN_TOOLS if t in v["builtin_tools"]],
        }
        unknown_tools = [t for t in v["builtin_tools"] if t not in BUILTIN_TOOLS]
        if unknown_tools:
            self.error("builtin_tools", f"Unknown tool {unknown_tools[0]!r}.")
        if not data["name"]:
            self.error("name", "Required: give the assistant a name.")
        if not data["model"]:
            self.error("model", "Required: choose the OpenAI model, e.g. gpt-4o.")
        for name, upper in (("temperature", 2), ("top_p", 1)):
            data[name] = self._number(name, upper)
        data["response_format"] = self._response_format()
        data["function_tools"] = self._function_tools()

        # The schema names every other bad field; fields already reported are left out so a
        # field gets one clear message, not two.
        checkable = {k: val for k, val in data.items() if k not in self.errors}
        try:
            validate(AssistantInputSchema(), checkable, partial=True)
        except InvalidInput as exc:
            self.add_service_errors(exc)
        return None if self.errors else data

    def _number(self, name: str, upper: int) -> float | None:
        text = self.values[name].strip()
        if not text:
            return None
        message = f"Enter a number from 0 to {upper}, or leave it empty for the default."
        try:
            value = float(text)
        except ValueError:
            self.error(name, message)
            return None
        if not 0 <= value <= upper:  # also refuses nan
            self.error(name, message)
            return None
        return value

    def _json(self, name: str, what: str):
        text = self.values[name].strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            self.error(name, f"Not valid JSON ({exc.msg} at line {exc.lineno}, column "
                             f"{exc.colno}): {what}.")
            return None
        except RecursionError:
            self.error(name, f"Nested too deeply: at most {JSON_DEPTH_MAX} levels.")
            return None

    def _response_format(self):
        kind = self.values["response_format"]
        if kind not in {value for value, _ in RESPONSE_FORMATS}:
            self.error("response_format", "Choose one of the listed formats.")
            return None
        if kind == "":
            return None
        if kind == "auto":
            return "auto"
        if kind != "json_schema":
            return {"type": kind}
        schema = self._json("json_schema", 'an object like {"name": "answer", "schema": {...}}')
        if "json_schema" in self.errors:
            return None
        if not isinstance(schema, dict):
            self.error("json_schema", 'Required for the JSON schema format: an object like '
                                      '{"name": "answer", "schema": {"type": "object", ...}}.')
            return None
        return {"type": "json_schema", "json_schema": schema}

    def _function_tools(self) -> list:
        tools = self._json("function_tools", "a list of functions, as in the example")
        if tools is None:
            return []
        if not isinstance(tools, list) or not all(isinstance(t, dict) for t in tools):
            self.error("function_tools", 'Must be a JSON list of functions: [{"name": ..., '
                                         '"description": ..., "parameters": {...}}].')
            return []
        return tools

    def add_service_errors(self, error: InvalidInput) -> None:
        by_field, general = _field_errors(error, set(self.FIELDS))
        for name, messages in by_field.items():
            # The schema of a json_schema format is typed in its own box: show its errors there.
            target = "json_schema" if name == "response_format" and self.values[
                "response_format"] == "json_schema" else name
            for message in messages:
                self.error(target, message)
        for message in general:
            self.error("form", message)


def _text(value: str) -> str:
    # Browsers send textarea line breaks as CRLF; the admin means a line break.
    return value.replace("\r\n", "\n")


def _number_text(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}"


def _form_page(template: str, form: AssistantForm, status: int = 200, **context):
    return render_page(template, status, form=form, builtin_tools=BUILTIN_TOOLS,
                       response_formats=RESPONSE_FORMATS, suggested_models=SUGGESTED_MODELS,
                       **context)


# -- list ---------------------------------------------------------------------------------------


def _team_has_assistants(service: AssistantService) -> bool:
    return bool(service.list(page=1, page_size=1, archived=False, versions=False).items
                or service.list(page=1, page_size=1, archived=True, versions=True).items)


def assistant_list():
    service = team_assistants()
    # A search no name can match (a NUL) is simply dropped from it.
    search = request.args.get("q", "").replace("\x00", "").strip()[:SEARCH_MAX]
    view = request.args.get("view", "working")
    if view not in LIST_VIEWS:
        view = "working"
    page_text = request.args.get("page", "1")
    page_number = int(page_text) if page_text.isascii() and page_text.isdigit() else 1
    page_number = min(max(1, page_number), PAGE_MAX)
    page = service.list(page=page_number, search=search, **LIST_VIEWS[view][1])
    empty_team = not page.items and page_number == 1 and not search and not _team_has_assistants(
        service)
    return render_page("ocs_assistants/list.html", page=page, search=search, view=view,
                       views=LIST_VIEWS, empty_team=empty_team)


# -- create and import --------------------------------------------------------------------------


def assistant_new():
    service = team_assistants()
    service.require("create")
    if request.method == "GET":
        return _form_page("ocs_assistants/new.html", AssistantForm())
    form = AssistantForm.from_request()
    data = form.parse()
    if data is None:
        return _form_page("ocs_assistants/new.html", form, 400)
    try:
        assistant = service.create(data)
    except InvalidInput as exc:
        form.add_service_errors(exc)
        return _form_page("ocs_assistants/new.html", form, 400)
    except RemoteError as exc:
        return _form_page("ocs_assistants/new.html", form, exc.status, alerts=[_remote_alert(exc)])
    notify(f"Assistant “{assistant.name}” created and pushed to OpenAI.")
    return redirect(url_for(".assistant_edit", assistant_id=assistant.id))


_IMPORT_FIELDS = ("openai_assistant_id", "vector_store_id", "model", "name")


def _import_from_form(service, typed: dict):
    """The assistant the posted form imports: an OpenAI assistant, or (the form that sends
    ``vector_store_id``) a vector store as a new ``responses`` assistant."""
    if "vector_store_id" in request.form:
        return service.import_vector_store(typed["vector_store_id"], typed["model"],
                                           typed["name"] or None)
    if not typed["openai_assistant_id"]:
        raise InvalidInput("Give the id of an assistant in OpenAI.", {
            "openai_assistant_id": ["Required: the id of an assistant in OpenAI (asst_...)."]})
    return service.import_assistant(typed["openai_assistant_id"])


def assistant_import():
    service = team_assistants()
    service.require("import")
    typed = {name: "" for name in _IMPORT_FIELDS}
    if request.method == "GET":
        return render_page("ocs_assistants/import.html", values=typed, errors={})
    typed.update({name: request.form.get(name, "").strip() for name in _IMPORT_FIELDS})
    try:
        assistant = _import_from_form(service, typed)
    except RemoteError as exc:
        return render_page("ocs_assistants/import.html", exc.status, values=typed, errors={},
                           alerts=[_remote_alert(exc)])
    except PluginError as exc:
        if exc.status >= 500 or exc.status in (401, 403):
            raise
        by_field, general = _field_errors(exc, set(_IMPORT_FIELDS))
        alerts = [{"kind": "error", "title": "Not imported", "message": m} for m in general]
        return render_page("ocs_assistants/import.html", exc.status, values=typed,
                           errors=by_field, alerts=alerts)
    count = len(assistant.files)
    files = f"{count} file{'s' if count != 1 else ''}"
    notify(f"Imported “{assistant.name}” from OpenAI with {files}.")
    return redirect(url_for(".assistant_edit", assistant_id=assistant.id))


# -- edit ---------------------------------------------------------------------------------------


def assistant_edit(assistant_id: int):
    service = team_assistants()
    assistant = service.get(assistant_id)
    read_only = assistant.is_version or assistant.archived
    if request.method == "GET":
        form = None if read_only else AssistantForm.from_assistant(assistant)
        return _edit_page(service, assistant, form)
    if read_only:
        # The service refuses with the reason (409): a version or an archived assistant.
        service.get_editable(assistant_id)
    form = AssistantForm.from_request()
    data = form.parse()
    if data is None:
        return _edit_page(service, assistant, form, 400, check_sync=False)
    try:
        service.update(assistant_id, data)
    except InvalidInput as exc:
        form.add_service_errors(exc)
        return _edit_page(service, assistant, form, 400, check_sync=False)
    except RemoteError as exc:
        service.session.rollback()
        assistant = service.get(assistant_id)
        return _edit_page(service, assistant, form, exc.status, check_sync=False,
                          alerts=[_remote_alert(exc)])
    notify("Changes saved and pushed to OpenAI.")
    return redirect(url_for(".assistant_edit", assistant_id=assistant_id))


def _edit_page(service: AssistantService, assistant: Assistant, form: AssistantForm | None,
               status: int = 200, *, check_sync: bool = True, alerts: list | None = None):
    """The edit page, or the read-only page of a version or an archived assistant.

    The sync report is checked each time the page opens (DESIGN 1.1); a form shown again with
    its errors skips the check (the admin is busy with the form, and OpenAI was just asked).
    """
    alerts = list(alerts or [])
    sync = _sync_service(service)
    report = None
    if check_sync and not assistant.archived:
        try:
            report = SyncReportSchema().dump(sync.report(assistant.id))
        except Forbidden:
            report = None  # may view, may not sync: the page simply has no report
    template = "ocs_assistants/view.html" if form is None else "ocs_assistants/edit.html"
    working = assistant.working if assistant.is_version else None
    return _form_page(template, form or AssistantForm(), status, assistant=assistant,
                      working=working, versions=_versions_of(assistant), report=report,
                      sync_checked=check_sync and not assistant.archived,
                      sync_actions=True, alerts=alerts,
                      files_by_tool={tool: assistant.files_for(tool) for tool in TOOLS_WITH_FILES},
                      stored_content={f.id for f in assistant.files if f.content_id is not None},
                      api_prefix=url_for(".assistant_list").rstrip("/") + "/api",
                      try_url=_try_url(service, assistant))


def _try_url(service: AssistantService, assistant: Assistant) -> str | None:
    """Where the "Try it" panel sends messages; None (no panel) for an archived assistant or a
    user who may not try it."""
    if assistant.archived:
        return None
    try:
        service.require("try", assistant)
    except Forbidden:
        return None
    return url_for(".api_try_assistant", assistant_id=assistant.id)


def _versions_of(assistant: Assistant) -> list[Assistant]:
    """A working assistant's versions, newest first."""
    if assistant.is_version:
        return []
    return versions.list_versions(assistant)


# -- files --------------------------------------------------------------------------------------


def file_upload(assistant_id: int):
    """The upload form's target without JavaScript (the script posts to the JSON API instead)."""
    service = team_assistants()
    try:
        chosen = request.files.get("file")
        if chosen is None or not chosen.filename:
            raise InvalidInput("Choose a file to upload.", {"file": ["Choose a file to upload."]})
        # The API's schema: the same checks, and the filename without a browser's path.
        upload = validate(FileUploadSchema(), {"tool": request.form.get("tool", ""),
                                               "file": chosen})
        record = service.upload_file(assistant_id, tool=upload["tool"],
                                     filename=upload["file"].filename,
                                     content=uploads.read(upload["file"]))
    except (InvalidInput, PayloadTooLarge, RemoteError) as exc:
        assistant = service.get(assistant_id)
        message = exc.message
        if isinstance(exc, InvalidInput) and exc.fields:
            message = " ".join(m for texts in exc.fields.values() for m in texts)
        alert = {"kind": "error", "title": "The file was not added", "message": message}
        return _edit_page(service, assistant, _form_for(assistant), exc.status,
                          check_sync=False, alerts=[alert])
    notify(f"“{record.filename}” uploaded to {TOOL_LABELS[record.tool]}.")
    return redirect(url_for(".assistant_edit", assistant_id=assistant_id) + "#files")


def file_remove(assistant_id: int, file_id: int):
    service = team_assistants()
    tool = request.form.get("tool") or None
    try:
        service.remove_file(assistant_id, file_id, tool=tool)
    except (InvalidInput, RemoteError) as exc:
        assistant = service.get(assistant_id)
        alert = {"kind": "error", "title": "The file was not removed", "message": exc.message}
        return _edit_page(service, assistant, _form_for(assistant), exc.status,
                          check_sync=False, alerts=[alert])
    notify("File removed.")
    return redirect(url_for(".assistant_edit", assistant_id=assistant_id) + "#files")


def _form_for(assistant: Assistant) -> AssistantForm | None:
    return None if assistant.is_version or assistant.archived else AssistantForm.from_assistant(
        assistant)


# -- sync fixes ---------------------------------------------------------------------------------


def _sync_service(service: AssistantService) -> SyncService:
    return SyncService(service)


SYNC_ACTIONS = {
    "pull": "Pulled from OpenAI: the assistant here now matches it.",
    "push": "Pushed to OpenAI: it now matches the assistant here.",
    "restore": "Restored: OpenAI has this version's released configuration and files again.",
}

#: Per-file fixes of the sync report: the form's ``fix`` value -> notice shown after it.
FILE_FIXES = {
    "upload": "“{name}” is in OpenAI again.",
    "remove": "“{name}” removed.",
    "keep": "“{name}” is now recorded here as a remote-only file.",
    "detach": "“{name}” detached in OpenAI.",
}

#: Errors a fix can meet that the admin can act on: shown on the page, not as an error page.
FIX_ERRORS = (InvalidInput, Conflict, NotFound, PayloadTooLarge, RemoteError)


def sync_action(assistant_id: int, action: str):
    """Pull, push or restore, after the confirmation the page asks for."""
    service = team_assistants()
    service.get(assistant_id)  # 404 for another team's assistant, whatever the action
    sync = _sync_service(service)
    if action not in SYNC_ACTIONS:
        raise InvalidInput(f"Unknown sync action {action!r}.",
                           {"action": [f"Must be one of {', '.join(SYNC_ACTIONS)}."]})
    try:
        getattr(sync, action)(assistant_id)
    except FIX_ERRORS as exc:
        return _fix_failed(service, assistant_id, f"{action.capitalize()} failed", exc)
    notify(SYNC_ACTIONS[action])
    return redirect(url_for(".assistant_edit", assistant_id=assistant_id) + "#sync")


def sync_file(assistant_id: int):
    """Fix one file of the sync report: upload or remove a file known here, keep or detach a
    file known only in OpenAI."""
    service = team_assistants()
    service.get(assistant_id)
    sync = _sync_service(service)
    fix = request.form.get("fix", "")
    if fix not in FILE_FIXES:
        raise InvalidInput(f"Unknown file fix {fix!r}.",
                           {"fix": [f"Must be one of {', '.join(FILE_FIXES)}."]})
    tool = request.form.get("tool") or None
    name = request.form.get("filename") or request.form.get("openai_id") or "The file"
    try:
        if fix in ("upload", "remove"):
            file_id = _int_field("file_id")
            if fix == "remove":
                sync.remove_file(assistant_id, file_id)
            else:
                chosen = request.files.get("file")
                if chosen is not None and chosen.filename:
                    chosen = validate(SyncFileUploadSchema(), {"file": chosen})["file"]
                    sync.upload_file(assistant_id, file_id, filename=chosen.filename,
                                     content=uploads.read(chosen))
                else:
                    sync.upload_file(assistant_id, file_id)
        else:
            openai_id = request.form.get("openai_id", "").strip()
            if "\x00" in openai_id:
                raise InvalidInput("Not an OpenAI file id.", {"openai_id": ["Contains a NUL."]})
            if not openai_id:
                raise InvalidInput("Say which OpenAI file.", {"openai_id": ["Required."]})
            if fix == "keep":
                sync.keep_remote_file(assistant_id, openai_id, tool)
            else:
                sync.remove_remote_file(assistant_id, openai_id, tool)
    except FIX_ERRORS as exc:
        return _fix_failed(service, assistant_id, "The file was not fixed", exc)
    notify(FILE_FIXES[fix].format(name=name))
    return redirect(url_for(".assistant_edit", assistant_id=assistant_id) + "#sync")


def _int_field(name: str) -> int:
    value = request.form.get(name, "")
    if not (value.isascii() and value.isdigit()) or int(value) > ID_MAX:
        raise InvalidInput(f"{name} must be a file id.", {name: ["Must be a file id."]})
    return int(value)


def _fix_failed(service: AssistantService, assistant_id: int, title: str, error: PluginError):
    """The page again, with the reason a fix failed, the database as it was, and a fresh report."""
    service.session.rollback()
    assistant = service.get(assistant_id)
    return _edit_page(service, assistant, _form_for(assistant), error.status,
                      alerts=[{"kind": "error", "title": title, "message": error.message}])
