"""The Flask extension and the composition root: settings, plugin manager, services, tables,
blueprint and CLI.

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

This is the only module that wires things together: :class:`PluginState` reads the
:class:`~.settings.Settings` once, builds the plugin manager, the typed hook relay and the gateway
factory, bundles them as the services' :class:`~.lifecycle.Dependencies` and registers the
built-in hooks with them. Nothing else imports this module.
"""
from __future__ import annotations

import pluggy
from flask import Flask

from . import hookspecs, models
from .builtin_hooks import PLUGIN_NAME as BUILTIN_PLUGIN_NAME
from .builtin_hooks import BuiltinHooks, close_owned_clients
from .errors import ConfigurationError
from .hookspecs import PROJECT_NAME, HookRelay
from .lifecycle import Dependencies
from .lifecycle.archival import ArchiveService
from .lifecycle.assistants import AssistantService, responses_request
from .lifecycle.sync import SyncService
from .outbox import celery_tasks, host_transaction, thread_worker
from .outbox import queue as outbox
from .remote import GatewayFactory
from .settings import EXTENSION_KEY, Settings, set_defaults
from .web.blueprint import build_blueprint
from .cli import assistants_cli


class PluginState:
    """The plugin as one app sees it: ``app.extensions["ocs_assistants"]``. It builds the plugin
    manager and the services' dependencies, and hands each service what it needs.

    Hosts use :attr:`pm`, :attr:`hook`, :meth:`register` and :meth:`responses_request`; the
    plugin's own web pages and CLI get their services here (:meth:`assistant_service`, ...).
    """

    def __init__(self, app: Flask, db, extension: "AssistantPlugin", settings: Settings):
        self.db = db
        self.extension = extension
        self.settings = settings
        self.pm = pluggy.PluginManager(PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.pm.load_setuptools_entrypoints(PROJECT_NAME)
        self.hooks = HookRelay(self.pm.hook)
        #: What every service and the outbox receive.
        self.deps = Dependencies(
            session=db.session, settings=settings,
            gateways=GatewayFactory(self.hooks.openai_client,
                                    concurrency=settings.remote_concurrency),
            hooks=self.hooks, app_context=app.app_context)
        self.pm.register(BuiltinHooks(self.deps), name=BUILTIN_PLUGIN_NAME)
        self.pm.check_pending()
        self.blueprint = None

    @property
    def hook(self):
        """The hook relay (``pm.hook``): fire events with keyword arguments."""
        return self.pm.hook

    @property
    def operations_worker(self) -> "thread_worker.ThreadWorker | None":
        """The outbox's thread worker, once the first ``dispatch`` started it."""
        return self.deps.worker

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
        backend = self.settings.task_backend
        if backend != "celery":
            raise ConfigurationError(
                f"init_celery needs OCS_ASSISTANTS_TASK_BACKEND = 'celery' (it is {backend!r}): "
                "with another backend the Celery tasks would compete with the app's own worker.",
                {"OCS_ASSISTANTS_TASK_BACKEND": ["must be 'celery' to use init_celery"]})
        registered = self.deps.celery_tasks
        if registered is None or registered.celery_app is not celery_app:
            self.deps.celery_tasks = celery_tasks.register(celery_app, self.deps)
        return self.deps.celery_tasks

    @property
    def celery_tasks(self):
        """The outbox's Celery tasks (backend ``celery``), once :meth:`init_celery` ran."""
        return self.deps.celery_tasks

    def openai_client(self, team_id: int):
        """The team's ``openai.OpenAI`` as the plugin gets it (``ocs_openai_client``);
        ``RemoteNotConfigured`` (503) when no implementation gives one."""
        return self.hooks.openai_client(team_id)

    def reference_providers(self) -> list:
        """Every registered reference provider, flattened (a ``kind`` used twice is an error)."""
        return self.hooks.reference_providers()

    def resume_outbox(self) -> int:
        """At start-up (in an app context): have the remote operations an earlier process left
        carried out. Returns how many were pending or running."""
        return outbox.resume(self.deps)

    def stop_outbox_worker(self, timeout: float | None = 10.0) -> None:
        """At shutdown: stop the outbox's thread worker after its current batch."""
        thread_worker.stop_worker(self.deps, timeout)

    # -- the services, for the blueprint, the CLI and hosts' own code ---------------------------

    def assistant_service(self, team_id: int, *, authorize: bool = True) -> AssistantService:
        return AssistantService(self.deps, team_id, authorize=authorize)

    def sync_service(self, team_id: int, *, authorize: bool = True) -> SyncService:
        return SyncService(self.assistant_service(team_id, authorize=authorize))

    def archive_service(self, team_id: int, *, authorize: bool = True) -> ArchiveService:
        return ArchiveService(self.assistant_service(team_id, authorize=authorize))

    def responses_request(self, assistant_id: int) -> dict:
        """Keyword arguments for ``client.responses.create`` for this assistant (DESIGN 1.4)."""
        return responses_request(self.deps, assistant_id)


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

        set_defaults(app.config)
        settings = Settings.from_config(app.config)

        try:
            models.attach_to(db.metadata)
        except ValueError as exc:
            raise ConfigurationError(f"Cannot add the plugin's tables to db.metadata: {exc}") from exc

        state = PluginState(app, db, self, settings)
        app.extensions[EXTENSION_KEY] = state
        host_transaction.listen()  # the hooks' work ends with the host's transaction
        if settings.task_backend == "celery" and "celery" in app.extensions:
            state.init_celery(app.extensions["celery"])  # else the host calls init_celery later
        app.teardown_appcontext(close_owned_clients)

        if settings.register_blueprint:
            prefix = settings.url_prefix
            state.blueprint = build_blueprint(settings.blueprint_name,
                                              catch_unknown_pages=bool(prefix))
            app.register_blueprint(state.blueprint, url_prefix=prefix or None)

        app.cli.add_command(assistants_cli)
        return state

