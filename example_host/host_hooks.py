"""The host's implementations of the plugin's hooks (DESIGN 2.1)."""
from __future__ import annotations

from flask import has_request_context

from ocs_assistant_plugin import hookimpl

from .auth import current_user
from .providers import ExperimentProvider, PipelineProvider


class HostHooks:
    """Registered with ``plugin.register(HostHooks())`` in :func:`example_host.app.create_app`.

    OpenAI credentials come from the plugin's config (``OCS_ASSISTANTS_OPENAI_API_KEY`` and
    ``OCS_ASSISTANTS_OPENAI_BASE_URL``), so the host needs no ``ocs_openai_client`` hook.
    """

    @hookimpl
    def ocs_current_team_id(self):
        if not has_request_context():
            return None
        user = current_user()
        return user.team_id if user is not None else None

    @hookimpl
    def ocs_reference_providers(self):
        return [ExperimentProvider(), PipelineProvider()]
