"""Release, publish and archive experiments and pipelines: the host's side of the lifecycle.

This is where the host talks to the plugin about versions: releasing asks the plugin for a frozen
version of every assistant the released object uses (:func:`release_assistants`), and archiving a
released object on the host's own initiative tells the plugin (:func:`notify_archived`).
"""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import func, select

from ocs_assistant_plugin.errors import PluginError

from .models import Experiment, Pipeline, PipelineNode, db
from .providers import ExperimentProvider, PipelineProvider, experiment_status, RefStatus


log = logging.getLogger(__name__)


class LifecycleError(Exception):
    """The action is refused; ``message`` says why and what to do instead."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _plugin():
    return current_app.extensions["ocs_assistants"]


def release_assistants(assistant_ids: list[int], team_id: int,
                       release_label: str) -> dict[int, int]:
    """Ask the plugin for a frozen version of each working assistant: ``{working_id: version_id}``.

    The released host object must reference the version ids. The hook joins the caller's
    transaction: its version rows are flushed, committed with the caller's own rows and rolled
    back with them (the clones it made in OpenAI are then swept by the plugin's outbox). A failed
    release raises the plugin's ``PluginError`` (remote failure 502/503, archived assistant 409,
    ...) and leaves nothing of its own behind; the caller rolls back and shows its message.
    """
    ids = list(dict.fromkeys(i for i in assistant_ids if i is not None))
    if not ids:
        return {}
    mapping = _plugin().hook.ocs_release(assistant_ids=ids, team_id=team_id,
                                         release_label=release_label or None)
    return dict(mapping or {})


def notify_archived(references) -> list[str]:
    """Tell the plugin the host archived these released objects itself (DESIGN 1.3): it archives
    each assistant version they used that nothing live still uses.

    Fire it inside the host's transaction, once the archive is flushed (the plugin's vetting
    reads the host's rows through its providers), then commit: the plugin's part only flushes.
    The host's archive stands whatever the plugin answers: a refusal changes nothing of the
    plugin's, is logged and returned as a message for the page, and the assistant version can
    still be archived from the plugin's pages."""
    db.session.flush()
    hook = _plugin().hook.ocs_reference_archived
    problems = []
    for reference in references:
        try:
            hook(reference=reference)
        except PluginError as error:
            log.warning("the plugin did not archive assistant %s after %s was archived: %s",
                        reference.assistant_id, reference.label, error.message)
            problems.append(f"Its assistant version was not archived: {error.message}")
    return problems


