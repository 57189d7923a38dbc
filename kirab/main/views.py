"""The home page and the language switch."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session
from flask_babel import gettext as _

from kirab.errors import bad_request
from kirab.relay.moments import requested_moment
from kirab.relay.services import relay_overview
from kirab.urls import safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    """Where the pataka is now on every route, and what comes next."""
    at, chosen = requested_moment()
    return render_template("main/home.html", chosen=chosen, **relay_overview(at))


@bp.post("/language")
def set_language():
    """Keep the visitor's language choice in the session and go back."""
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        bad_request(_("Choose Indonesian or English."))
    session["lang"] = lang
    return redirect(safe_next(request.form.get("next")))
