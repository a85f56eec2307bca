"""The host's reference providers: right references and statuses, in a bounded number of queries."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from example_host.models import Experiment, Pipeline, PipelineNode, Team, db
from example_host.providers import ExperimentProvider, PipelineProvider
from ocs_assistant_plugin import RefStatus


class QueryCounter:
    def __init__(self, engine):
        self.engine = engine
        self.count = 0

    def _count(self, *args):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)


def _team(name="Team A") -> Team:
    team = Team(name=name)
    db.session.add(team)
    db.session.flush()
    return team


def _experiment(team, assistant_id=None, pipeline=None, versions=(), archived=False, name="Bot"):
    """``versions``: a list of (published, archived, assistant_id, pipeline) per version."""
    working = Experiment(team_id=team.id, name=name, assistant_id=assistant_id, pipeline=pipeline,
                         archived=archived)
    db.session.add(working)
    db.session.flush()
    for number, (published, is_archived, version_assistant, version_pipeline) in enumerate(
            versions, start=1):
        db.session.add(Experiment(team_id=team.id, name=name, working_id=working.id,
                                  version_number=number, assistant_id=version_assistant,
                                  pipeline=version_pipeline, published=published,
                                  archived=is_archived))
    db.session.flush()
    return working


def _pipeline(team, assistant_ids, working=None, number=None, archived=False, name="Flow"):
    pipeline = Pipeline(team_id=team.id, name=name, working_id=working.id if working else None,
                        version_number=number, archived=archived,
                        nodes=[PipelineNode(position=i, assistant_id=a)
                               for i, a in enumerate(assistant_ids, start=1)])
    db.session.add(pipeline)
    db.session.flush()
    return pipeline


def _summary(refs):
    return sorted((r.label, r.assistant_id, r.status.value,
                   tuple(sorted((u.label, u.status.value) for u in r.users))) for r in refs)


def test_providers_are_registered_through_the_hook(example_app):
    plugin = example_app.extensions["ocs_assistants"]
    providers = [p for result in plugin.hook.ocs_reference_providers() for p in result]
    kinds = {p.kind: (p.section, p.label) for p in providers}
    assert kinds["experiment"] == ("Experiments", "Experiment")
    assert kinds["pipeline"] == ("Pipelines", "Pipeline")


def test_experiment_references_and_statuses(example_app):
    with example_app.app_context():
        team = _team()
        other = _team("Team B")
        _experiment(team, assistant_id=1, name="Bot",
                    versions=[(False, False, 1, None), (True, False, 11, None),
                              (False, True, 1, None)])
        _experiment(team, assistant_id=2, name="Old", archived=True,
                    versions=[(True, False, 1, None)])
        _experiment(team, assistant_id=3, name="Unrelated")
        _experiment(other, assistant_id=1, name="Other team")
        refs = ExperimentProvider().find_references([1, 11], team.id)
        assert _summary(refs) == [
            ("Bot", 1, "unreleased", ()),
            ("Bot v1", 1, "released", ()),
            ("Bot v2", 11, "published", ()),
            ("Bot v3", 1, "archived", ()),
            ("Old v1", 1, "archived", ()),  # its experiment is archived
        ]
        assert all(r.kind == "experiment" and r.url == f"/experiments/{r.id}" for r in refs)
        assert ExperimentProvider().find_references([], team.id) == []


def test_pipeline_references_list_experiments_using_them(example_app):
    with example_app.app_context():
        team = _team()
        working = _pipeline(team, [5, 6, 5], name="Flow")
        v1 = _pipeline(team, [5], working=working, number=1)
        v2 = _pipeline(team, [15], working=working, number=2)
        unused = _pipeline(team, [5], name="Idle")
        _pipeline(team, [5], name="Gone", archived=True)
        _experiment(team, pipeline=working, name="Draft bot")
        _experiment(team, pipeline=None, name="Live bot",
                    versions=[(True, False, None, v1), (False, False, None, v2)])
        refs = PipelineProvider().find_references([5, 15], team.id)
        assert _summary(refs) == [
            ("Flow", 5, "unreleased", (("Draft bot", "unreleased"),)),
            ("Flow v1", 5, "released", (("Live bot v1", "published"),)),
            ("Flow v2", 15, "released", (("Live bot v2", "released"),)),
            ("Gone", 5, "archived", ()),
            ("Idle", 5, "unreleased", ()),
        ]
        assert {r.kind for r in refs} == {"pipeline"}
        assert all(u.kind == "experiment" for r in refs for u in r.users)
        assert unused.id in {r.id for r in refs}


@pytest.mark.parametrize("provider_class, expected_queries",
                         [(ExperimentProvider, 1), (PipelineProvider, 2)])
def test_find_references_query_count_does_not_grow_with_ids(example_app, provider_class,
                                                           expected_queries):
    with example_app.app_context():
        team = _team()
        for i in range(1, 41):
            pipeline = _pipeline(team, [i], name=f"Flow {i}")
            _experiment(team, assistant_id=i, pipeline=pipeline, name=f"Bot {i}",
                        versions=[(True, False, i, pipeline)])
        db.session.commit()
        team_id = team.id
        counts = {}
        for n in (1, 40):
            db.session.expunge_all()
            with QueryCounter(db.engine) as counter:
                refs = provider_class().find_references(list(range(1, n + 1)), team_id)
                # Reading every field (users included) must not lazy-load anything.
                _summary(refs)
            counts[n] = counter.count
            assert len(refs) == 2 * n if provider_class is ExperimentProvider else n
        assert counts == {1: expected_queries, 40: expected_queries}


def test_archive_through_provider(example_app):
    with example_app.app_context():
        team = _team()
        pipeline = _pipeline(team, [7])
        v1 = _pipeline(team, [7], working=pipeline, number=1)
        experiment = _experiment(team, assistant_id=7, versions=[(True, False, 7, v1)])
        db.session.commit()
        [version_ref] = [r for r in ExperimentProvider().find_references([7], team.id)
                         if r.status is RefStatus.PUBLISHED]
        ExperimentProvider().archive(version_ref)
        [pipeline_ref] = [r for r in PipelineProvider().find_references([7], team.id)
                          if r.id == v1.id]
        PipelineProvider().archive(pipeline_ref)
        db.session.commit()
        statuses = {r.label: r.status.value
                    for provider in (ExperimentProvider(), PipelineProvider())
                    for r in provider.find_references([7], team.id)}
        assert statuses == {"Bot": "unreleased", "Bot v1": "archived", "Flow": "unreleased",
                            "Flow v1": "archived"}
        assert experiment.archived is False
