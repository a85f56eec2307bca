"""The cost of a check does not grow with the number of versions: one ``find_references`` per
provider, and the same number of SQL statements for 1 and for 50 versions."""
from __future__ import annotations

import pytest
from sqlalchemy import event


class StatementCounter:
    """Counts the SQL statements the app's engine runs inside the ``with`` block."""

    def __init__(self, app):
        with app.app_context():
            self.engine = app.extensions["sqlalchemy"].engine
        self.count = 0

    def _seen(self, *args):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._seen)


@pytest.fixture
def app_config():
    from archive_host import CONFIG

    # every release makes a new version, so 50 releases make 50 versions
    return {"OCS_ASSISTANTS_REUSE_UNCHANGED_VERSIONS": False, **CONFIG}


def test_a_check_costs_the_same_for_1_and_50_versions(app, api, host, release_version):
    few = api.create(name="Few", builtin_tools=["file_search"])["id"]
    many = api.create(name="Many", builtin_tools=["file_search"])["id"]
    few_version = release_version(few)
    many_versions = [release_version(many, f"r{i}") for i in range(50)]
    # references on versions make each provider build references, users and all
    host.experiment("Few v1", "published", assistant=few_version)
    flow_few = host.pipeline("Flow few", "released", few)
    host.experiment("Uses few", "published", pipeline=flow_few)
    for number, version in enumerate(many_versions[:20]):
        host.experiment(f"Many v{number}", "released", assistant=version)
    flow_many = host.pipeline("Flow many", "released", *many_versions[20:40])
    host.experiment("Uses many", "published", pipeline=flow_many)
    api.get(f"/assistants/{few}/archive-check")  # warm up: connections, first-use queries

    counts = {}
    for name, assistant_id in (("few", few), ("many", many)):
        with StatementCounter(app) as counter:
            response = api.get(f"/assistants/{assistant_id}/archive-check")
        assert response.status_code == 200
        counts[name] = (counter.count, len(response.get_json()["versions"]))

    assert counts["few"][1] == 1 and counts["many"][1] == 50
    assert counts["few"][0] == counts["many"][0]
    assert all(len(p.calls) == 3 for p in host.providers)  # one per check, for every version
    assert len(host.experiments.calls[-1][0]) == 51
