"""The home page and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from kirab import clock
from kirab.errors import DomainError, bad_request
from kirab.relay.moments import parse_moment
from kirab.relay.services import latest_relay, relay_span, relay_status

bp = Blueprint("main", __name__)

LOCAL_ZONE = "Asia/Jakarta"


def chosen_moment():
    """The moment asked for with ``at`` (read in WIB without offset), or now."""
    text = request.args.get("at", "").strip()
    if not text:
        return clock.now(), False
    try:
        return parse_moment(text, default_zone=LOCAL_ZONE), True
    except DomainError as error:
        bad_request(error.message)


@bp.get("/")
def home():
    """Where the pataka is now on every route, and what comes next."""
    at, chosen = chosen_moment()
    relay = latest_relay()
    statuses = relay_status(relay, at) if relay else []
    start, end = relay_span(statuses)
    return render_template(
        "main/home.html",
        relay=relay,
        statuses=statuses,
        at=at,
        chosen=chosen,
        start=start,
        end=end,
        local_zone=LOCAL_ZONE,
    )


def safe_next(target: str | None) -> str:
    """A local path to return to; anything pointing elsewhere becomes home."""
    if not target:
        return url_for("main.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.home")
    return target


@bp.post("/language")
def set_language():
    """Keep the visitor's language choice in the session and go back."""
    lang = request.form.get("lang", "")
    if lang not in ("id", "en"):
        bad_request(_("Choose Indonesian or English."))
    session["lang"] = lang
    return redirect(safe_next(request.form.get("next")))
