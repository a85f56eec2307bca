"""Fixtures for the multi-process scenarios (marked ``multiprocess``): the example host's
database on the run's PostgreSQL, a signed-in user, assistants that exist in the stand-in, and a
:class:`~processes.Deployment` that stops every process it started."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from ocs_assistant_plugin import models
from processes import FILES, PASSWORD, USERNAME, Deployment



def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/multiprocess/" in str(item.fspath):
            item.add_marker(pytest.mark.multiprocess)
            item.add_marker(pytest.mark.postgresql)


@pytest.fixture
def host_database(postgresql_url, openai_standin, tmp_path):
    """The example host's tables (and the plugin's) on an empty PostgreSQL database, with one
    user; returns ``(url, team_id)``."""
    from example_host import create_app
    from example_host.models import Team, User, db

    app = create_app({"SQLALCHEMY_DATABASE_URI": postgresql_url, "SECRET_KEY": "x",
                      "OCS_ASSISTANTS_TASK_BACKEND": "eager"},
                     instance_path=str(tmp_path / "instance"))
    with app.app_context():
        team = Team(name="Operations")
        user = User(username=USERNAME, team=team)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        team_id = team.id
        db.session.remove()
        db.engine.dispose()
    return postgresql_url, team_id


@pytest.fixture
def deploy(host_database, redis_url, openai_standin, tmp_path):
    """``deploy(**settings)``: a :class:`Deployment` (``OCS_ASSISTANTS_<key>=value`` for each
    setting); every process it starts is stopped after the test."""
    made = []

    def make(**settings) -> Deployment:
        deployment = Deployment(tmp_path, host_database[0], redis_url, openai_standin,
                                **settings)
        made.append(deployment)
        return deployment

    yield make
    for deployment in made:
        deployment.stop()


@pytest.fixture
def remote_assistants(host_database, openai_client):
    """``remote_assistants(n)``: n working assistants of the user's team, each with its assistant,
    a vector store and :data:`FILES` files of its own in the stand-in, so archiving one records
    ``2 + FILES`` deletions. Returns the local ids and the paths each deletion sends
    (``/v1/assistants/asst_...``, ``/v1/vector_stores/vs_...``, ``/v1/files/file-...``)."""
    url, team_id = host_database
    beta = {"headers": {"OpenAI-Beta": "assistants=v2"}}

    def make(count: int, name: str = "Bot", files: int = FILES) -> tuple[list[int], list[str]]:
        rows, file_rows, paths = [], [], []
        now = dt.datetime.now(dt.timezone.utc)
        for i in range(count):
            file_ids = [openai_client.files.create(file=(f"{name}-{i}-{n}.txt", b"notes"),
                                                   purpose="assistants").id
                        for n in range(files)]
            store = openai_client.post("/vector_stores", body={"name": f"{name} {i}",
                                                               "file_ids": file_ids},
                                       cast_to=object, options=beta)["id"]
            assistant = openai_client.post(
                "/assistants", cast_to=object, options=beta,
                body={"model": "gpt-4o", "name": f"{name} {i}", "tools": [{"type": "file_search"}],
                      "tool_resources": {"file_search": {"vector_store_ids": [store]}}})["id"]
            rows.append({"team_id": team_id, "backend": "assistants", "name": f"{name} {i}",
                         "description": "", "instructions": "", "model": "gpt-4o",
                         "builtin_tools": ["file_search"], "function_tools": [],
                         "openai_id": assistant, "vector_store_id": store, "archived": False,
                         "is_version": False, "created_at": now, "updated_at": now})
            file_rows.append(file_ids)
            paths += [f"/v1/assistants/{assistant}", f"/v1/vector_stores/{store}",
                      *(f"/v1/files/{f}" for f in file_ids)]
        engine = sa.create_engine(url)
        assistants, files_table = models.Assistant.__table__, models.AssistantFile.__table__
        try:
            with engine.begin() as connection:
                ids = connection.execute(
                    sa.insert(assistants).returning(assistants.c.id, sort_by_parameter_order=True),
                    rows).scalars().all()
                if any(file_rows):
                    connection.execute(sa.insert(files_table), [
                        {"assistant_id": assistant_id, "tool": "file_search",
                         "filename": f"{file_id}.txt", "openai_id": file_id, "bytes": 5,
                         "remote_only": False, "created_at": now}
                        for assistant_id, file_ids in zip(ids, file_rows) for file_id in file_ids])
        finally:
            engine.dispose()
        return list(ids), paths

    return make
