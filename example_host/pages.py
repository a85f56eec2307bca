"""The dashboard and what every page's layout needs."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from sqlalchemy import func, select

from . import csrf
from .assistants import pickable_assistants
from .auth import current_user, login_required
from .models import Experiment, Pipeline, db

bp = Blueprint("pages", __name__)
bp.before_request(csrf.protect)


def plugin_prefix() -> str:
    return current_app.config.get("OCS_ASSISTANTS_URL_PREFIX", "/assistants").rstrip("/")


def layout_context() -> dict:
    """Variables for ``base.html``: the signed-in user and the nav links."""
    return {
        "current_user": current_user(),
        # By path, not url_for: the plugin's endpoint names are its own business.
        "assistants_url": plugin_prefix() + "/",
        "openai_label": current_app.config.get("HOST_OPENAI_LABEL", ""),
        "openai_configured": bool(current_app.config.get("OCS_ASSISTANTS_OPENAI_API_KEY")),
    }


def require_login_for_plugin_pages():
    """The plugin's HTML pages need a signed-in user; its JSON API answers 401 by itself."""
    prefix = plugin_prefix()
    path = request.path
    if (path == prefix or path.startswith(prefix + "/")) and not path.startswith(prefix + "/api/") \
            and not path.startswith(prefix + "/static/") and current_user() is None:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


@bp.route("/")
@login_required
def dashboard():
    team_id = current_user().team_id
    assistants = pickable_assistants(team_id)

    def count(model):
        return db.session.execute(
            select(func.count()).select_from(model).where(
                model.team_id == team_id, model.working_id.is_(None),
                model.archived.is_(False))).scalar_one()

    recent = db.session.execute(
        select(Experiment).where(Experiment.team_id == team_id, Experiment.working_id.is_(None),
                                 Experiment.archived.is_(False))
        .order_by(Experiment.created_at.desc(), Experiment.id.desc()).limit(5)).scalars().all()
    return render_template(
        "dashboard.html", assistants=assistants, recent=recent,
        counts={"assistants": len(assistants), "experiments": count(Experiment),
                "pipelines": count(Pipeline)})
