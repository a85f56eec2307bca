"""The plugin's one error hierarchy.

Every error the plugin raises on purpose is a :class:`PluginError`. The blueprint turns each into
the one JSON error shape ``{"error": {"code", "message", "fields"}}`` with the class's HTTP status,
pages show ``message`` (and ``fields`` next to their inputs), and the CLI prints ``message``.
"""
from __future__ import annotations


class PluginError(Exception):
    """Base class: ``status`` is the HTTP status, ``code`` a stable machine-readable name."""

    status = 400
    code = "error"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def to_dict(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


class InvalidInput(PluginError):
    """Input failed validation; ``fields`` maps each bad field to its messages."""

    status = 400
    code = "invalid_input"


class NotAuthenticated(PluginError):
    status = 401
    code = "not_authenticated"


class Forbidden(PluginError):
    status = 403
    code = "forbidden"


class CsrfFailed(Forbidden):
    """A changing request without the CSRF token (or, on the API, without a JSON body): 403,
    refused before anything runs."""

    code = "csrf_failed"


class PayloadTooLarge(PluginError):
    """An upload over ``OCS_ASSISTANTS_MAX_UPLOAD_BYTES`` (413)."""

    status = 413
    code = "payload_too_large"


class NotFound(PluginError):
    status = 404
    code = "not_found"


class Conflict(PluginError):
    """The request is valid but the object's state refuses it (a read-only version, ...)."""

    status = 409
    code = "conflict"


class AlreadyManaged(Conflict):
    """The remote object (an OpenAI assistant, vector store or file) is already managed by a
    live assistant here: one team at most manages a remote object (409, never naming another
    team)."""

    code = "already_managed"


class ConfigurationError(PluginError):
    """The host set the plugin up wrongly (missing ``db``, double registration, bad config)."""

    status = 500
    code = "configuration_error"


class InternalError(PluginError):
    """A bug or a database failure, logged where it was caught: the client learns only that."""

    status = 500
    code = "internal_error"

    def __init__(self):
        super().__init__("An unexpected error occurred; it has been logged.")


class RemoteError(PluginError):
    """OpenAI answered with an error the plugin cannot recover from (shown as 502)."""

    status = 502
    code = "remote_error"

    def __init__(self, message: str, fields=None, *, remote_status: int | None = None,
                 param: str | None = None, outcome_unknown: bool = False,
                 retry_after: float | None = None):
        super().__init__(message, fields)
        self.remote_status = remote_status
        self.param = param
        # True when no answer arrived (connection reset, timeout): OpenAI may or may not have
        # done what was asked, so a create must be looked for before it can be called undone.
        self.outcome_unknown = outcome_unknown
        # Seconds OpenAI asked to wait before trying again (``Retry-After``), if it said.
        self.retry_after = retry_after


class RemoteUnavailable(RemoteError):
    """OpenAI could not be reached: connection refused or reset, timeout, 5xx after retries."""

    status = 503
    code = "remote_unavailable"


class RemoteNotFound(RemoteError):
    """OpenAI answered 404 for an object the plugin expected to exist."""

    status = 502
    code = "remote_not_found"


class AssistantsApiUnavailable(RemoteError):
    """The server answered that the Assistants API does not exist there (OpenAI since it switched
    that API off on 2026-08-26: 404 "Invalid URL (POST /v1/assistants)"). The message says what
    to do: move to the ``responses`` backend."""

    status = 502
    code = "assistants_api_unavailable"


class RemoteAuthError(RemoteError):
    """OpenAI refused the credentials (401/403)."""

    status = 502
    code = "remote_auth_failed"


class RemoteNotConfigured(ConfigurationError):
    """No OpenAI client could be built for a team (no API key configured): shown as 503."""

    status = 503
    code = "remote_not_configured"


class ArchiveBlocked(Conflict):
    """Archiving is refused because live objects still use the assistant (409).

    ``check`` is the fresh archive check (the ArchiveCheck JSON) that blocked it; the JSON body
    is that check with the usual ``error`` member added, so a client can show what blocks."""

    code = "archive_blocked"

    def __init__(self, message: str, check: dict):
        super().__init__(message)
        self.check = check

    def to_dict(self) -> dict:
        return {**self.check, **super().to_dict()}


class ReferenceProviderError(PluginError):
    """A reference provider (host or third-party code) answered something unusable (502).

    The message names the provider's ``kind`` and ``fields`` the offending field, e.g.
    ``{"experiment.status": ["..."]}``."""

    status = 502
    code = "reference_provider_error"


class HTTPError(PluginError):
    """A plain HTTP error raised by Flask or werkzeug inside the blueprint (an unknown URL,
    a method the URL does not take, a body over ``MAX_CONTENT_LENGTH``, ...), in the one shape:
    ``status`` is the HTTP status and ``code`` its name (``not_found``,
    ``method_not_allowed``, ``request_entity_too_large``)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
