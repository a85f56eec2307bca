"""The example host's application factory.

It uses the plugin exactly as any host would: ``AssistantPlugin().init_app(app, db)``, config
keys prefixed ``OCS_ASSISTANTS_``, and its hooks registered with ``plugin.register(...)``.
"""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ocs_assistant_plugin import AssistantPlugin
from ocs_assistant_plugin import models as plugin_models
from ocs_scheduled_messages import ScheduledMessages

from . import auth, csrf, experiments, pages, pipelines
from .commands import register_commands
from .host_hooks import HostHooks
from .models import db


def _default_database_url(app: Flask, filename: str) -> str:
    return f"sqlite:///{Path(app.instance_path) / filename}"


def create_app(config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the host. ``config`` overrides the defaults (tests pass their database and OpenAI).

    Environment: ``DATABASE_URL``, ``SECRET_KEY``, ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``,
    every ``OCS_ASSISTANTS_*`` setting (a JSON value is parsed: ``OCS_ASSISTANTS_OPERATIONS_LEASE
    =60``), ``CELERY_BROKER_URL`` (the Redis of the ``celery`` task backend) and
    ``HOST_PLUGIN_TABLES`` (``create_all``, the default, or ``migrations``: the plugin's tables
    come from ``flask assistants db upgrade`` and ``create_all`` makes only the host's own).
    ``HOST_DATABASE_FILE`` (config) names the SQLite file in the instance folder used when
    neither ``DATABASE_URL`` nor ``SQLALCHEMY_DATABASE_URI`` is given.
    """
    config = dict(config or {})
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(
        SECRET_KEY=config.get("SECRET_KEY") or os.environ.get("SECRET_KEY")
        or _instance_secret(app),
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL") or _default_database_url(
            app, config.get("HOST_DATABASE_FILE", "example_host.sqlite")),
        HOST_CSRF_ENABLED=True,
        # What the dashboard says about the OpenAI in use (set by ``python -m example_host``).
        HOST_OPENAI_LABEL="OpenAI" if os.environ.get("OPENAI_API_KEY") else "not configured",
        OCS_ASSISTANTS_ALLOW_ALL=True,
        OCS_ASSISTANTS_BASE_TEMPLATE="base.html",
        OCS_ASSISTANTS_TASK_BACKEND="thread",
        OCS_ASSISTANTS_OPENAI_API_KEY=os.environ.get("OPENAI_API_KEY"),
        OCS_ASSISTANTS_OPENAI_BASE_URL=os.environ.get("OPENAI_BASE_URL"),
        CELERY_BROKER_URL=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
        HOST_PLUGIN_TABLES=os.environ.get("HOST_PLUGIN_TABLES", "create_all"),
    )
    app.config.update(_plugin_settings_from_environment())
    app.config.update(config)

    db.init_app(app)
    if app.config["OCS_ASSISTANTS_TASK_BACKEND"] == "celery":
        # Before the plugin: its init_app registers the outbox's tasks on this Celery app.
        from .tasks import celery_init_app

        celery_init_app(app)
    AssistantPlugin().init_app(app, db)
    app.extensions["ocs_assistants"].register(HostHooks())
    # Scheduled messages (hooks/ocs-scheduled-messages): their reference provider comes through
    # the entry point; the host only gives them a table in its ``db``.
    ScheduledMessages().init_app(app)

    for blueprint in (auth.bp, pages.bp, experiments.bp, pipelines.bp):
        app.register_blueprint(blueprint)
    app.jinja_env.globals.update(csrf_field=csrf.csrf_field, csrf_token=csrf.csrf_token)
    app.context_processor(pages.layout_context)
    app.before_request(pages.require_login_for_plugin_pages)
    _register_error_pages(app)
    register_commands(app)

    with app.app_context():
        _create_tables(app)
    return app


def _plugin_settings_from_environment() -> dict:
    """``OCS_ASSISTANTS_*`` environment variables as config: JSON values parsed, else text."""
    settings = {}
    for key, raw in os.environ.items():
        if key.startswith("OCS_ASSISTANTS_"):
            try:
                settings[key] = json.loads(raw)
            except ValueError:
                settings[key] = raw
    return settings


def _create_tables(app: Flask) -> None:
    """The host's tables, and the plugin's too unless they come from its migrations."""
    if app.config["HOST_PLUGIN_TABLES"] == "migrations":
        plugin_tables = set(plugin_models.metadata.tables)
        db.metadata.create_all(db.engine, tables=[
            table for name, table in db.metadata.tables.items() if name not in plugin_tables])
    else:
        db.create_all()


def _instance_secret(app: Flask) -> str:
    """A per-installation secret kept in the instance folder, so sessions survive restarts."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _wants_json() -> bool:
    prefix = pages.plugin_prefix()
    return request.path.startswith(f"{prefix}/api/") or (
        request.accept_mimetypes.best == "application/json")


def _register_error_pages(app: Flask) -> None:
    """Friendly pages for the errors a person can meet; JSON for the plugin's API paths."""

    def render(code: int, title: str, message: str):
        if _wants_json():
            return jsonify(error={"code": title.lower().replace(" ", "_"), "message": message,
                                  "fields": {}}), code
        return render_template("error.html", code=code, title=title, message=message), code

    @app.errorhandler(400)
    def bad_request(error: HTTPException):
        return render(400, "Bad request", error.description or "The request was not valid.")

    @app.errorhandler(404)
    def not_found(error: HTTPException):
        return render(404, "Not found", "There is nothing here. It may have been removed, or it "
                                        "belongs to another team.")

    @app.errorhandler(405)
    def method_not_allowed(error: HTTPException):
        return render(405, "Method not allowed", "This page does not accept that kind of request.")

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render(500, "Something went wrong", "The error has been logged. Try again, and if "
                                                   "it keeps happening, tell the team.")
