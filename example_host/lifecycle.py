"""Release, publish and archive experiments and pipelines: the host's side of the lifecycle.

This is where the host talks to the plugin about versions: releasing asks the plugin for a frozen
version of every assistant the released object uses (:func:`release_assistants`), and archiving a
released object on the host's own initiative tells the plugin (:func:`notify_archived`).
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from .models import Experiment, Pipeline, PipelineNode, db
from .providers import ExperimentProvider, PipelineProvider, experiment_status, RefStatus


class LifecycleError(Exception):
    """The action is refused; ``message`` says why and what to do instead."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _plugin():
    return current_app.extensions["ocs_assistants"]


def release_assistants(assistant_ids: list[int], team_id: int, release_label: str) -> dict[int, int]:
    """Map each working assistant id to the assistant id the released object must use.

    Issue 6 (versions on the release hook) replaces the identity mapping with::

        _plugin().hook.ocs_release(assistant_ids=assistant_ids, team_id=team_id,
                                   release_label=release_label)

    which returns ``{working_id: version_id}`` and raises a ``PluginError`` when a release fails
    (callers roll back and show its message). Until then released objects keep the working ids.
    """
    return {assistant_id: assistant_id for assistant_id in dict.fromkeys(assistant_ids)}


def notify_archived(references) -> None:
    """Tell the plugin the host archived these released objects itself (DESIGN 1.3)."""
    hook = getattr(_plugin().hook, "ocs_reference_archived", None)
    if hook is None:
        return
    for reference in references:
        hook(reference=reference)


def _lock(model, row_id: int):
    # Serialises releases of one object on PostgreSQL (SQLite serialises writers anyway), so two
    # releases at the same moment get distinct version numbers.
    return db.session.execute(select(model).where(model.id == row_id).with_for_update()).scalar_one()


def _next_version_number(model, working_id: int) -> int:
    latest = db.session.execute(
        select(func.max(model.version_number)).where(model.working_id == working_id)).scalar()
    return (latest or 0) + 1


def _freeze_pipeline(pipeline: Pipeline, mapping: dict[int, int], release_label: str) -> Pipeline:
    _lock(Pipeline, pipeline.id)
    version = Pipeline(
        team_id=pipeline.team_id, working_id=pipeline.id,
        version_number=_next_version_number(Pipeline, pipeline.id),
        release_label=release_label or None, name=pipeline.name,
        description=pipeline.description,
        nodes=[PipelineNode(position=node.position, assistant_id=mapping[node.assistant_id])
               for node in pipeline.nodes],
    )
    db.session.add(version)
    return version


def release_pipeline(pipeline: Pipeline, release_label: str = "") -> Pipeline:
    if pipeline.is_version or pipeline.archived:
        raise LifecycleError("Only a pipeline's working copy that is not archived can be released.")
    try:
        mapping = release_assistants(pipeline.assistant_ids, pipeline.team_id, release_label)
        version = _freeze_pipeline(pipeline, mapping, release_label)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return version


def release_experiment(experiment: Experiment, release_label: str = "",
                       publish: bool = True) -> Experiment:
    """Freeze the working experiment as its next version (and its pipeline with it)."""
    if experiment.is_version or experiment.archived:
        raise LifecycleError("Only an experiment's working copy that is not archived can be "
                             "released.")
    pipeline = experiment.pipeline
    if pipeline is not None and pipeline.archived:
        raise LifecycleError(f"Its pipeline “{pipeline.name}” is archived: pick another one "
                             "before releasing.")
    assistant_ids = ([experiment.assistant_id] if experiment.assistant_id else []) + \
        (pipeline.assistant_ids if pipeline is not None else [])
    try:
        _lock(Experiment, experiment.id)
        mapping = release_assistants(assistant_ids, experiment.team_id, release_label)
        pipeline_version = _freeze_pipeline(pipeline, mapping, release_label) \
            if pipeline is not None else None
        version = Experiment(
            team_id=experiment.team_id, working_id=experiment.id,
            version_number=_next_version_number(Experiment, experiment.id),
            release_label=release_label or None, name=experiment.name,
            description=experiment.description, welcome_message=experiment.welcome_message,
            assistant_id=mapping[experiment.assistant_id] if experiment.assistant_id else None,
            pipeline=pipeline_version,
        )
        db.session.add(version)
        db.session.flush()
        if publish:
            _publish(experiment, version)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return version


def _publish(working: Experiment, version: Experiment) -> None:
    for other in working.versions:
        other.published = other.id == version.id


def publish_version(version: Experiment) -> None:
    if not version.is_version:
        raise LifecycleError("Only a released version can be published.")
    if version.archived or version.working.archived:
        raise LifecycleError("An archived version cannot be published.")
    _publish(version.working, version)
    db.session.commit()


def archive_experiment_version(version: Experiment) -> None:
    """Archive one released version; participants lose it if it was the published one."""
    if not version.is_version:
        raise LifecycleError("Use “Archive experiment” to archive the working copy.")
    if version.archived:
        return
    references = ExperimentProvider().references_for(version, version.working)
    version.archived = True
    version.published = False
    db.session.commit()
    notify_archived(references)


def archive_experiment(experiment: Experiment) -> None:
    """Archive the working copy and every version (the whole chatbot)."""
    if experiment.is_version:
        raise LifecycleError("This is a version: archive it with “Archive version”.")
    provider = ExperimentProvider()
    released = [ref for v in experiment.versions if not v.archived
                for ref in provider.references_for(v, experiment)]
    experiment.archived = True
    for version in experiment.versions:
        version.archived = True
        version.published = False
    db.session.commit()
    notify_archived(released)


def _live_users(pipeline: Pipeline) -> list[Experiment]:
    users = db.session.execute(
        select(Experiment).where(Experiment.pipeline_id == pipeline.id)).scalars()
    return [e for e in users if experiment_status(e, e.working) in (RefStatus.UNRELEASED,
                                                                   RefStatus.PUBLISHED)]


def archive_pipeline(pipeline: Pipeline) -> None:
    """Archive the working pipeline and its versions, unless a live experiment uses one."""
    if pipeline.is_version:
        raise LifecycleError("This is a version: archive it with “Archive version”.")
    users = [u for p in [pipeline, *pipeline.versions] for u in _live_users(p)]
    if users:
        names = ", ".join(sorted({u.display_name for u in users}))
        raise LifecycleError(f"Experiments still use this pipeline ({names}): remove it from "
                             "them or archive them first.")
    provider = PipelineProvider()
    released = [ref for v in pipeline.versions if not v.archived
                for ref in provider.references_for(v, pipeline)]
    pipeline.archived = True
    for version in pipeline.versions:
        version.archived = True
    db.session.commit()
    notify_archived(released)


def archive_pipeline_version(version: Pipeline) -> None:
    if not version.is_version:
        raise LifecycleError("Use “Archive pipeline” to archive the working copy.")
    if version.archived:
        return
    users = _live_users(version)
    if users:
        names = ", ".join(sorted(u.display_name for u in users))
        raise LifecycleError(f"Live experiment versions use this pipeline version ({names}): "
                             "archive them first.")
    references = PipelineProvider().references_for(version, version.working)
    version.archived = True
    db.session.commit()
    notify_archived(references)
