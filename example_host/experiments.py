"""Experiments (chatbots): list, create, edit, release, publish and archive."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ocs_assistant_plugin.errors import PluginError

from . import csrf, lifecycle
from .assistants import AssistantRef, assistant_refs, pickable_assistants
from .auth import current_user, login_required
from .forms import validate_experiment, validate_release
from .models import Experiment, Pipeline, db
from .providers import experiment_status

bp = Blueprint("experiments", __name__, url_prefix="/experiments")
bp.before_request(csrf.protect)


def _team_id() -> int:
    return current_user().team_id


def _get(experiment_id: int) -> Experiment:
    experiment = db.session.get(Experiment, experiment_id)
    if experiment is None or experiment.team_id != _team_id():
        abort(404)
    return experiment


def _pickable_pipelines(team_id: int) -> list[Pipeline]:
    return list(db.session.execute(
        select(Pipeline).where(Pipeline.team_id == team_id, Pipeline.working_id.is_(None),
                               Pipeline.archived.is_(False))
        .order_by(Pipeline.name, Pipeline.id)).scalars())


def _labels(team_id: int, experiments) -> dict[int, AssistantRef]:
    """The assistant every experiment row uses (and its pipeline's nodes), in one query: a
    version's row names and links the assistant version it was released with."""
    ids = set()
    for e in experiments:
        ids.add(e.assistant_id)
        if e.pipeline is not None:
            ids.update(e.pipeline.assistant_ids)
    return assistant_refs(team_id, ids)


@bp.route("/")
@login_required
def index():
    show_archived = request.args.get("archived") == "1"
    experiments = db.session.execute(
        select(Experiment).where(Experiment.team_id == _team_id(),
                                 Experiment.working_id.is_(None),
                                 Experiment.archived.is_(show_archived))
        .order_by(Experiment.name, Experiment.id)).scalars().all()
    return render_template("experiments/index.html", experiments=experiments,
                           labels=_labels(_team_id(), experiments), show_archived=show_archived)


def _form_page(experiment: Experiment | None):
    """Create (``experiment`` None) or edit a working experiment."""
    team_id = _team_id()
    assistants = pickable_assistants(team_id)
    pipelines = _pickable_pipelines(team_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = request.form
        data, errors = validate_experiment(values, [a.id for a in assistants],
                                           [p.id for p in pipelines])
        if not errors:
            if experiment is None:
                experiment = Experiment(team_id=team_id)
                db.session.add(experiment)
            for field, value in data.items():
                setattr(experiment, field, value)
            db.session.commit()
            flash(f"Saved “{experiment.name}”.", "success")
            return redirect(url_for(".detail", experiment_id=experiment.id))
    elif experiment is not None:
        values = {"name": experiment.name, "description": experiment.description,
                  "welcome_message": experiment.welcome_message,
                  "assistant_id": str(experiment.assistant_id or ""),
                  "pipeline_id": str(experiment.pipeline_id or "")}
    else:
        values = {"assistant_id": request.args.get("assistant_id", "")}
    return render_template("experiments/form.html", experiment=experiment, values=values,
                           errors=errors, assistants=assistants, pipelines=pipelines), \
        (400 if errors else 200)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    return _form_page(None)


@bp.route("/<int:experiment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(experiment_id: int):
    experiment = _get(experiment_id)
    if experiment.is_version:
        flash("Released versions are read-only: edit the working copy and release again.", "error")
        return redirect(url_for(".detail", experiment_id=experiment.working_id))
    if experiment.archived:
        flash("This experiment is archived and can no longer be edited.", "error")
        return redirect(url_for(".detail", experiment_id=experiment.id))
    return _form_page(experiment)


@bp.route("/<int:experiment_id>")
@login_required
def detail(experiment_id: int, release_errors=None, release_values=None, status=200):
    experiment = _get(experiment_id)
    working = experiment.working if experiment.is_version else experiment
    rows = [experiment] + list(working.versions) + ([working] if experiment.is_version else [])
    statuses = {row.id: experiment_status(row, None if row is working else working)
                for row in rows}
    return render_template(
        "experiments/detail.html", experiment=experiment, working=working,
        labels=_labels(_team_id(), rows), statuses=statuses,
        release_errors=release_errors or {}, release_values=release_values or {"publish": "1"}), \
        status


@bp.route("/<int:experiment_id>/release", methods=["POST"])
@login_required
def release(experiment_id: int):
    experiment = _get(experiment_id)
    data, errors = validate_release(request.form)
    if errors:
        return detail(experiment_id, release_errors=errors, release_values=request.form,
                      status=400)
    try:
        version = lifecycle.release_experiment(experiment, data["release_label"], data["publish"])
    except (lifecycle.LifecycleError, PluginError) as error:
        flash(f"Release failed: {error.message}", "error")
        return redirect(url_for(".detail", experiment_id=experiment.id))
    state = "released and published" if version.published else "released"
    flash(f"Version {version.version_number} of “{experiment.name}” {state}.", "success")
    return redirect(url_for(".detail", experiment_id=experiment.id))


@bp.route("/<int:experiment_id>/publish", methods=["POST"])
@login_required
def publish(experiment_id: int):
    version = _get(experiment_id)
    try:
        lifecycle.publish_version(version)
    except lifecycle.LifecycleError as error:
        flash(error.message, "error")
    else:
        flash(f"{version.display_name} is now published: participants talk to it.", "success")
    return redirect(url_for(".detail", experiment_id=version.working_id or version.id))


@bp.route("/<int:experiment_id>/archive", methods=["POST"])
@login_required
def archive(experiment_id: int):
    experiment = _get(experiment_id)
    try:
        if experiment.is_version:
            problems = lifecycle.archive_experiment_version(experiment)
            flash(f"{experiment.display_name} archived.", "success")
        else:
            problems = lifecycle.archive_experiment(experiment)
            flash(f"“{experiment.name}” and all its versions archived.", "success")
    except (lifecycle.LifecycleError, PluginError) as error:
        flash(error.message, "error")
    else:
        for problem in problems:
            flash(problem, "warning")
    return redirect(url_for(".detail", experiment_id=experiment.working_id or experiment.id))
