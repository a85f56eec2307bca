"""Setting the package up on a host app: its table in the host's ``db``, its config, its CLI.

The reference provider is found through the entry point without any of this; what a host must do
itself is give the package its table, like any Flask extension::

    db.init_app(app)
    AssistantPlugin().init_app(app, db)
    ScheduledMessages().init_app(app)   # into the plugin's db; before db.create_all()
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from ocs_assistant_plugin.errors import ConfigurationError

from . import models

EXTENSION_KEY = "ocs_scheduled_messages"
PLUGIN_EXTENSION_KEY = "ocs_assistants"
URL_CONFIG_KEY = "OCS_SCHEDULED_MESSAGES_URL"
#: Where the host shows a scheduled message; ``{id}`` is replaced by its id.
DEFAULT_URL = "/scheduled-messages/{id}"


@dataclass(frozen=True)
class Setup:
    """What one app set up: ``app.extensions["ocs_scheduled_messages"]``."""

    #: ocs-assistant-plugin's state on the app (``app.extensions["ocs_assistants"]``)
    plugin: object
    url_template: str

    @property
    def db(self):
        """The host's ``flask_sqlalchemy.SQLAlchemy`` (the plugin's)."""
        return self.plugin.db

    def url_for(self, message_id: int) -> str:
        return self.url_template.format(id=message_id)


class ScheduledMessages:
    """The Flask extension. ``ScheduledMessages(app)`` or ``ScheduledMessages()`` + ``init_app``.

    The table goes into the host's ``db`` that ocs-assistant-plugin was given (scheduled messages
    point at the plugin's assistants, so they live in the same database): call
    ``AssistantPlugin().init_app(app, db)`` first.

    :param app: a Flask app to set up now (optional).
    """

    def __init__(self, app: Flask | None = None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> Setup:
        if EXTENSION_KEY in app.extensions:
            raise ConfigurationError(
                "ocs_scheduled_messages is already set up on this app: call "
                "ScheduledMessages.init_app(app) once per app.")
        plugin = app.extensions.get(PLUGIN_EXTENSION_KEY)
        if plugin is None:
            raise ConfigurationError(
                "ScheduledMessages needs ocs-assistant-plugin on this app: call "
                "AssistantPlugin().init_app(app, db) first.")

        url_template = app.config.setdefault(URL_CONFIG_KEY, DEFAULT_URL)
        if not _is_url_template(url_template):
            raise ConfigurationError(
                f"{URL_CONFIG_KEY} must be a string containing {{id}}, got {url_template!r}",
                {URL_CONFIG_KEY: ["must be a string containing {id}"]})
        try:
            models.attach_to(plugin.db.metadata)
        except ValueError as exc:
            raise ConfigurationError(f"Cannot add the scheduled-messages table: {exc}") from exc

        setup = Setup(plugin=plugin, url_template=url_template)
        app.extensions[EXTENSION_KEY] = setup

        from .cli import scheduled_messages_cli

        app.cli.add_command(scheduled_messages_cli)
        return setup


def _is_url_template(value) -> bool:
    if not isinstance(value, str) or "{id}" not in value:
        return False
    try:
        value.format(id=1)
    except (KeyError, IndexError, ValueError):
        return False
    return True


def setup_or_none(app: Flask) -> Setup | None:
    return app.extensions.get(EXTENSION_KEY)


def get_setup(app: Flask) -> Setup:
    setup = setup_or_none(app)
    if setup is None:
        raise ConfigurationError(
            "ocs_scheduled_messages is not set up on this app: call "
            "ScheduledMessages().init_app(app) first.")
    return setup
