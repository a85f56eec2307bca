"""Archive and release of the same assistant at the same moment, from two processes, 200 times
on PostgreSQL: never a released version of an archived assistant, never an OpenAI object without
its local row, never a local version without its OpenAI object."""
from __future__ import annotations

import multiprocessing
from collections import Counter

import sqlalchemy as sa

from ocs_assistant_plugin import models
from ocs_assistant_plugin.remote.base import RELEASE_TAG_KEY
from plugin_host import create_host_app, dispose

ROUNDS = 200
BETA = {"headers": {"OpenAI-Beta": "assistants=v2"}}


def remote_assistants(openai_client) -> dict[str, dict]:
    found, after = {}, None
    while True:
        params = {"limit": 100, **({"after": after} if after else {})}
        page = openai_client.get("/assistants", cast_to=object, options={**BETA, "params": params})
        found.update({a["id"]: a for a in page["data"]})
        if not page["has_more"]:
            return found
        after = page["data"][-1]["id"]


def test_archive_and_release_at_the_same_moment_never_leave_half_states(
        postgresql_url, openai_standin, openai_client):
    setup = create_host_app(postgresql_url, openai_client, OCS_ASSISTANTS_BACKEND="assistants")
    dispose(setup)
    openai_ids = [openai_client.post("/assistants", cast_to=object, options=BETA,
                                     body={"model": "gpt-4o", "name": f"Bot {i}"})["id"]
                  for i in range(ROUNDS)]
    engine = sa.create_engine(postgresql_url)
    table = models.Assistant.__table__
    now = models.utcnow()
    with engine.begin() as connection:
        ids = connection.execute(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), [
            {"team_id": 1, "backend": "assistants", "name": f"Bot {i}", "description": "",
             "instructions": "", "model": "gpt-4o", "builtin_tools": [], "function_tools": [],
             "openai_id": openai_id, "archived": False, "is_version": False,
             "created_at": now, "updated_at": now}
            for i, openai_id in enumerate(openai_ids)]).scalars().all()

    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    from race_worker import run_side

    sides = [context.Process(target=run_side, args=(side, postgresql_url, openai_standin.base_url,
                                                    openai_standin.api_key, ids, barrier, results))
             for side in ("archive", "release")]
    for process in sides:
        process.start()
    outcomes = [results.get(timeout=300) for _ in range(2 * ROUNDS)]
    for process in sides:
        process.join(60)
        assert process.exitcode == 0

    archives = Counter(o for side, _, o in outcomes if side == "archive")
    releases = Counter(o[0] if o[0] == "released" else o for side, _, o in outcomes
                       if side == "release")
    assert archives == {("archive", 200): ROUNDS}  # nothing blocks: every archive succeeds
    assert set(releases) <= {"released", ("refused", 409)}  # or refused: already archived
    with engine.connect() as connection:
        rows = connection.execute(sa.select(table.c.id, table.c.working_id, table.c.is_version,
                                            table.c.archived, table.c.openai_id)).all()
    engine.dispose()
    versions = [r for r in rows if r.is_version]
    working_archived = {r.id: r.archived for r in rows if not r.is_version}
    # never a released version of an archived assistant
    assert [v for v in versions if not v.archived and working_archived[v.working_id]] == []
    # every release that answered made one version, with its OpenAI object; none other exists
    assert len(versions) == releases["released"]
    assert all(v.openai_id for v in versions)
    assert all(v.archived for v in versions) and all(working_archived.values())
    # OpenAI: every clone of a release is gone with its archived version, and nothing a release
    # made is left without a local row (the outbox ran eagerly in both processes)
    remote = remote_assistants(openai_client)
    tagged = {i for i, a in remote.items() if (a.get("metadata") or {}).get(RELEASE_TAG_KEY)}
    assert tagged == set()
    assert not ({v.openai_id for v in versions} & set(remote))
    assert not (set(openai_ids) & set(remote))
