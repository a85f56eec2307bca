"""The admin pages of archiving: the archive modal's data and confirm, and the outbox page.

- The edit page includes ``ocs_assistants/_archive_modal.html``. Its "Archive…" button reloads the
  page with ``?archive=check``; the modal then shows the fresh check from
  ``ocs_archive_check(assistant)`` (sections, each entry linked with the action that unblocks it,
  or what will be archived automatically and a confirm button). Without JavaScript it is an open
  ``<dialog>``; with it, a modal one.
- ``POST <prefix>/<id>/archive`` (CSRF-checked) archives; when something started blocking in the
  meantime it goes back to the modal with the fresh check and says so.
- ``<prefix>/operations`` lists the team's remote operations (the outbox) with their state,
  attempts and last error; failed ones can be retried.
"""
from __future__ import annotations

from flask import Blueprint, redirect, request, url_for

from .notices import notify, render_page
from .state import team_archive, team_assistants
from ..errors import ArchiveBlocked, Forbidden, InvalidInput, PluginError
from ..models import OPERATION_STATUSES
from ..outbox import queue as operations
from ..schemas import ArchiveCheckSchema

#: The edit page's query argument that opens the archive modal (``?archive=check``).
MODAL_ARG = "archive"
OPERATIONS_PAGE_SIZE = 100


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/<int:assistant_id>/archive", endpoint="assistant_archive",
                    view_func=assistant_archive, methods=["POST"])
    bp.add_url_rule("/operations", endpoint="operation_list", view_func=operation_list,
                    methods=["GET"])
    bp.add_url_rule("/operations/<int:operation_id>/retry", endpoint="operation_retry",
                    view_func=operation_retry, methods=["POST"])
    bp.context_processor(lambda: {"ocs_archive_check": archive_check_for_page})


def archive_check_for_page(assistant) -> dict:
    """For the modal: ``{"check": ArchiveCheck dict}`` or ``{"error": message}`` (a provider
    that answered badly, no permission, ...); never raises a plugin error into the page."""
    try:
        check = team_archive().archive_check(assistant.id)
    except PluginError as exc:
        return {"error": exc.message}
    return {"check": ArchiveCheckSchema().dump(check)}


def _modal_url(assistant_id: int) -> str:
    return url_for(".assistant_edit", assistant_id=assistant_id, **{MODAL_ARG: "check"}) \
        + "#archive-modal"


def assistant_archive(assistant_id: int):
    """The modal's confirm button."""
    service = team_archive()
    try:
        result = service.archive(assistant_id)
    except ArchiveBlocked:
        notify("Archiving was stopped: something now uses this assistant. The list below is "
               "up to date.", "error")
        return redirect(_modal_url(assistant_id))
    count = len(result.archived) - 1
    versions = f" and its {count} version{'s' if count != 1 else ''}" if count else ""
    auto = len(result.auto_archived)
    also = f" {auto} released object{'s were' if auto != 1 else ' was'} archived with it." \
        if auto else ""
    notify(f"Archived the assistant{versions}. It is being deleted in OpenAI.{also}")
    return redirect(url_for(".assistant_edit", assistant_id=assistant_id))


def operation_list():
    service = team_assistants()
    service.require("view")
    status = request.args.get("status") or None
    if status is not None and status not in OPERATION_STATUSES:
        raise InvalidInput(f"Unknown status {status!r}.",
                           {"status": [f"Must be one of {', '.join(OPERATION_STATUSES)}."]})
    rows = operations.list_operations(service.deps, status=status, team_id=service.team_id,
                                      limit=OPERATIONS_PAGE_SIZE)
    return render_page("ocs_assistants/operations.html", operations=rows, status_filter=status,
                       statuses=OPERATION_STATUSES)


def operation_retry(operation_id: int):
    service = team_assistants()
    for action in ("archive", "view"):
        if not service.deps.hooks.authorize(action, service.team_id, None):
            raise Forbidden(f"You may not {action} remote operations in team {service.team_id}.")
    operations.retry(service.deps, [operation_id], team_id=service.team_id)
    operations.dispatch(service.deps)
    notify(f"Operation {operation_id} will be tried again.")
    return redirect(url_for(".operation_list"))
