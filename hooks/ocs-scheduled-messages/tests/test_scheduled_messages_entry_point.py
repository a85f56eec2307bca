"""The installed package is found through its entry point, with no ``register`` call."""
from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

import ocs_scheduled_messages
from ocs_assistant_plugin import AssistantPlugin
from ocs_assistant_plugin.errors import ConfigurationError
from ocs_scheduled_messages import ScheduledMessageProvider, ScheduledMessages
from ocs_scheduled_messages import plugin as entry_point_module

PACKAGE_FOLDER = Path(__file__).resolve().parents[1]


def test_entry_point_is_installed_from_the_package_folder():
    found = [ep for ep in entry_points(group="ocs_assistant_plugin")
             if ep.dist.name == "ocs-scheduled-messages"]
    assert [(ep.name, ep.value) for ep in found] == [
        ("scheduled_messages", "ocs_scheduled_messages.plugin")]
    assert found[0].load() is entry_point_module
    # The installed package is this folder's code (an editable install of hooks/...).
    assert Path(ocs_scheduled_messages.__file__).resolve().parent == (
        PACKAGE_FOLDER / "ocs_scheduled_messages")


def test_plugin_loads_the_provider_without_register(plugin):
    # conftest registers only the host's own hooks; the package came in through its entry point.
    assert plugin.pm.get_plugin("scheduled_messages") is entry_point_module
    results = [provider for result in plugin.hook.ocs_reference_providers()
               for provider in result]
    providers = [p for p in results if isinstance(p, ScheduledMessageProvider)]
    assert len(providers) == 1
    provider = providers[0]
    assert (provider.kind, provider.section, provider.label) == (
        "scheduled_message", "Scheduled Messages", "Scheduled Message")
    assert "scheduled_message" in [p.kind for p in plugin.reference_providers()]


def test_every_app_gets_its_own_registration(make_app):
    first, second = make_app(), make_app()
    for app in (first, second):
        pm = app.extensions["ocs_assistants"].pm
        assert pm.get_plugin("scheduled_messages") is entry_point_module
    first.extensions["ocs_assistants"].pm.unregister(name="scheduled_messages")
    assert second.extensions["ocs_assistants"].pm.get_plugin("scheduled_messages") is not None


def test_init_app_adds_the_table_to_the_hosts_metadata(app, db):
    assert "ocs_scheduled_messages" in db.metadata.tables
    with app.app_context():
        assert "ocs_scheduled_messages" in db.inspect(db.engine).get_table_names()


def test_app_without_setup_has_nothing_to_find_and_asks_nothing(make_app, count_queries):
    app = make_app(scheduled_messages=False)
    db = app.extensions["sqlalchemy"]
    assert "ocs_scheduled_messages" not in db.metadata.tables
    with app.app_context():
        with count_queries(db) as queries:
            assert ScheduledMessageProvider().find_references([1, 2, 3], team_id=1) == []
    assert queries == []


def test_init_app_twice_is_refused(app):
    with pytest.raises(ConfigurationError, match="already set up"):
        ScheduledMessages().init_app(app)


def test_init_app_needs_the_plugin_first():
    app = Flask("no_plugin_here")
    with pytest.raises(ConfigurationError, match=r"AssistantPlugin\(\)\.init_app\(app, db\) first"):
        ScheduledMessages().init_app(app)
    assert "ocs_scheduled_messages" not in app.extensions


@pytest.mark.parametrize("template", ["/scheduled/", "/scheduled/{id}/{other}", 42])
def test_bad_url_template_is_refused_naming_the_key(template):
    app = Flask("bad_template")
    app.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", OCS_SCHEDULED_MESSAGES_URL=template)
    db = SQLAlchemy(app)
    AssistantPlugin().init_app(app, db)
    with pytest.raises(ConfigurationError) as caught:
        ScheduledMessages().init_app(app)
    assert caught.value.fields == {
        "OCS_SCHEDULED_MESSAGES_URL": ["must be a string containing {id}"]}
    assert "ocs_scheduled_messages" not in app.extensions
    assert "ocs_scheduled_messages" not in db.metadata.tables
