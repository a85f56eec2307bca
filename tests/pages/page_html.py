"""Reading what a page shows: field errors, kept values, badges."""
from __future__ import annotations

import html as _html
import re


def field_errors(html: str) -> dict[str, str]:
    """``{field: message}`` for every error shown next to a field."""
    found = re.findall(r'<div class="ocs-field-error" id="([\w-]+)-error">\s*(.*?)\s*</div>',
                       html, re.S)
    return {name: text_of(body) for name, body in found}


def input_value(html: str, name: str) -> str | None:
    match = re.search(rf'<input id="{name}" name="{name}" value="([^"]*)"', html)
    return _html.unescape(match.group(1)) if match else None


def textarea_value(html: str, name: str) -> str | None:
    match = re.search(rf'<textarea id="{name}" name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    if match is None:
        return None
    value = match.group(1)
    # Like a browser: one line break right after the start tag is not part of the value.
    return _html.unescape(value[1:] if value.startswith("\n") else value)


def text_of(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    return re.sub(r"\s+", " ", _html.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


def badges(html: str) -> list[str]:
    return [text_of(b) for b in re.findall(r'<span class="ocs-badge[^"]*"[^>]*>(.*?)</span>', html)]


def rows(html: str, testid: str) -> list[str]:
    """The text of each body row of the table marked ``data-testid=testid``."""
    table = re.search(rf'data-testid="{testid}".*?<tbody>(.*?)</tbody>', html, re.S)
    if table is None:
        return []
    return [text_of(r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S)]
