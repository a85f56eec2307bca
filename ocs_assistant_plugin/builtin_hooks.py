"""The plugin's own hook implementations, registered on every app's plugin manager.

Built-in behaviour is a plugin like any other (datasette's ``default_*`` modules): one
:class:`BuiltinHooks` object per app, holding that app's state, registered by ``init_app``. Each
implementation is ``trylast`` so that hosts and third-party plugins are asked first.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import openai
from flask import g

from . import schemas
from .hookspecs import PROJECT_NAME, hookimpl
from .lifecycle.archival import reference_archived
from .lifecycle.assistants import AssistantService
from .lifecycle.sync import SyncService
from .lifecycle.versions import release

if TYPE_CHECKING:
    from .lifecycle import Dependencies

PLUGIN_NAME = f"{PROJECT_NAME}.builtin_hooks"

_OWNED_CLIENTS = "_ocs_assistants_owned_clients"


class BuiltinHooks:
    """The built-in implementations for one app.

    :param deps: the app's :class:`~ocs_assistant_plugin.lifecycle.Dependencies`.
    """

    def __init__(self, deps: Dependencies):
        self.deps = deps

    @hookimpl(trylast=True)
    def ocs_openai_client(self, team_id):
        """A client from ``OCS_ASSISTANTS_OPENAI_API_KEY`` / ``..._OPENAI_BASE_URL``, or ``None``.

        One client per team and application context (one request, one CLI command), closed when
        the context ends (:func:`close_owned_clients`), so no connection outlives it.
        """
        settings = self.deps.settings
        if not settings.openai_api_key:
            return None
        clients = g.setdefault(_OWNED_CLIENTS, {})
        if team_id not in clients:
            clients[team_id] = openai.OpenAI(
                api_key=settings.openai_api_key,
                base_url=settings.openai_base_url,
                max_retries=settings.openai_max_retries,
                timeout=settings.openai_timeout,
            )
        return clients[team_id]

    @hookimpl(trylast=True)
    def ocs_authorize(self, action, team_id, assistant):
        """Deny everything unless the host opted in with ``OCS_ASSISTANTS_ALLOW_ALL``."""
        return self.deps.settings.allow_all

    @hookimpl(trylast=True)
    def ocs_assistant_edit_opened(self, assistant_id, team_id):
        """The sync report of the team's assistant, dumped as the API dumps it.

        OpenAI failures are part of the report (state ``error``); another team's assistant
        raises ``NotFound``. The host fired the event, so ``ocs_authorize`` is not asked, and
        what the check learns joins the host's transaction."""
        sync = SyncService(AssistantService(self.deps, team_id, authorize=False),
                           host_transaction=True)
        return schemas.SyncReportSchema().dump(sync.report(assistant_id))

    @hookimpl(trylast=True)
    def ocs_release(self, assistant_ids, team_id, release_label):
        """``{working_id: version_id}``: a version per working assistant
        (:func:`~.lifecycle.versions.release`)."""
        return release(self.deps, assistant_ids, team_id, release_label)

    @hookimpl(trylast=True)
    def ocs_reference_archived(self, reference):
        """Archive the assistant version the archived object used, if nothing live still uses
        it (:func:`~.lifecycle.archival.reference_archived`)."""
        reference_archived(self.deps, reference)


def close_owned_clients(exc: BaseException | None = None) -> None:
    """``teardown_appcontext`` handler: close the clients ``ocs_openai_client`` built."""
    for client in g.pop(_OWNED_CLIENTS, {}).values():
        client.close()
