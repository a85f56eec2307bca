"""The plugin's own hook implementations, registered on every app's plugin manager.

Built-in behaviour is a plugin like any other (datasette's ``default_*`` modules). Each
implementation here is ``trylast`` so that hosts and third-party plugins are asked first.
"""
from __future__ import annotations

import openai
from flask import current_app, g

from .hookspecs import PROJECT_NAME, hookimpl

_OWNED_CLIENTS = "_ocs_assistants_owned_clients"


@hookimpl(trylast=True)
def ocs_openai_client(team_id):
    """A client from ``OCS_ASSISTANTS_OPENAI_API_KEY`` / ``..._OPENAI_BASE_URL``, or ``None``.

    One client per team and application context (one request, one CLI command), closed when the
    context ends, so no connection outlives it.
    """
    config = current_app.config
    api_key = config["OCS_ASSISTANTS_OPENAI_API_KEY"]
    if not api_key:
        return None
    clients = g.setdefault(_OWNED_CLIENTS, {})
    if team_id not in clients:
        clients[team_id] = openai.OpenAI(
            api_key=api_key,
            base_url=config["OCS_ASSISTANTS_OPENAI_BASE_URL"],
            max_retries=config["OCS_ASSISTANTS_OPENAI_MAX_RETRIES"],
            timeout=config["OCS_ASSISTANTS_OPENAI_TIMEOUT"],
        )
    return clients[team_id]


@hookimpl(trylast=True)
def ocs_authorize(action, team_id, assistant):
    """Deny everything unless the host opted in with ``OCS_ASSISTANTS_ALLOW_ALL``."""
    return bool(current_app.config["OCS_ASSISTANTS_ALLOW_ALL"])


@hookimpl(trylast=True)
def ocs_assistant_edit_opened(assistant_id, team_id):
    """The sync report of the team's assistant as a dict (:class:`~.sync.SyncService`).

    OpenAI failures are part of the report (state ``error``); another team's assistant raises
    ``NotFound``. The host fired the event, so ``ocs_authorize`` is not asked."""
    from .extension import get_state
    from .lifecycle.sync import SyncService

    return SyncService(get_state(), team_id, authorize=False,
                       host_transaction=True).check(assistant_id).to_dict()


@hookimpl(trylast=True)
def ocs_release(assistant_ids, team_id, release_label):
    """``{working_id: version_id}``: a version per working assistant (:func:`~.versions.release`)."""
    from .extension import get_state
    from .lifecycle.versions import release

    return release(assistant_ids, team_id, release_label, plugin=get_state())


@hookimpl(trylast=True)
def ocs_reference_archived(reference):
    """Archive the assistant version the archived object used, if nothing live still uses it
    (:func:`~.archival.reference_archived`)."""
    from .lifecycle.archival import reference_archived
    from .extension import get_state

    reference_archived(get_state(), reference)


def close_owned_clients(exc: BaseException | None = None) -> None:
    """``teardown_appcontext`` handler: close the clients :func:`ocs_openai_client` built."""
    for client in g.pop(_OWNED_CLIENTS, {}).values():
        client.close()


PLUGIN_NAME = f"{PROJECT_NAME}.builtin_hooks"
