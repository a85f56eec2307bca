"""The Flask extension: configuration, the per-app plugin manager, tables, blueprint and CLI.

Usage, like any Flask extension::

    db = SQLAlchemy()
    assistants = AssistantPlugin()

    def create_app():
        app = Flask(__name__)
        db.init_app(app)
        assistants.init_app(app, db)
        app.extensions["ocs_assistants"].register(MyHostHooks())
        return app

Everything an app needs is kept per app in :class:`PluginState` (``app.extensions
["ocs_assistants"]``), never on the extension object, so one ``AssistantPlugin`` can serve several
apps and test apps never share plugins.
"""
from __future__ import annotations

import numbers
from typing import Any, Iterable

import pluggy
from flask import Flask, current_app

from . import builtin_hooks, hookspecs, models
from .outbox import queue as operations
from .errors import ConfigurationError, RemoteNotConfigured
from .hookspecs import PROJECT_NAME

EXTENSION_KEY = "ocs_assistants"
CONFIG_PREFIX = "OCS_ASSISTANTS_"

BACKENDS = ("assistants", "responses")
TASK_BACKENDS = ("thread", "eager", "celery")
AUTHORIZE_ACTIONS = ("view", "create", "edit", "import", "sync", "release", "archive", "try")

#: Every configuration key (without the ``OCS_ASSISTANTS_`` prefix) and its default.
CONFIG_DEFAULTS: dict[str, Any] = {
    "BACKEND": "responses",
    "OPENAI_API_KEY": None,
    "OPENAI_BASE_URL": None,
    "OPENAI_MAX_RETRIES": 2,
    "OPENAI_TIMEOUT": 30.0,
    "ALLOW_ALL": False,
    "URL_PREFIX": "/assistants",
    "REGISTER_BLUEPRINT": True,
    "BLUEPRINT_NAME": "ocs_assistants",
    "BASE_TEMPLATE": "ocs_assistants/base.html",
    "PAGE_SIZE": 25,
    "REMOTE_CONCURRENCY": 8,
    "REUSE_UNCHANGED_VERSIONS": True,
    "TASK_BACKEND": "thread",
    "CSRF_ENABLED": True,
    # OpenAI's own limit per file: a larger upload could never be sent on.
    "MAX_UPLOAD_BYTES": 512 * 1024 * 1024,
}


def _check_config(config) -> None:
    """Refuse a bad value with an error naming the key, at ``init_app`` rather than mid-request."""

    def fail(key: str, expected: str) -> None:
        raise ConfigurationError(
            f"{CONFIG_PREFIX}{key} must be {expected}, got {config[CONFIG_PREFIX + key]!r}",
            {CONFIG_PREFIX + key: [f"must be {expected}"]})

    def value(key: str):
        return config[CONFIG_PREFIX + key]

    def is_int(v) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    if value("BACKEND") not in BACKENDS:
        fail("BACKEND", " or ".join(repr(b) for b in BACKENDS))
    if value("TASK_BACKEND") not in TASK_BACKENDS:
        fail("TASK_BACKEND", ", ".join(repr(b) for b in TASK_BACKENDS))
    for key in ("ALLOW_ALL", "REGISTER_BLUEPRINT", "REUSE_UNCHANGED_VERSIONS", "CSRF_ENABLED"):
        if not isinstance(value(key), bool):
            fail(key, "True or False")
    for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        if value(key) is not None and not isinstance(value(key), str):
            fail(key, "a string or None")
    prefix = value("URL_PREFIX")
    if not isinstance(prefix, str) or (prefix and (not prefix.startswith("/") or prefix.endswith("/"))):
        fail("URL_PREFIX", 'a path starting with "/" and not ending with "/" (or "" for the root)')
    name = value("BLUEPRINT_NAME")
    if not isinstance(name, str) or not name or "." in name:
        fail("BLUEPRINT_NAME", "a non-empty name without dots")
    if not isinstance(value("BASE_TEMPLATE"), str) or not value("BASE_TEMPLATE"):
        fail("BASE_TEMPLATE", "a template name")
    if not is_int(value("PAGE_SIZE")) or not 1 <= value("PAGE_SIZE") <= 1000:
        fail("PAGE_SIZE", "an integer from 1 to 1000")
    if not is_int(value("REMOTE_CONCURRENCY")) or not 1 <= value("REMOTE_CONCURRENCY") <= 64:
        fail("REMOTE_CONCURRENCY", "an integer from 1 to 64")
    if not is_int(value("OPENAI_MAX_RETRIES")) or value("OPENAI_MAX_RETRIES") < 0:
        fail("OPENAI_MAX_RETRIES", "an integer >= 0")
    if not is_int(value("MAX_UPLOAD_BYTES")) or value("MAX_UPLOAD_BYTES") < 1:
        fail("MAX_UPLOAD_BYTES", "a number of bytes >= 1")
    timeout = value("OPENAI_TIMEOUT")
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or timeout <= 0:
        fail("OPENAI_TIMEOUT", "a number of seconds > 0")


