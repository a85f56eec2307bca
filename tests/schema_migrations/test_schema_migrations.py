"""``flask assistants db upgrade`` / ``current``: the shipped Alembic migrations on both databases.

The schema they build must be the one the models declare (what ``db.create_all()`` creates): the
comparison fails as soon as a model changes without a new revision.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from ocs_assistant_plugin import migrations, models
from plugin_host import ASSISTANTS_BACKEND, ApiClient

HEAD = "0003_vector_store_listings"


@pytest.fixture
def bare_app(make_app):
    """A host app whose database is empty: no ``db.create_all()`` (on the ``assistants`` backend,
    whose rows use every column: the remote assistant's id too)."""
    return make_app(create_tables=False, **ASSISTANTS_BACKEND)


@pytest.fixture
def bare_runner(bare_app):
    return bare_app.test_cli_runner()


def db_of(app):
    return app.extensions["sqlalchemy"]


def table_names(app) -> set[str]:
    with app.app_context():
        return set(sa.inspect(db_of(app).engine).get_table_names())


def schema_differences(app, metadata=models.metadata) -> list:
    """What Alembic's autogenerate would change to make the database match ``metadata``."""
    with app.app_context(), db_of(app).engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=migrations.context_options())
        return compare_metadata(context, metadata)


def check_constraints(app) -> dict[str, set[str]]:
    """Check constraint names per plugin table, as the database has them (``compare_metadata``
    does not look at check constraints)."""
    with app.app_context():
        inspector = sa.inspect(db_of(app).engine)
        return {table: {c["name"] for c in inspector.get_check_constraints(table)}
                for table in models.metadata.tables}


def upgrade(bare_runner):
    result = bare_runner.invoke(args=["assistants", "db", "upgrade"])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_package_ships_one_head():
    script = ScriptDirectory.from_config(migrations.make_config())
    assert script.get_heads() == [HEAD]
    assert migrations.head_revision() == HEAD


def test_upgrade_on_an_empty_database_creates_the_models_schema(bare_app, bare_runner):
    assert table_names(bare_app) == set()

    output = upgrade(bare_runner)

    assert output == f"Upgraded the plugin's tables from nothing to revision {HEAD}.\n"
    assert table_names(bare_app) == set(models.metadata.tables) | {migrations.VERSION_TABLE}
    assert schema_differences(bare_app) == []
    assert check_constraints(bare_app) == {
        table.name: {c.name for c in table.constraints if isinstance(c, sa.CheckConstraint)}
        for table in models.metadata.tables.values()}


def test_the_comparison_sees_a_model_change_without_a_migration(bare_app, bare_runner):
    """The schema test above can fail: a column the migrations do not create is reported."""
    upgrade(bare_runner)
    changed = sa.MetaData(naming_convention=models.metadata.naming_convention)
    for table in models.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["ocs_assistants"].append_column(sa.Column("colour", sa.String(16)))
    changed.tables["ocs_remote_operations"].append_constraint(
        sa.Index("ix_ocs_remote_operations_kind", "kind"))

    differences = schema_differences(bare_app, changed)

    assert [(d[0], d[3].name) for d in differences if d[0] == "add_column"] == [
        ("add_column", "colour")]
    assert [(d[0], d[1].name) for d in differences if d[0] == "add_index"] == [
        ("add_index", "ix_ocs_remote_operations_kind")]
    assert len(differences) == 2


def test_upgrade_twice_is_a_no_op(bare_app, bare_runner):
    upgrade(bare_runner)
    api = ApiClient(bare_app)
    created = api.create(name="Kept")

    output = upgrade(bare_runner)

    assert output == f"The plugin's tables are up to date (revision {HEAD}).\n"
    assert schema_differences(bare_app) == []
    assert [a["id"] for a in api.assistants()] == [created["id"]]


