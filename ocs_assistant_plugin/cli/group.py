"""The ``flask assistants`` group, and what every command module shares."""
from __future__ import annotations

import json
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable

import click
from flask import current_app
from flask.cli import AppGroup

from ..errors import PluginError
from ..settings import EXTENSION_KEY

if TYPE_CHECKING:
    from ..extension import PluginState

assistants_cli = AppGroup("assistants", help="Manage OpenAI assistants (ocs-assistant-plugin).")

TEAM = click.IntRange(min=1)


def plugin_state() -> PluginState:
    """``app.extensions["ocs_assistants"]`` of the app the command runs in."""
    return current_app.extensions[EXTENSION_KEY]


@contextmanager
def plugin_errors():
    """Print a plugin error's message (and fields) and exit with 1, never a traceback."""
    try:
        yield
    except PluginError as exc:
        details = "".join(f"\n  {field}: {'; '.join(texts)}" for field, texts in exc.fields.items())
        raise click.ClickException(exc.message + details) from None


def echo_table(rows: list[tuple[str, ...]]) -> None:
    """Print ``rows`` (the header first) in aligned columns; the last column is not padded, so
    a long message does not widen the others."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)] + [row[-1]]
        click.echo("  ".join(cells).rstrip())


def echo_listing(rows: list, schema, *, as_json: bool, empty: str,
                 table: Callable[[list], list[tuple[str, ...]]]) -> None:
    """A list command's output: with ``--json`` the API's dumps (``schema``), else ``empty``
    when there are no rows, else the table ``table(rows)`` makes (header first)."""
    if as_json:
        click.echo(json.dumps(schema(many=True).dump(rows), indent=2))
    elif not rows:
        click.echo(empty)
    else:
        echo_table(table(rows))
