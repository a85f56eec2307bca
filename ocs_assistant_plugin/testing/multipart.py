"""A small ``multipart/form-data`` reader for ``POST /files`` (the stdlib ``cgi`` is gone).

Bytes are kept exactly as sent: the upload's content is what ``/files/{id}/content`` returns.
"""
from __future__ import annotations

from email.message import Message

from .api_errors import invalid


def _header_params(header: str, value: str) -> tuple[str, dict[str, str]]:
    """``("multipart/form-data", {"boundary": ...})`` from a header value."""
    message = Message()
    message[header] = value
    params = message.get_params(header=header) or [("", "")]
    return params[0][0].lower(), {k.lower(): v for k, v in params[1:]}


def parse_form(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, tuple]]:
    """``(fields, uploads)``: text parts by name, and file parts as ``(filename, bytes)``."""
    media, params = _header_params("content-type", content_type or "")
    if media != "multipart/form-data" or not params.get("boundary"):
        raise invalid(f"Invalid Content-Type header ({content_type or 'none'}), expected "
                      "multipart/form-data with a boundary.")
    delimiter = b"--" + params["boundary"].encode("latin-1")
    fields: dict[str, str] = {}
    uploads: dict[str, tuple[str, bytes]] = {}
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk
        head, separator, data = chunk.partition(b"\r\n\r\n")
        if not separator:
            raise invalid("Malformed multipart/form-data body: a part has no header block.")
        data = data[:-2] if data.endswith(b"\r\n") else data
        disposition = ""
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-disposition":
                disposition = value.strip()
        _, part = _header_params("content-disposition", disposition)
        name = part.get("name")
        if name is None:
            raise invalid("Malformed multipart/form-data body: a part has no name.")
        if "filename" in part:
            uploads[name] = (part["filename"], data)
        else:
            fields[name] = data.decode("utf-8", "replace")
    return fields, uploads
