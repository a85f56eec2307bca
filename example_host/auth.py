"""Session login for the host: who is signed in, and which team they act for."""
from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from . import csrf
from .models import User, db

bp = Blueprint("auth", __name__)
bp.before_request(csrf.protect)


def current_user() -> User | None:
    """The signed-in user, loaded once per request (the plugin's hooks call this too)."""
    if "user" not in g:
        user_id = session.get("user_id")
        g.user = db.session.get(User, user_id) if user_id is not None else None
    return g.user


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if current_user() is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapped


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never bounce a fresh login to another host.
    if target and target.startswith("/") and not target.startswith("//") \
            and not urlsplit(target).netloc:
        return target
    return url_for("pages.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user() is not None and request.method == "GET":
        return redirect(_safe_next(request.args.get("next")))
    errors: dict[str, str] = {}
    username = request.form.get("username", "").strip()
    if request.method == "POST":
        password = request.form.get("password", "")
        if not username:
            errors["username"] = "Enter your username."
        if not password:
            errors["password"] = "Enter your password."
        if not errors:
            user = db.session.execute(db.select(User).filter_by(username=username)).scalar()
            if user is None or not user.check_password(password):
                errors["password"] = "Wrong username or password."
            else:
                session.clear()
                session["user_id"] = user.id
                g.pop("user", None)
                flash(f"Welcome back, {user.username}.", "success")
                return redirect(_safe_next(request.form.get("next")))
    status = 400 if errors else 200
    return render_template("login.html", errors=errors, username=username,
                           next=request.values.get("next", "")), status


@bp.route("/logout", methods=["POST"])
def logout():
    session.clear()
    g.pop("user", None)
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
