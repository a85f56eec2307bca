"""OpenAI's cursor pagination: ``limit``, ``order``, ``after``, ``before`` and the list envelope.

Objects are ordered by ``created_at``; a creation sequence number breaks ties, so many objects
created in the same second still page stably. Cursors are object ids; the position of an id is
remembered after the object is deleted, so a client paging while deleting is not lost.
"""
from __future__ import annotations

from typing import Callable, Iterable

from .api_errors import invalid


def first(query: dict[str, list[str]], name: str) -> str | None:
    """The first value of a query parameter; an empty value counts as absent."""
    values = query.get(name)
    return values[0] if values and values[0] != "" else None


def int_param(query, name: str, default: int, low: int, high: int) -> int:
    raw = first(query, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(f"Invalid type for '{name}': expected an integer, but got a string "
                      f"('{raw}') instead.", name, "invalid_type") from None
    if value < low:
        raise invalid(f"Invalid '{name}': integer below minimum value. Expected a value >= "
                      f"{low}, but got {value} instead.", name, "integer_below_min_value")
    if value > high:
        raise invalid(f"Invalid '{name}': integer above maximum value. Expected a value <= "
                      f"{high}, but got {value} instead.", name, "integer_above_max_value")
    return value


def enum_param(query, name: str, allowed: tuple[str, ...], default: str | None) -> str | None:
    raw = first(query, name)
    if raw is None:
        return default
    if raw not in allowed:
        listed = ", ".join(f"'{a}'" for a in allowed[:-1]) + f" and '{allowed[-1]}'"
        raise invalid(f"Invalid value: '{raw}'. Supported values are: {listed}.", name,
                      "invalid_value")
    return raw


def paginate(rows: Iterable[tuple[int, dict]], query: dict[str, list[str]], *,
             position: Callable[[str], int | None], default_limit: int = 20,
             max_limit: int = 100, allow_before: bool = True) -> dict:
    """One page of ``rows`` (``(sequence, object)`` pairs) as OpenAI's list envelope.

    ``position`` maps a cursor id to its sequence number (None if the id never existed here).
    ``first_id``/``last_id`` are ``""`` for an empty page: the spec types them as strings.
    """
    limit = int_param(query, "limit", default_limit, 1, max_limit)
    order = enum_param(query, "order", ("asc", "desc"), "desc")
    ascending = order == "asc"
    rows = sorted(rows, key=lambda row: row[0], reverse=not ascending)
    after = first(query, "after")
    before = first(query, "before") if allow_before else None
    if after is not None:
        mark = _cursor(position, after, "after")
        rows = [r for r in rows if (r[0] > mark if ascending else r[0] < mark)]
    if before is not None:
        mark = _cursor(position, before, "before")
        rows = [r for r in rows if (r[0] < mark if ascending else r[0] > mark)]
    # ``before`` alone asks for the page just before the cursor, in list order.
    page = rows[-limit:] if before is not None and after is None else rows[:limit]
    data = [obj for _, obj in page]
    return {"object": "list", "data": data,
            "first_id": data[0]["id"] if data else "",
            "last_id": data[-1]["id"] if data else "",
            "has_more": len(rows) > limit}


def _cursor(position, cursor: str, name: str) -> int:
    mark = position(cursor)
    if mark is None:
        raise invalid(f"Invalid '{name}': no object with id '{cursor}' in this list.", name,
                      "invalid_value")
    return mark
