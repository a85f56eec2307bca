"""The only code that talks to OpenAI.

Services ask :func:`gateway_for` for the backend an assistant uses and speak to it in the
backend-neutral values of :mod:`.base`; files and vector stores are shared (:mod:`.storage`), SDK
exceptions become ``errors.Remote*`` (:mod:`.translate`), and :mod:`.normalize` decides when two
configurations are the same.
"""
from __future__ import annotations

from typing import Callable

from ..errors import ConfigurationError
from .assistants import AssistantsGateway
from .base import (
    BUILTIN_TOOLS,
    TOOLS_WITH_FILES,
    AssistantSpec,
    Gateway,
    KnownFiles,
    PushResult,
    RemoteAssistant,
    RemoteFile,
    StoreListing,
)
from .normalize import normalize_spec, spec_differences, specs_equal
from .responses import ResponsesGateway, build_request
from .storage import RemoteStorage, StoreFilesChange
from .translate import translated_errors

GATEWAYS: dict[str, type[Gateway]] = {
    AssistantsGateway.backend: AssistantsGateway,
    ResponsesGateway.backend: ResponsesGateway,
}
BACKENDS = tuple(GATEWAYS)


def gateway_for(backend: str, client, *, concurrency: int = 8) -> Gateway:
    """The gateway for ``backend`` (``"assistants"`` or ``"responses"``) over ``client``."""
    try:
        cls = GATEWAYS[backend]
    except (KeyError, TypeError):
        raise ConfigurationError(
            f"Unknown OpenAI backend {backend!r}: use one of {', '.join(BACKENDS)} "
            "(config OCS_ASSISTANTS_BACKEND).",
            {"backend": [f"must be one of {', '.join(BACKENDS)}"]}) from None
    return cls(client, concurrency=concurrency)


class GatewayFactory:
    """Makes the gateway of a backend, or the file storage, for a team's OpenAI client.

    :param client_for: ``team_id -> openai.OpenAI`` (the ``ocs_openai_client`` hook).
    :param concurrency: at most this many requests of one call side by side.
    """

    def __init__(self, client_for: Callable[[int | None], object], *, concurrency: int = 8):
        self.client_for = client_for
        self.concurrency = concurrency

    def gateway(self, backend: str, team_id: int | None) -> Gateway:
        """The remote gateway of ``backend`` for the team's client."""
        return gateway_for(backend, self.client_for(team_id), concurrency=self.concurrency)

    def storage(self, team_id: int | None) -> RemoteStorage:
        """Files and vector stores of the team's OpenAI account."""
        return RemoteStorage(self.client_for(team_id))


__all__ = [
    "BACKENDS", "BUILTIN_TOOLS", "TOOLS_WITH_FILES", "AssistantSpec", "AssistantsGateway",
    "Gateway", "GatewayFactory", "KnownFiles", "PushResult", "RemoteAssistant", "RemoteFile",
    "RemoteStorage", "ResponsesGateway", "StoreFilesChange", "StoreListing", "build_request",
    "gateway_for", "normalize_spec", "spec_differences",
    "specs_equal", "translated_errors",
]