class PluginState:
    """The plugin as one app sees it: ``app.extensions["ocs_assistants"]``.

    Hosts use :attr:`pm`, :attr:`hook`, :meth:`register` and :meth:`responses_request`; the
    plugin's own code calls the typed wrappers (:meth:`current_team_id`, :meth:`authorize`,
    :meth:`openai_client`, ...) instead of scattering ``pm.hook`` calls.
    """

    def __init__(self, app: Flask, db, extension: "AssistantPlugin"):
        self.db = db
        self.extension = extension
        self.config = app.config
        self.pm = pluggy.PluginManager(PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.pm.load_setuptools_entrypoints(PROJECT_NAME)
        self.pm.register(builtin_hooks, name=builtin_hooks.PLUGIN_NAME)
        self.pm.check_pending()
        self.blueprint = None
        #: The remote-operations thread worker, started by the first ``operations.dispatch``.
        self.operations_worker = None
        #: The outbox's Celery tasks (backend ``celery``), once :meth:`init_celery` ran.
        self.celery_tasks = None
        self._app = app

    @property
    def hook(self):
        """The hook relay (``pm.hook``): fire events with keyword arguments."""
        return self.pm.hook

    def register(self, plugin: object, name: str | None = None) -> str:
        """Register a host or third-party plugin object (or module) and validate it at once.

        A misspelt hook name or an argument the spec does not have raises pluggy's
        ``PluginValidationError`` here, and the plugin is left unregistered.
        """
        registered = self.pm.register(plugin, name=name)
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError:
            self.pm.unregister(plugin)
            raise
        return registered

    def init_celery(self, celery_app):
        """Register the outbox's tasks ``ocs_assistant_plugin.run_remote_operations`` and
        ``ocs_assistant_plugin.sweep_remote_operations`` on ``celery_app`` and put the sweep in
        its ``beat_schedule`` (every ``OCS_ASSISTANTS_OPERATIONS_SWEEP_INTERVAL`` seconds).

        ``init_app`` does this itself when the host stored its Celery app in
        ``app.extensions["celery"]`` first (Flask's ``celery_init_app`` pattern); call it when
        the Celery app is made later. Needs ``OCS_ASSISTANTS_TASK_BACKEND = "celery"``.
        Returns the registered tasks (``.run``, ``.sweep``)."""
        from .outbox import celery_tasks

        if self.config[CONFIG_PREFIX + "TASK_BACKEND"] != "celery":
            raise ConfigurationError(
                f"init_celery needs {CONFIG_PREFIX}TASK_BACKEND = 'celery' (it is "
                f"{self.config[CONFIG_PREFIX + 'TASK_BACKEND']!r}): with another backend the "
                "Celery tasks would compete with the app's own worker.",
                {CONFIG_PREFIX + "TASK_BACKEND": ["must be 'celery' to use init_celery"]})
        if self.celery_tasks is not None and self.celery_tasks.celery_app is celery_app:
            return self.celery_tasks
        interval = operations.Settings.from_config(self.config).sweep_interval
        self.celery_tasks = celery_tasks.register(celery_app, self._app, self, interval)
        return self.celery_tasks

    # -- typed hook wrappers, used by the plugin's own code -------------------------------------

    def current_team_id(self) -> int | None:
        return self.pm.hook.ocs_current_team_id()

    def authorize(self, action: str, team_id: int, assistant=None) -> bool:
        if action not in AUTHORIZE_ACTIONS:
            raise ValueError(f"unknown authorization action {action!r}")
        return bool(self.pm.hook.ocs_authorize(action=action, team_id=team_id, assistant=assistant))

    def openai_client(self, team_id: int):
        """The team's ``openai.OpenAI``; :class:`RemoteNotConfigured` (503) when nobody gives one."""
        client = self.pm.hook.ocs_openai_client(team_id=team_id)
        if client is None:
            raise RemoteNotConfigured(
                f"No OpenAI API key configured for team {team_id}: set "
                f"{CONFIG_PREFIX}OPENAI_API_KEY or implement the ocs_openai_client hook.")
        return client

    def reference_providers(self) -> list:
        """Every registered provider, flattened; a ``kind`` used twice is a configuration error."""
        providers, seen = [], {}
        for result in self.pm.hook.ocs_reference_providers():
            for provider in _as_list(result):
                kind = getattr(provider, "kind", None)
                if not isinstance(kind, str) or not kind:
                    raise ConfigurationError(f"Reference provider {provider!r} has no `kind`.")
                if kind in seen:
                    raise ConfigurationError(
                        f"Two reference providers use kind {kind!r}: {seen[kind]!r} and {provider!r}.")
                seen[kind] = provider
                providers.append(provider)
        return providers

    def gateway(self, backend: str, team_id: int):
        """The remote gateway of ``backend`` for the team's client."""
        from .remote import gateway_for

        return gateway_for(backend, self.openai_client(team_id),
                           concurrency=self.config[CONFIG_PREFIX + "REMOTE_CONCURRENCY"])

    def storage(self, team_id: int):
        """Files and vector stores of the team's OpenAI account."""
        from .remote.storage import RemoteStorage

        return RemoteStorage(self.openai_client(team_id))

    def notify_pushed(self, assistant) -> None:
        self.pm.hook.ocs_assistant_pushed(assistant=assistant)

    def responses_request(self, assistant_id: int) -> dict:
        """Keyword arguments for ``client.responses.create`` for this assistant (DESIGN 1.4)."""
        from .lifecycle.assistants import responses_request

        return responses_request(self, assistant_id)


def _as_list(result) -> Iterable:
    if result is None:
        return []
    if isinstance(result, (list, tuple, set, frozenset)):
        return result
    return [result]


class AssistantPlugin:
    """The Flask extension. ``AssistantPlugin(app, db)`` or ``AssistantPlugin()`` + ``init_app``.

    :param app: a Flask app to set up now (optional).
    :param db: the host's ``flask_sqlalchemy.SQLAlchemy``; the plugin's tables go into it.
    """

    def __init__(self, app: Flask | None = None, db=None):
        self.db = db
        if app is not None:
            self.init_app(app, db)

    def init_app(self, app: Flask, db=None) -> PluginState:
        if EXTENSION_KEY in app.extensions:
            raise ConfigurationError(
                "The ocs_assistants extension is already registered on this app: call "
                "AssistantPlugin.init_app(app) once per app (use app.extensions"
                "['ocs_assistants'] to reach it).")
        db = db if db is not None else self.db
        if db is None:
            raise ConfigurationError(
                "AssistantPlugin needs the host's flask_sqlalchemy db: "
                "AssistantPlugin(app, db=db) or plugin.init_app(app, db=db).")
        if not hasattr(db, "metadata") or not hasattr(db, "session"):
            raise ConfigurationError(
                f"db must be a flask_sqlalchemy.SQLAlchemy instance, got {type(db).__name__}.")

        for key, default in CONFIG_DEFAULTS.items():
            app.config.setdefault(CONFIG_PREFIX + key, default)
        _check_config(app.config)
        operations.init_app(app)  # the outbox's own settings (OCS_ASSISTANTS_OPERATIONS_*)

        try:
            models.attach_to(db.metadata)
        except ValueError as exc:
            raise ConfigurationError(f"Cannot add the plugin's tables to db.metadata: {exc}") from exc

        state = PluginState(app, db, self)
        app.extensions[EXTENSION_KEY] = state
        if app.config[CONFIG_PREFIX + "TASK_BACKEND"] == "celery" and "celery" in app.extensions:
            state.init_celery(app.extensions["celery"])  # else the host calls init_celery later
        app.teardown_appcontext(builtin_hooks.close_owned_clients)

        if app.config[CONFIG_PREFIX + "REGISTER_BLUEPRINT"]:
            from .web.blueprint import build_blueprint

            prefix = app.config[CONFIG_PREFIX + "URL_PREFIX"]
            state.blueprint = build_blueprint(app.config[CONFIG_PREFIX + "BLUEPRINT_NAME"],
                                              catch_unknown_pages=bool(prefix))
            app.register_blueprint(state.blueprint, url_prefix=prefix or None)

        from .cli import assistants_cli, load_command_modules

        load_command_modules()
        app.cli.add_command(assistants_cli)
        return state


def get_state(app: Flask | None = None) -> PluginState:
    """The :class:`PluginState` of ``app`` (default: the current app)."""
    app = app or current_app
    try:
        return app.extensions[EXTENSION_KEY]
    except KeyError:
        raise ConfigurationError(
            "The ocs_assistants extension is not registered on this app: call "
            "AssistantPlugin().init_app(app, db) first.") from None
