"""AssistantPlugin / init_app: a good Flask citizen on the host's db."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from ocs_assistant_plugin import AssistantPlugin, PluginState
from ocs_assistant_plugin.errors import ConfigurationError
from plugin_host import ApiClient

DESIGN_DEFAULTS = {
    "OCS_ASSISTANTS_BACKEND": "responses",
    "OCS_ASSISTANTS_OPENAI_API_KEY": None,
    "OCS_ASSISTANTS_OPENAI_BASE_URL": None,
    "OCS_ASSISTANTS_ALLOW_ALL": False,
    "OCS_ASSISTANTS_URL_PREFIX": "/assistants",
    "OCS_ASSISTANTS_REUSE_UNCHANGED_VERSIONS": True,
    "OCS_ASSISTANTS_TASK_BACKEND": "thread",
    "OCS_ASSISTANTS_CSRF_ENABLED": True,
}


def new_app(database_url: str, **config) -> tuple[Flask, SQLAlchemy]:
    app = Flask("host")
    app.config.update(SQLALCHEMY_DATABASE_URI=database_url, **config)
    db = SQLAlchemy()
    db.init_app(app)
    return app, db


@pytest.fixture
def bare_host(database_url):
    """A bare host app (no plugin yet) and its db; connections closed afterwards."""
    made = []

    def make(**config):
        app, db = new_app(database_url, **config)
        made.append((app, db))
        return app, db

    yield make
    for app, db in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_config_defaults_are_set_for_every_design_key(bare_host):
    app, db = bare_host()

    AssistantPlugin(app, db)

    for key, value in DESIGN_DEFAULTS.items():
        assert app.config[key] == value, key


def test_host_config_wins_over_defaults(bare_host):
    app, db = bare_host(OCS_ASSISTANTS_BACKEND="assistants", OCS_ASSISTANTS_PAGE_SIZE=5)

    AssistantPlugin().init_app(app, db)

    assert app.config["OCS_ASSISTANTS_BACKEND"] == "assistants"
    assert app.config["OCS_ASSISTANTS_PAGE_SIZE"] == 5


def test_new_assistants_use_the_responses_backend_by_default(make_app, openai_standin):
    api = ApiClient(make_app())  # no OCS_ASSISTANTS_BACKEND given
    openai_standin.reset_counts()

    created = api.create(name="Today", builtin_tools=["file_search"])

    assert created["backend"] == "responses" and created["openai_id"] is None
    assert created["vector_store_id"] and openai_standin.count(path_prefix="/v1/assistants") == 0


def test_state_lives_in_app_extensions(bare_host):
    app, db = bare_host()

    returned = AssistantPlugin().init_app(app, db)

    state = app.extensions["ocs_assistants"]
    assert isinstance(state, PluginState) and state is returned
    assert state.hook is state.pm.hook
    assert state.pm.project_name == "ocs_assistant_plugin"


def test_double_init_app_is_refused(bare_host):
    app, db = bare_host()
    plugin = AssistantPlugin(app, db)

    with pytest.raises(ConfigurationError, match="already registered on this app"):
        plugin.init_app(app, db)
    with pytest.raises(ConfigurationError, match="already registered"):
        AssistantPlugin().init_app(app, db)


def test_missing_db_is_refused(bare_host):
    app, _ = bare_host()

    with pytest.raises(ConfigurationError, match="needs the host's flask_sqlalchemy db"):
        AssistantPlugin(app)
    assert "ocs_assistants" not in app.extensions


def test_something_else_as_db_is_refused(bare_host):
    app, _ = bare_host()

    with pytest.raises(ConfigurationError, match="flask_sqlalchemy.SQLAlchemy"):
        AssistantPlugin(app, db=object())


@pytest.mark.parametrize("key, value", [
    ("BACKEND", "chat"),
    ("TASK_BACKEND", "cron"),
    ("URL_PREFIX", "assistants"),
    ("URL_PREFIX", "/assistants/"),
    ("ALLOW_ALL", "yes"),
    ("PAGE_SIZE", 0),
    ("PAGE_SIZE", "25"),
    ("REMOTE_CONCURRENCY", 0),
    ("OPENAI_MAX_RETRIES", -1),
    ("OPENAI_TIMEOUT", 0),
    ("OPENAI_API_KEY", 123),
    ("BLUEPRINT_NAME", "a.b"),
])
def test_bad_config_value_is_an_error_naming_the_key(bare_host, key, value):
    app, db = bare_host(**{f"OCS_ASSISTANTS_{key}": value})

    with pytest.raises(ConfigurationError) as caught:
        AssistantPlugin(app, db)

    assert f"OCS_ASSISTANTS_{key}" in caught.value.message
    assert f"OCS_ASSISTANTS_{key}" in caught.value.fields
    assert "ocs_assistants" not in app.extensions


def test_create_all_creates_the_plugin_tables_in_the_host_db(bare_host, database_url):
    app, db = bare_host()

    class HostThing(db.Model):
        __tablename__ = "host_things"
        id = sa.Column(sa.Integer, primary_key=True)

    AssistantPlugin(app, db)
    with app.app_context():
        db.create_all()
        tables = set(sa.inspect(db.engine).get_table_names())

    assert {"ocs_assistants", "ocs_assistant_files", "ocs_file_contents",
            "ocs_remote_operations", "host_things"} <= tables


def test_one_extension_serves_several_apps_each_with_its_own_state(bare_host):
    plugin = AssistantPlugin()
    first, first_db = bare_host()
    second, second_db = bare_host(OCS_ASSISTANTS_URL_PREFIX="/other")

    plugin.init_app(first, first_db)
    plugin.init_app(second, second_db)

    assert first.extensions["ocs_assistants"] is not second.extensions["ocs_assistants"]
    assert first.extensions["ocs_assistants"].pm is not second.extensions["ocs_assistants"].pm
    assert any(r.rule.startswith("/other/api") for r in second.url_map.iter_rules())
    assert not any(r.rule.startswith("/other/api") for r in first.url_map.iter_rules())


def test_blueprint_can_be_turned_off(make_app):
    app = make_app(OCS_ASSISTANTS_REGISTER_BLUEPRINT=False)

    assert "ocs_assistants" not in app.blueprints
    assert app.test_client().get("/assistants/api/assistants").status_code == 404
    assert app.extensions["ocs_assistants"].blueprint is None


def test_blueprint_name_and_prefix_are_config(make_app):
    app = make_app(OCS_ASSISTANTS_BLUEPRINT_NAME="bots", OCS_ASSISTANTS_URL_PREFIX="/admin/bots")

    assert "bots" in app.blueprints
    with app.test_request_context():
        from flask import url_for

        assert url_for("bots.api_list_assistants") == "/admin/bots/api/assistants"
    assert ApiClient(app).get("/assistants").status_code == 200


def test_cli_group_is_added(app):
    assert "assistants" in app.cli.commands
