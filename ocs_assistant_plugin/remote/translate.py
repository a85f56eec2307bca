"""Turn the ``openai`` SDK's exceptions into the plugin's ``Remote*`` errors.

Every SDK call in ``remote/`` runs inside :func:`translated_errors`, so nothing above this package
ever sees an ``openai`` exception. The SDK has already retried what it retries (connection errors,
408, 409, 429 and 5xx, ``max_retries`` times as the host configured its client) before an error
reaches here, so what arrives is final for this call (a release's clone turns the SDK's retries
off and retries itself, each attempt with a new tag: see :mod:`..versions`):

=============================================  =======================
SDK exception                                  plugin error
=============================================  =======================
APIConnectionError, APITimeoutError            RemoteUnavailable
5xx (InternalServerError), 429 (RateLimit)     RemoteUnavailable
401, 403                                       RemoteAuthError
404 "Invalid URL" on an Assistants API path   AssistantsApiUnavailable
404                                            RemoteNotFound
400, 409, 422 and any other status             RemoteError (+ ``param``)
=============================================  =======================

Messages are written for an admin: what the plugin was doing, what OpenAI said, and what to check.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
from collections.abc import Iterator

import openai

from ..errors import (AssistantsApiUnavailable, RemoteAuthError, RemoteError, RemoteNotFound,
                      RemoteUnavailable)

#: What to do when the server no longer offers the Assistants API (DESIGN 1.4).
MOVE_TO_RESPONSES = ('Set OCS_ASSISTANTS_BACKEND = "responses" and run `flask assistants '
                     'migrate-backend --to responses`: the assistants keep their ids, vector '
                     'stores and files, and work through the Responses API.')

# OpenAI names a bad request parameter by its own path ("tools[0].function.name"); these are the
# plugin's names for the same things (AssistantInput fields), so a form can show the error in place.
_FIELD_FOR_PARAM = {
    "name": "name",
    "model": "model",
    "instructions": "instructions",
    "description": "description",
    "temperature": "temperature",
    "top_p": "top_p",
    "response_format": "response_format",
    "text": "response_format",
    "tools": "function_tools",
    "tool_resources": "files",
    "file_ids": "files",
    "file": "file",
}


def field_for_param(param: str | None) -> str | None:
    """The AssistantInput field an OpenAI ``param`` path refers to (the path itself if unknown)."""
    if not param:
        return None
    root = param.split("[", 1)[0].split(".", 1)[0]
    if root == "tools" and "function" not in param:
        return "builtin_tools"
    return _FIELD_FOR_PARAM.get(root, param)


def _openai_message(exc: openai.APIStatusError) -> str:
    """OpenAI's own sentence from the error body, else the SDK's summary."""
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"]:
        return body["message"]
    if isinstance(body, str) and body.strip():
        return body.strip()[:500]
    return exc.message


def _sentence(text: str) -> str:
    """``text`` ending in a full stop, so a hint can follow it."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _connection_cause(exc: openai.APIConnectionError) -> str:
    if isinstance(exc, openai.APITimeoutError):
        return "the request timed out"
    cause = exc.__cause__ or exc.__context__
    text = str(cause) if cause is not None else ""
    return text or "the connection failed"


def _where(exc: openai.APIError) -> str:
    request = getattr(exc, "request", None)
    if request is None:
        return ""
    return f" ({request.method} {request.url.copy_with(query=None)})"


def _assistants_api_missing(exc: openai.APIStatusError) -> bool:
    """A 404 saying the URL itself does not exist (not "No assistant found with id ..."), for a
    path of the Assistants API: the server does not offer that API."""
    path = exc.request.url.path if getattr(exc, "request", None) is not None else ""
    in_assistants_api = "/assistants" in path or "/threads" in path
    return in_assistants_api and _openai_message(exc).startswith("Invalid URL")


def retry_after_seconds(headers, now: dt.datetime | None = None) -> float | None:
    """The wait OpenAI asked for in a response's headers (``retry-after-ms``, or
    ``Retry-After`` in seconds or as an HTTP date, counted from ``now``), or ``None``."""
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return max(float(milliseconds) / 1000, 0.0)
        except ValueError:
            pass  # malformed: try the other header
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass  # not a number of seconds: an HTTP date
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max((when - (now or dt.datetime.now(dt.timezone.utc))).total_seconds(), 0.0)


def translate(exc: openai.OpenAIError, action: str, *, now: dt.datetime | None = None) -> RemoteError:
    """The plugin error for one SDK exception; ``action`` says what was being done. The error's
    ``retry_after`` is the wait OpenAI asked for (seconds from ``now``), if it said."""
    error = _translate(exc, action)
    headers = getattr(getattr(exc, "response", None), "headers", None)
    if headers is not None:
        error.retry_after = retry_after_seconds(headers, now)
    return error


def _translate(exc: openai.OpenAIError, action: str) -> RemoteError:
    if isinstance(exc, openai.APIConnectionError):
        return RemoteUnavailable(
            f"OpenAI could not be reached while {action}: {_connection_cause(exc)}{_where(exc)}. "
            "Check the network and the OpenAI base URL, then try again.",
            outcome_unknown=True)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        said = _sentence(_openai_message(exc))
        if status in (401, 403):
            return RemoteAuthError(
                f"OpenAI refused the credentials while {action} ({status}): {said} "
                "Check the team's OpenAI API key and its project permissions.",
                remote_status=status)
        if status == 404 and _assistants_api_missing(exc):
            return AssistantsApiUnavailable(
                f"This OpenAI server no longer offers the Assistants API: it answered 404 "
                f"\"{_openai_message(exc)}\" while {action}. (OpenAI switched the Assistants API "
                f"off on 2026-08-26.) {MOVE_TO_RESPONSES}", remote_status=status)
        if status == 404:
            return RemoteNotFound(f"Not found in OpenAI while {action} (404): {said}",
                                  remote_status=status, param=exc.param)
        if status == 429:
            return RemoteUnavailable(
                f"OpenAI turned the request away while {action} (429: rate limit or quota): "
                f"{said} Wait a moment, or check the OpenAI account's quota.", remote_status=status)
        if status >= 500:
            return RemoteUnavailable(
                f"OpenAI answered {status} while {action}: {said} "
                "This is a problem on OpenAI's side; try again later.", remote_status=status)
        param = exc.param
        field = field_for_param(param)
        detail = f" (parameter '{param}')" if param else ""
        return RemoteError(f"OpenAI rejected the request while {action} ({status}){detail}: {said}",
                           {field: [said]} if field else None, remote_status=status, param=param)
    if isinstance(exc, openai.APIResponseValidationError):
        return RemoteError(f"OpenAI answered something unexpected while {action}: {exc.message}",
                           remote_status=exc.status_code)
    return RemoteError(f"The OpenAI client failed while {action}: {exc}")


def named(kind: str, name: str | None) -> str:
    """``the assistant 'Tutor'`` for messages; long names shortened, no name -> ``an assistant``."""
    if not name:
        return f"a{'n' if kind[:1] in 'aeiou' else ''} {kind}"
    short = name if len(name) <= 60 else name[:57] + "..."
    return f"the {kind} '{short}'"


@contextlib.contextmanager
def translated_errors(action: str) -> Iterator[None]:
    """Context manager (and decorator) raising ``Remote*`` errors instead of SDK exceptions.

    ``action`` completes the sentence "... while <action>", e.g. ``"creating the assistant"``.
    """
    try:
        yield
    except openai.OpenAIError as exc:
        raise translate(exc, action) from exc