def test_current_shows_nothing_then_the_head(bare_app, bare_runner):
    before = bare_runner.invoke(args=["assistants", "db", "current"])
    assert before.exit_code == 0, before.output
    assert before.output == f"No revision: run 'flask assistants db upgrade' (head is {HEAD}).\n"
    assert table_names(bare_app) == set()  # looking changed nothing

    upgrade(bare_runner)
    after = bare_runner.invoke(args=["assistants", "db", "current"])

    assert after.exit_code == 0, after.output
    assert after.output == f"{HEAD} (head)\n"


def test_the_json_api_works_on_migrated_tables(bare_app, bare_runner, openai_standin, openai_client):
    upgrade(bare_runner)
    openai_standin.reset_counts()
    api = ApiClient(bare_app)

    created = api.create(name="Migrated", instructions="Be brief.", builtin_tools=["file_search"])

    assert openai_standin.count("POST", "/v1/assistants") == 1
    remote = openai_client.get(f"/assistants/{created['openai_id']}", cast_to=object,
                               options={"headers": {"OpenAI-Beta": "assistants=v2"}})
    assert remote["name"] == "Migrated" and remote["instructions"] == "Be brief."
    assert api.get(f"/assistants/{created['id']}").get_json() == created
    upload = api.upload(created["id"], "file_search")
    assert upload.status_code == 201, upload.get_json()


def test_the_hosts_own_alembic_history_is_untouched(bare_app, bare_runner):
    with bare_app.app_context(), db_of(bare_app).engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
        connection.execute(sa.text("INSERT INTO alembic_version VALUES ('host_rev_7')"))

    upgrade(bare_runner)

    with bare_app.app_context(), db_of(bare_app).engine.connect() as connection:
        assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).all() == [
            ("host_rev_7",)]
        assert connection.execute(
            sa.text(f"SELECT version_num FROM {migrations.VERSION_TABLE}")).all() == [(HEAD,)]


def test_upgrade_sql_prints_the_ddl_and_changes_nothing(bare_app, bare_runner):
    result = bare_runner.invoke(args=["assistants", "db", "upgrade", "--sql"])

    assert result.exit_code == 0, result.output
    for table in [*models.metadata.tables, migrations.VERSION_TABLE]:
        assert f"CREATE TABLE {table} (" in result.output
    assert (f"INSERT INTO {migrations.VERSION_TABLE} (version_num) VALUES ('{HEAD}')" in result.output
            or f"UPDATE {migrations.VERSION_TABLE} SET version_num='{HEAD}'" in result.output)
    assert table_names(bare_app) == set()


def test_upgrade_refuses_tables_made_by_create_all_and_names_the_fix(app):
    bare_runner = app.test_cli_runner()
    result = bare_runner.invoke(args=["assistants", "db", "upgrade"])

    assert result.exit_code == 1
    assert "db.create_all()" in result.output
    assert "flask assistants db stamp" in result.output
    with app.app_context():
        assert migrations.current_revision(db_of(app)) is None  # nothing recorded


def test_stamp_adopts_tables_made_by_create_all_then_upgrade_is_a_no_op(app):
    bare_runner = app.test_cli_runner()
    api = ApiClient(app)
    created = api.create(name="Made before migrations")

    stamped = bare_runner.invoke(args=["assistants", "db", "stamp"])
    assert stamped.exit_code == 0, stamped.output
    assert stamped.output == f"Recorded revision {HEAD} for the plugin's tables.\n"

    assert upgrade(bare_runner) == f"The plugin's tables are up to date (revision {HEAD}).\n"
    assert schema_differences(app) == []
    assert [a["id"] for a in api.assistants()] == [created["id"]]


def test_stamp_refuses_an_unknown_revision_and_records_nothing(app):
    result = app.test_cli_runner().invoke(args=["assistants", "db", "stamp", "nope"])

    assert result.exit_code == 2
    assert "'REVISION'" in result.output and "unknown revision 'nope'" in result.output
    with app.app_context():
        assert migrations.current_revision(db_of(app)) is None
