"""The host's reference providers: which experiments and pipelines use an assistant.

The plugin asks every provider before it archives an assistant (DESIGN 1.3). Each
``find_references`` answers for any number of assistant ids with a fixed number of SQL queries:
experiments in one query, pipelines in two (their nodes, then the experiments using them).
"""
from __future__ import annotations

from flask import has_request_context, url_for
from sqlalchemy import select
from sqlalchemy.orm import aliased

from ocs_assistant_plugin import Reference, RefStatus

from .models import Experiment, Pipeline, PipelineNode, db


def experiment_status(row: Experiment, working: Experiment | None) -> RefStatus:
    """``working`` is the row's working copy (None when the row is the working copy)."""
    if row.archived or (working is not None and working.archived):
        return RefStatus.ARCHIVED
    if not row.is_version:
        return RefStatus.UNRELEASED
    return RefStatus.PUBLISHED if row.published else RefStatus.RELEASED


def pipeline_status(row: Pipeline, working: Pipeline | None) -> RefStatus:
    # Pipelines are never published themselves: a version is live through the experiments using
    # it, which the plugin reads from the reference's users.
    if row.archived or (working is not None and working.archived):
        return RefStatus.ARCHIVED
    return RefStatus.RELEASED if row.is_version else RefStatus.UNRELEASED


def _url(endpoint: str, path: str, **values) -> str:
    # The plugin may ask outside a request (CLI, worker): fall back to the plain path.
    if has_request_context():
        return url_for(endpoint, **values)
    return path


def _ids(assistant_ids) -> list[int]:
    return sorted({int(i) for i in assistant_ids})


class ExperimentProvider:
    """Experiments whose working copy or versions answer with an assistant directly."""

    kind = "experiment"
    section = "Experiments"
    label = "Experiment"

    def find_references(self, assistant_ids, team_id) -> list[Reference]:
        ids = _ids(assistant_ids)
        if not ids:
            return []
        working = aliased(Experiment)
        rows = db.session.execute(
            select(Experiment, working)
            .outerjoin(working, Experiment.working_id == working.id)
            .where(Experiment.team_id == team_id, Experiment.assistant_id.in_(ids))
            .order_by(Experiment.id)
        ).all()
        return [self._reference(row, work, row.assistant_id) for row, work in rows]

    def references_for(self, row: Experiment, working: Experiment | None) -> list[Reference]:
        """The reference a single experiment row makes (none when it uses only a pipeline)."""
        return [self._reference(row, working, row.assistant_id)] if row.assistant_id else []

    def _reference(self, row: Experiment, working: Experiment | None,
                   assistant_id: int) -> Reference:
        return Reference(
            kind=self.kind, id=row.id, label=row.display_name,
            url=_url("experiments.detail", f"/experiments/{row.id}", experiment_id=row.id),
            assistant_id=assistant_id, status=experiment_status(row, working))

    def user_reference(self, row: Experiment, working: Experiment | None,
                       assistant_id: int) -> Reference:
        """An experiment as the *user* of a pipeline that references ``assistant_id``."""
        return self._reference(row, working, assistant_id)

    def archive(self, reference: Reference) -> None:
        """Archive a released version (or a whole experiment) inside the caller's transaction."""
        row = db.session.get(Experiment, int(reference.id))
        if row is None:
            return
        row.archived = True
        row.published = False
        for version in ([] if row.is_version else row.versions):
            version.archived = True
            version.published = False
        db.session.flush()


class PipelineProvider:
    """Pipelines with a node answering with an assistant; their users are experiments."""

    kind = "pipeline"
    section = "Pipelines"
    label = "Pipeline"

    def find_references(self, assistant_ids, team_id) -> list[Reference]:
        ids = _ids(assistant_ids)
        if not ids:
            return []
        working = aliased(Pipeline)
        rows = db.session.execute(
            select(Pipeline, working, PipelineNode.assistant_id)
            .join(PipelineNode, PipelineNode.pipeline_id == Pipeline.id)
            .outerjoin(working, Pipeline.working_id == working.id)
            .where(Pipeline.team_id == team_id, PipelineNode.assistant_id.in_(ids))
            .order_by(Pipeline.id, PipelineNode.position)
        ).all()
        found: dict[tuple[int, int], tuple[Pipeline, Pipeline | None]] = {}
        for pipeline, work, assistant_id in rows:
            found.setdefault((pipeline.id, assistant_id), (pipeline, work))
        users = self._users({pipeline_id for pipeline_id, _ in found}, team_id)
        return [self._reference(pipeline, work, assistant_id, users.get(pipeline.id, ()))
                for (_, assistant_id), (pipeline, work) in found.items()]

    def references_for(self, row: Pipeline, working: Pipeline | None) -> list[Reference]:
        """The references a single pipeline row makes, one per distinct assistant, with users."""
        users = self._users({row.id}, row.team_id).get(row.id, ())
        return [self._reference(row, working, assistant_id, users)
                for assistant_id in dict.fromkeys(row.assistant_ids)]

    @staticmethod
    def _users(pipeline_ids, team_id) -> dict[int, list[tuple[Experiment, Experiment | None]]]:
        if not pipeline_ids:
            return {}
        working = aliased(Experiment)
        rows = db.session.execute(
            select(Experiment, working)
            .outerjoin(working, Experiment.working_id == working.id)
            .where(Experiment.team_id == team_id, Experiment.pipeline_id.in_(sorted(pipeline_ids)))
            .order_by(Experiment.id)
        ).all()
        users: dict[int, list] = {}
        for row, work in rows:
            users.setdefault(row.pipeline_id, []).append((row, work))
        return users

    def _reference(self, row: Pipeline, working: Pipeline | None, assistant_id: int,
                   users) -> Reference:
        experiments = ExperimentProvider()
        return Reference(
            kind=self.kind, id=row.id, label=row.display_name,
            url=_url("pipelines.detail", f"/pipelines/{row.id}", pipeline_id=row.id),
            assistant_id=assistant_id, status=pipeline_status(row, working),
            users=tuple(experiments.user_reference(user, work, assistant_id)
                        for user, work in users))

    def archive(self, reference: Reference) -> None:
        row = db.session.get(Pipeline, int(reference.id))
        if row is None:
            return
        row.archived = True
        for version in ([] if row.is_version else row.versions):
            version.archived = True
        db.session.flush()
