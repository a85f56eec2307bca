"""Pipelines: chains of assistants that experiments can answer through."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ocs_assistant_plugin.errors import PluginError

from . import csrf, lifecycle
from .assistants import AssistantRef, assistant_refs, pickable_assistants
from .auth import current_user, login_required
from .forms import validate_pipeline, validate_release
from .models import Experiment, Pipeline, PipelineNode, db
from .providers import experiment_status, pipeline_status

bp = Blueprint("pipelines", __name__, url_prefix="/pipelines")
bp.before_request(csrf.protect)


def _team_id() -> int:
    return current_user().team_id


def _get(pipeline_id: int) -> Pipeline:
    pipeline = db.session.get(Pipeline, pipeline_id)
    if pipeline is None or pipeline.team_id != _team_id():
        abort(404)
    return pipeline


def _labels(team_id: int, pipelines) -> dict[int, AssistantRef]:
    """The assistant of every step (a version's steps use assistant versions), in one query."""
    return assistant_refs(team_id, {i for p in pipelines for i in p.assistant_ids})


@bp.route("/")
@login_required
def index():
    show_archived = request.args.get("archived") == "1"
    pipelines = db.session.execute(
        select(Pipeline).where(Pipeline.team_id == _team_id(), Pipeline.working_id.is_(None),
                               Pipeline.archived.is_(show_archived))
        .order_by(Pipeline.name, Pipeline.id)).scalars().all()
    users = {}
    if pipelines:
        for e in db.session.execute(select(Experiment).where(
                Experiment.pipeline_id.in_([p.id for p in pipelines]),
                Experiment.archived.is_(False))).scalars():
            users.setdefault(e.pipeline_id, []).append(e)
    return render_template("pipelines/index.html", pipelines=pipelines, users=users,
                           labels=_labels(_team_id(), pipelines), show_archived=show_archived)


def _form_page(pipeline: Pipeline | None):
    team_id = _team_id()
    assistants = pickable_assistants(team_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = request.form
        data, errors = validate_pipeline(values, [a.id for a in assistants])
        if not errors:
            if pipeline is None:
                pipeline = Pipeline(team_id=team_id)
                db.session.add(pipeline)
            pipeline.name = data["name"]
            pipeline.description = data["description"]
            pipeline.nodes = [PipelineNode(position=position, assistant_id=assistant_id)
                              for position, assistant_id in enumerate(data["nodes"], start=1)]
            db.session.commit()
            flash(f"Saved “{pipeline.name}”.", "success")
            return redirect(url_for(".detail", pipeline_id=pipeline.id))
    elif pipeline is not None:
        values = MultiDict([("name", pipeline.name), ("description", pipeline.description)] +
                           [("node", str(i)) for i in pipeline.assistant_ids])
    else:
        values = MultiDict()
    nodes = [v for v in values.getlist("node") if v] + [""]  # always one empty step to add
    return render_template("pipelines/form.html", pipeline=pipeline, values=values, nodes=nodes,
                           errors=errors, assistants=assistants), (400 if errors else 200)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    return _form_page(None)


@bp.route("/<int:pipeline_id>/edit", methods=["GET", "POST"])
@login_required
def edit(pipeline_id: int):
    pipeline = _get(pipeline_id)
    if pipeline.is_version:
        flash("Released versions are read-only: edit the working copy and release again.", "error")
        return redirect(url_for(".detail", pipeline_id=pipeline.working_id))
    if pipeline.archived:
        flash("This pipeline is archived and can no longer be edited.", "error")
        return redirect(url_for(".detail", pipeline_id=pipeline.id))
    return _form_page(pipeline)


@bp.route("/<int:pipeline_id>")
@login_required
def detail(pipeline_id: int, release_errors=None, release_values=None, status=200):
    pipeline = _get(pipeline_id)
    working = pipeline.working if pipeline.is_version else pipeline
    rows = [working] + list(working.versions)
    statuses = {row.id: pipeline_status(row, None if row is working else working) for row in rows}
    users = db.session.execute(
        select(Experiment).where(Experiment.pipeline_id.in_([r.id for r in rows]))
        .order_by(Experiment.id)).scalars().all()
    users_by_pipeline: dict[int, list] = {}
    for user in users:
        users_by_pipeline.setdefault(user.pipeline_id, []).append(
            (user, experiment_status(user, user.working)))
    return render_template(
        "pipelines/detail.html", pipeline=pipeline, working=working,
        labels=_labels(_team_id(), rows), statuses=statuses, users=users_by_pipeline,
        release_errors=release_errors or {}, release_values=release_values or {}), status


@bp.route("/<int:pipeline_id>/release", methods=["POST"])
@login_required
def release(pipeline_id: int):
    pipeline = _get(pipeline_id)
    data, errors = validate_release(request.form)
    if errors:
        return detail(pipeline_id, release_errors=errors, release_values=request.form, status=400)
    try:
        version = lifecycle.release_pipeline(pipeline, data["release_label"])
    except (lifecycle.LifecycleError, PluginError) as error:
        flash(f"Release failed: {error.message}", "error")
    else:
        flash(f"Version {version.version_number} of “{pipeline.name}” released.", "success")
    return redirect(url_for(".detail", pipeline_id=pipeline.id))


@bp.route("/<int:pipeline_id>/archive", methods=["POST"])
@login_required
def archive(pipeline_id: int):
    pipeline = _get(pipeline_id)
    try:
        if pipeline.is_version:
            problems = lifecycle.archive_pipeline_version(pipeline)
            flash(f"{pipeline.display_name} archived.", "success")
        else:
            problems = lifecycle.archive_pipeline(pipeline)
            flash(f"“{pipeline.name}” and all its versions archived.", "success")
    except (lifecycle.LifecycleError, PluginError) as error:
        flash(error.message, "error")
    else:
        for problem in problems:
            flash(problem, "warning")
    return redirect(url_for(".detail", pipeline_id=pipeline.working_id or pipeline.id))