def _lock(model, row_id: int):
    # Serialises releases of one object on PostgreSQL (SQLite serialises writers anyway), so two
    # releases at the same moment get distinct version numbers. Fresh values, not the identity
    # map's: the row may have changed while the plugin was releasing its assistants.
    return db.session.execute(
        select(model).where(model.id == row_id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one()


def _mapped(mapping: dict[int, int], assistant_id: int, what: str) -> int:
    """The released version of ``assistant_id``; refuse when the object changed meanwhile."""
    if assistant_id not in mapping:
        raise LifecycleError(f"{what} changed while it was being released: release it again.")
    return mapping[assistant_id]


def _next_version_number(model, working_id: int) -> int:
    latest = db.session.execute(
        select(func.max(model.version_number)).where(model.working_id == working_id)).scalar()
    return (latest or 0) + 1


def _freeze_pipeline(pipeline: Pipeline, mapping: dict[int, int], release_label: str) -> Pipeline:
    """A new version row of ``pipeline`` whose steps use the released assistant versions."""
    pipeline = _lock(Pipeline, pipeline.id)
    db.session.refresh(pipeline, ["nodes"])
    if pipeline.archived:
        raise LifecycleError(f"The pipeline “{pipeline.name}” was archived meanwhile.")
    what = f"The pipeline “{pipeline.name}”"
    version = Pipeline(
        team_id=pipeline.team_id, working_id=pipeline.id,
        version_number=_next_version_number(Pipeline, pipeline.id),
        release_label=release_label or None, name=pipeline.name,
        description=pipeline.description,
        nodes=[PipelineNode(position=node.position,
                            assistant_id=_mapped(mapping, node.assistant_id, what))
               for node in pipeline.nodes],
    )
    db.session.add(version)
    return version


def release_pipeline(pipeline: Pipeline, release_label: str = "") -> Pipeline:
    """Freeze the working pipeline as its next version, its steps on assistant versions.

    One transaction: the host's lock, the plugin's versions (``ocs_release`` joins the
    transaction) and the host's rows are committed together, or nothing is."""
    if pipeline.is_version or pipeline.archived:
        raise LifecycleError("Only a pipeline's working copy that is not archived can be released.")
    try:
        locked = _lock(Pipeline, pipeline.id)
        mapping = release_assistants(locked.assistant_ids, locked.team_id, release_label)
        version = _freeze_pipeline(locked, mapping, release_label)
        db.session.commit()
    except Exception:
        db.session.rollback()  # the plugin's versions go too; their clones are swept
        raise
    return version


def release_experiment(experiment: Experiment, release_label: str = "",
                       publish: bool = True) -> Experiment:
    """Freeze the working experiment as its next version (and its pipeline with it).

    One transaction, as Open Chat Studio releases: the host locks the experiment, asks the
    plugin for its assistants' versions (``ocs_release`` joins the transaction and only
    flushes), writes its own rows and commits; a failure at any step rolls back everything,
    the plugin's versions included."""
    if experiment.is_version or experiment.archived:
        raise LifecycleError("Only an experiment's working copy that is not archived can be "
                             "released.")
    try:
        experiment = _lock(Experiment, experiment.id)
        if experiment.archived:
            raise LifecycleError("The experiment was archived meanwhile.")
        pipeline = experiment.pipeline
        if pipeline is not None and pipeline.archived:
            raise LifecycleError(f"Its pipeline “{pipeline.name}” is archived: pick another "
                                 "one before releasing.")
        assistant_ids = ([experiment.assistant_id] if experiment.assistant_id else []) + \
            (pipeline.assistant_ids if pipeline is not None else [])
        mapping = release_assistants(assistant_ids, experiment.team_id, release_label)
        what = f"The experiment “{experiment.name}”"
        pipeline_version = _freeze_pipeline(pipeline, mapping, release_label) \
            if pipeline is not None else None
        version = Experiment(
            team_id=experiment.team_id, working_id=experiment.id,
            version_number=_next_version_number(Experiment, experiment.id),
            release_label=release_label or None, name=experiment.name,
            description=experiment.description, welcome_message=experiment.welcome_message,
            assistant_id=_mapped(mapping, experiment.assistant_id, what)
            if experiment.assistant_id else None,
            pipeline=pipeline_version,
        )
        db.session.add(version)
        db.session.flush()
        if publish:
            _publish(experiment, version)
        db.session.commit()
    except Exception:
        db.session.rollback()  # the plugin's versions go too; their clones are swept
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


def _frozen_pipelines(versions: list[Experiment]) -> list[Pipeline]:
    """The pipeline versions released with these experiment versions that no other unarchived
    experiment uses: they go with them (nothing could run them any more)."""
    leaving = {v.id for v in versions}
    frozen = {v.pipeline.id: v.pipeline for v in versions
              if v.pipeline is not None and v.pipeline.is_version and not v.pipeline.archived}
    if not frozen:
        return []
    still_used = set(db.session.execute(
        select(Experiment.pipeline_id).where(Experiment.pipeline_id.in_(sorted(frozen)),
                                             Experiment.archived.is_(False),
                                             Experiment.id.not_in(sorted(leaving)))).scalars())
    return [p for pipeline_id, p in frozen.items() if pipeline_id not in still_used]


def _archive_with_frozen_pipelines(versions: list[Experiment]) -> list:
    """Archive experiment versions and the pipeline versions frozen with them (caller commits);
    returns the references of every object archived, for :func:`notify_archived`."""
    experiments, pipelines = ExperimentProvider(), PipelineProvider()
    frozen = _frozen_pipelines(versions)
    references = [ref for v in versions for ref in experiments.references_for(v, v.working)]
    references += [ref for p in frozen for ref in pipelines.references_for(p, p.working)]
    for version in versions:
        version.archived = True
        version.published = False
    for pipeline in frozen:
        pipeline.archived = True
    return references


def _commit_archive(references) -> list[str]:
    """Tell the plugin what was archived and commit both in one transaction (or neither)."""
    try:
        problems = notify_archived(references)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return problems


def archive_experiment_version(version: Experiment) -> list[str]:
    """Archive one released version (and the pipeline version released with it); participants
    lose it if it was the published one. Every object archived is reported to the plugin, so
    the assistant versions nothing uses any more are archived too.

    Returns what the plugin could not do (see :func:`notify_archived`)."""
    if not version.is_version:
        raise LifecycleError("Use “Archive experiment” to archive the working copy.")
    if version.archived:
        return []
    references = _archive_with_frozen_pipelines([version])
    return _commit_archive(references)


def archive_experiment(experiment: Experiment) -> list[str]:
    """Archive the working copy and every version (the whole chatbot), with the pipeline
    versions released with them."""
    if experiment.is_version:
        raise LifecycleError("This is a version: archive it with “Archive version”.")
    provider = ExperimentProvider()
    references = provider.references_for(experiment, None)
    references += _archive_with_frozen_pipelines(
        [v for v in experiment.versions if not v.archived])
    experiment.archived = True
    for version in experiment.versions:
        version.archived = True
        version.published = False
    return _commit_archive(references)


def _live_users(pipeline: Pipeline) -> list[Experiment]:
    users = db.session.execute(
        select(Experiment).where(Experiment.pipeline_id == pipeline.id)).scalars()
    return [e for e in users if experiment_status(e, e.working) in (RefStatus.UNRELEASED,
                                                                   RefStatus.PUBLISHED)]


def archive_pipeline(pipeline: Pipeline) -> list[str]:
    """Archive the working pipeline and its versions, unless a live experiment uses one."""
    if pipeline.is_version:
        raise LifecycleError("This is a version: archive it with “Archive version”.")
    users = [u for p in [pipeline, *pipeline.versions] for u in _live_users(p)]
    if users:
        names = ", ".join(sorted({u.display_name for u in users}))
        raise LifecycleError(f"Experiments still use this pipeline ({names}): remove it from "
                             "them or archive them first.")
    provider = PipelineProvider()
    released = provider.references_for(pipeline, None) + [
        ref for v in pipeline.versions if not v.archived
        for ref in provider.references_for(v, pipeline)]
    pipeline.archived = True
    for version in pipeline.versions:
        version.archived = True
    return _commit_archive(released)


def archive_pipeline_version(version: Pipeline) -> list[str]:
    if not version.is_version:
        raise LifecycleError("Use “Archive pipeline” to archive the working copy.")
    if version.archived:
        return []
    users = _live_users(version)
    if users:
        names = ", ".join(sorted(u.display_name for u in users))
        raise LifecycleError(f"Live experiment versions use this pipeline version ({names}): "
                             "archive them first.")
    references = PipelineProvider().references_for(version, version.working)
    version.archived = True
    return _commit_archive(references)
