"""Uploads: the size limit (``OCS_ASSISTANTS_MAX_UPLOAD_BYTES``, OpenAI's own 512 MB per file
by default) for the API and the pages alike.

A body whose declared length is already past the limit (plus room for the form's other parts)
is refused before it is read; a file found larger while reading is refused too. Either way the
answer is 413 ``payload_too_large`` and nothing reaches OpenAI.
"""
from __future__ import annotations

from flask import request
from werkzeug.datastructures import FileStorage

from .state import settings
from ..errors import PayloadTooLarge

CONFIG_KEY = "OCS_ASSISTANTS_MAX_UPLOAD_BYTES"
#: Room in a multipart body for the form's other fields and the part headers.
FORM_OVERHEAD = 64 * 1024


def limit() -> int:
    return settings().max_upload_bytes


def _too_large() -> PayloadTooLarge:
    size = limit()
    shown = f"{size // (1024 * 1024)} MB" if size >= 1024 * 1024 else f"{size} bytes"
    return PayloadTooLarge(f"The file is too large: at most {shown}.",
                           {"file": [f"Larger than {shown} ({CONFIG_KEY})."]})


def guard_request_size() -> None:
    """Refuse a multipart body declared larger than the limit allows, before reading it."""
    if request.mimetype != "multipart/form-data" or request.content_length is None:
        return
    if request.content_length > limit() + FORM_OVERHEAD:
        raise _too_large()


def read(stored: FileStorage) -> bytes:
    """The uploaded file's bytes; :class:`PayloadTooLarge` past the limit."""
    content = stored.read(limit() + 1)
    if len(content) > limit():
        raise _too_large()
    return content
