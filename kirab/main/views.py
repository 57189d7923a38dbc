"""The home page and the language switch."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session
from flask_babel import gettext as _
from flask_login import current_user

from kirab.dataversions import EVENTS, GLOBAL, STOPS
from kirab.errors import bad_request, not_found
from kirab.events.services import events_of_days
from kirab.i18n import to_local
from kirab.pagecache import cached_page, shows_now
from kirab.relay.moments import requested_moment, requested_relay_id
from kirab.relay.outlines import kept_overview
from kirab.relay.presets import preset_moments, relay_days
from kirab.urls import safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
# Keyed by events too: the page lists that day's events at the stops holding the flags.
@cached_page(lambda: (GLOBAL, STOPS, EVENTS), clocked=shows_now)
def home():
    """Where the pataka is on every route of a relay, that day's events there, other moments.

    The answer for the moment (now, or the one asked for) comes first: each
    route's position and the events of that local day at the stop holding
    the flags. Then the moments to jump to and the picker for any other.
    """
    at, chosen = requested_moment()
    overview = kept_overview(at, requested_relay_id())
    if overview is None:
        not_found(_("No relay has that number."))
    holders = [status.holder for status in overview["statuses"] if status.holder]
    days = {stop.id: (to_local(at, stop.timezone).date(), stop.timezone) for stop in holders}
    handovers = overview.pop("handovers")
    return render_template(
        "main/home.html",
        chosen=chosen,
        day_events=events_of_days(days),
        holder_days={stop_id: day for stop_id, (day, _zone) in days.items()},
        presets=preset_moments(handovers, at),
        days=relay_days(handovers, at, overview["local_zone"]),
        **overview,
    )


@bp.route("/language", methods=["GET", "POST"])
def set_language():
    """Keep the visitor's language choice in the session and go back.

    Logged-in people switch with a POST carrying their CSRF token, as every
    change they make. Visitors who are not logged in may switch with a GET,
    so the public pages carry no per-visitor token and can be shared by
    caches: all a forged switch could do to them is change their language.
    """
    if request.method == "GET" and current_user.is_authenticated:
        abort(405)
    values = request.form if request.method == "POST" else request.args
    lang = values.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        bad_request(_("Choose Indonesian or English."))
    session["lang"] = lang
    return redirect(safe_next(values.get("next")))
