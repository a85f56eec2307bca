"""The plugin's configuration: one frozen :class:`Settings`, read and validated once.

:meth:`Settings.from_config` reads every ``OCS_ASSISTANTS_*`` key of a Flask config (after
:func:`set_defaults` filled in the missing ones) and refuses a bad value with a
:class:`~.errors.ConfigurationError` naming the key. ``init_app`` does this once; everything else
receives the :class:`Settings` object and never reads the config by string key.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import numbers
from dataclasses import dataclass
from typing import Any, Mapping

from .errors import ConfigurationError

#: Where the per-app state lives: ``app.extensions["ocs_assistants"]``.
EXTENSION_KEY = "ocs_assistants"
PREFIX = "OCS_ASSISTANTS_"

BACKENDS = ("assistants", "responses")
TASK_BACKENDS = ("thread", "eager", "celery")

#: Every configuration key (without the ``OCS_ASSISTANTS_`` prefix) and its default.
DEFAULTS: dict[str, Any] = {
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
    # the outbox of remote operations
    "OPERATIONS_CONCURRENCY": 16,  # operations carried out at the same time
    "OPERATIONS_MAX_ATTEMPTS": 15,  # then ``failed``
    "OPERATIONS_RETRY_DELAY": 30.0,  # first backoff in seconds, doubled each time
    "OPERATIONS_MAX_RETRY_DELAY": 3600.0,
    "OPERATIONS_LEASE": 300.0,  # seconds a claim lasts before a dead worker's row is retaken
    "OPERATIONS_POLL_INTERVAL": 10.0,  # the thread worker also looks every this many seconds
    "OPERATIONS_SWEEP_INTERVAL": 30.0,  # Celery beat sends the sweep every this many seconds
}

#: The outbox's own keys, a subset of :data:`DEFAULTS`.
OUTBOX_KEYS = tuple(key for key in DEFAULTS if key.startswith("OPERATIONS_"))


@dataclass(frozen=True)
class OutboxSettings:
    """How the outbox of remote operations runs (``OCS_ASSISTANTS_OPERATIONS_*``)."""

    concurrency: int
    max_attempts: int
    retry_delay: dt.timedelta
    max_retry_delay: dt.timedelta
    lease: dt.timedelta
    poll_interval: float
    sweep_interval: float


@dataclass(frozen=True)
class Settings:
    """Every ``OCS_ASSISTANTS_*`` setting of one app, validated (see the README for each)."""

    backend: str
    openai_api_key: str | None
    openai_base_url: str | None
    openai_max_retries: int
    openai_timeout: float
    allow_all: bool
    url_prefix: str
    register_blueprint: bool
    blueprint_name: str
    base_template: str
    page_size: int
    remote_concurrency: int
    reuse_unchanged_versions: bool
    task_backend: str
    csrf_enabled: bool
    max_upload_bytes: int
    outbox: OutboxSettings

    @classmethod
    def from_config(cls, config: Mapping) -> "Settings":
        """Read and validate the settings; a missing key takes its default, a bad value raises
        :class:`ConfigurationError` naming the key."""
        values = {key: config.get(PREFIX + key, default) for key, default in DEFAULTS.items()}
        _validate(values)
        return cls(
            backend=values["BACKEND"],
            openai_api_key=values["OPENAI_API_KEY"],
            openai_base_url=values["OPENAI_BASE_URL"],
            openai_max_retries=values["OPENAI_MAX_RETRIES"],
            openai_timeout=values["OPENAI_TIMEOUT"],
            allow_all=values["ALLOW_ALL"],
            url_prefix=values["URL_PREFIX"],
            register_blueprint=values["REGISTER_BLUEPRINT"],
            blueprint_name=values["BLUEPRINT_NAME"],
            base_template=values["BASE_TEMPLATE"],
            page_size=values["PAGE_SIZE"],
            remote_concurrency=values["REMOTE_CONCURRENCY"],
            reuse_unchanged_versions=values["REUSE_UNCHANGED_VERSIONS"],
            task_backend=values["TASK_BACKEND"],
            csrf_enabled=values["CSRF_ENABLED"],
            max_upload_bytes=values["MAX_UPLOAD_BYTES"],
            outbox=OutboxSettings(
                concurrency=values["OPERATIONS_CONCURRENCY"],
                max_attempts=values["OPERATIONS_MAX_ATTEMPTS"],
                retry_delay=dt.timedelta(seconds=values["OPERATIONS_RETRY_DELAY"]),
                max_retry_delay=dt.timedelta(seconds=values["OPERATIONS_MAX_RETRY_DELAY"]),
                lease=dt.timedelta(seconds=values["OPERATIONS_LEASE"]),
                poll_interval=float(values["OPERATIONS_POLL_INTERVAL"]),
                sweep_interval=float(values["OPERATIONS_SWEEP_INTERVAL"]),
            ),
        )


def set_defaults(config) -> None:
    """Put every missing key's default into the app's config (hosts read them there)."""
    for key, default in DEFAULTS.items():
        config.setdefault(PREFIX + key, default)


def celery_available() -> bool:
    return importlib.util.find_spec("celery") is not None


def _fail(key: str, expected: str, value) -> None:
    raise ConfigurationError(f"{PREFIX}{key} must be {expected}, got {value!r}",
                             {PREFIX + key: [f"must be {expected}"]})


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_seconds(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _validate(values: dict) -> None:
    def fail(key: str, expected: str) -> None:
        _fail(key, expected, values[key])

    if values["BACKEND"] not in BACKENDS:
        fail("BACKEND", " or ".join(repr(b) for b in BACKENDS))
    if values["TASK_BACKEND"] not in TASK_BACKENDS:
        fail("TASK_BACKEND", ", ".join(repr(b) for b in TASK_BACKENDS))
    for key in ("ALLOW_ALL", "REGISTER_BLUEPRINT", "REUSE_UNCHANGED_VERSIONS", "CSRF_ENABLED"):
        if not isinstance(values[key], bool):
            fail(key, "True or False")
    for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        if values[key] is not None and not isinstance(values[key], str):
            fail(key, "a string or None")
    prefix = values["URL_PREFIX"]
    if not isinstance(prefix, str) or (prefix and (not prefix.startswith("/") or prefix.endswith("/"))):
        fail("URL_PREFIX", 'a path starting with "/" and not ending with "/" (or "" for the root)')
    name = values["BLUEPRINT_NAME"]
    if not isinstance(name, str) or not name or "." in name:
        fail("BLUEPRINT_NAME", "a non-empty name without dots")
    if not isinstance(values["BASE_TEMPLATE"], str) or not values["BASE_TEMPLATE"]:
        fail("BASE_TEMPLATE", "a template name")
    for key, low, high in (("PAGE_SIZE", 1, 1000), ("REMOTE_CONCURRENCY", 1, 64)):
        if not _is_int(values[key]) or not low <= values[key] <= high:
            fail(key, f"an integer from {low} to {high}")
    if not _is_int(values["OPENAI_MAX_RETRIES"]) or values["OPENAI_MAX_RETRIES"] < 0:
        fail("OPENAI_MAX_RETRIES", "an integer >= 0")
    if not _is_int(values["MAX_UPLOAD_BYTES"]) or values["MAX_UPLOAD_BYTES"] < 1:
        fail("MAX_UPLOAD_BYTES", "a number of bytes >= 1")
    if not _is_seconds(values["OPENAI_TIMEOUT"]) or values["OPENAI_TIMEOUT"] <= 0:
        fail("OPENAI_TIMEOUT", "a number of seconds > 0")
    _validate_outbox(values)


def _validate_outbox(values: dict) -> None:
    def fail(key: str, expected: str) -> None:
        _fail(key, expected, values[key])

    for key, low, high in (("OPERATIONS_CONCURRENCY", 1, 64), ("OPERATIONS_MAX_ATTEMPTS", 1, 1000)):
        if not _is_int(values[key]) or not low <= values[key] <= high:
            fail(key, f"an integer from {low} to {high}")
    for key in ("OPERATIONS_RETRY_DELAY", "OPERATIONS_MAX_RETRY_DELAY", "OPERATIONS_LEASE",
                "OPERATIONS_POLL_INTERVAL", "OPERATIONS_SWEEP_INTERVAL"):
        if not _is_seconds(values[key]) or values[key] < 0:
            fail(key, "a number of seconds >= 0")
    for key in ("OPERATIONS_LEASE", "OPERATIONS_POLL_INTERVAL", "OPERATIONS_SWEEP_INTERVAL"):
        if values[key] <= 0:
            fail(key, "a number of seconds > 0")
    if values["TASK_BACKEND"] == "celery" and not celery_available():
        raise ConfigurationError(
            f"{PREFIX}TASK_BACKEND is 'celery' but Celery is not installed: install "
            "celery, or use 'thread' (the default) or 'eager'.",
            {PREFIX + "TASK_BACKEND": ["Celery is not installed"]})
