"""Errors the stand-in answers with, in OpenAI's shape.

Every failure becomes ``{"error": {"message", "type", "param", "code"}}`` (the spec's
``ErrorResponse``; all four keys are always present) with an HTTP status.
"""
from __future__ import annotations


class APIError(Exception):
    """An OpenAI error response: raise it anywhere in the stand-in to answer with it."""

    def __init__(self, status: int, message: str, *, type: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = dict(headers or {})

    def body(self) -> dict:
        return {"error": {"message": self.message, "type": self.type, "param": self.param,
                          "code": self.code}}


def invalid(message: str, param: str | None = None, code: str | None = None) -> APIError:
    """400 ``invalid_request_error``."""
    return APIError(400, message, param=param, code=code)


def not_found(kind: str, object_id: str, *, where: str = "") -> APIError:
    """404 for an id in the URL path, worded like OpenAI ("No assistant found with id 'x'.")."""
    return APIError(404, f"No {kind} found with id '{object_id}'{where}.")


def unknown_reference(kind: str, object_id: str, param: str) -> APIError:
    """400 for an id inside a request body that names nothing ("No file found with id 'x'.")."""
    return APIError(400, f"No {kind} found with id '{object_id}'.", param=param,
                    code="invalid_value")


def mask_key(key: str) -> str:
    """How OpenAI echoes a wrong key: the start and the end, the middle starred."""
    if len(key) <= 8:
        return "*" * len(key)
    return f"{key[:3]}{'*' * min(len(key) - 7, 20)}{key[-4:]}"


def missing_api_key() -> APIError:
    return APIError(401, "You didn't provide an API key. You need to provide your API key in an "
                         "Authorization header using Bearer auth (i.e. Authorization: Bearer "
                         "YOUR_KEY).")


def incorrect_api_key(key: str) -> APIError:
    return APIError(401, f"Incorrect API key provided: {mask_key(key)}. You can find your API "
                         "key at https://platform.openai.com/account/api-keys.",
                    code="invalid_api_key")


_STATUS_ERRORS = {
    # status: (type, code, message) of what OpenAI answers for an injected failure
    408: ("invalid_request_error", None, "Request timed out."),
    409: ("invalid_request_error", None, "The request conflicts with the current state."),
    429: ("requests", "rate_limit_exceeded",
          "Rate limit reached for requests. Please try again later."),
    500: ("server_error", None,
          "The server had an error while processing your request. Sorry about that!"),
    502: ("server_error", None, "Bad gateway."),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}


def injected(status: int, message: str | None = None,
             retry_after: float | None = None) -> APIError:
    """The error an injected status fault answers with."""
    type_, code, default = _STATUS_ERRORS.get(
        status, ("server_error" if status >= 500 else "invalid_request_error", None,
                 f"Injected failure ({status})."))
    headers = {}
    if retry_after is not None:
        headers["Retry-After"] = (str(int(retry_after)) if float(retry_after).is_integer()
                                  else str(retry_after))
    return APIError(status, message or default, type=type_, code=code, headers=headers)
