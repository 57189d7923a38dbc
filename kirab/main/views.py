"""The home page and the language switch."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, redirect, render_template, request, session
from flask_babel import gettext as _
from flask_login import current_user

from kirab.dataversions import GLOBAL, STOPS, region_scope
from kirab.errors import bad_request, not_found
from kirab.events.services import events_of_days
from kirab.i18n import to_local
from kirab.pagecache import cached_page, request_versions, shows_now
from kirab.relay.moments import requested_moment, requested_relay_id
from kirab.relay.outlines import kept_overview
from kirab.relay.presets import preset_moments, relay_days
from kirab.urls import safe_next

bp = Blueprint("main", __name__)


# Where a request keeps the relay it found while naming the home page's scopes.
SHOWN = "kirab.main.home.shown"
# The scopes the home page was last keyed on in this process: read with the others next time.
LAST_SCOPES = "kirab.main.home.scopes"


def shown_relay() -> tuple[datetime, bool, dict | None]:
    """The moment asked for, whether it was chosen, and the relay's overview then (once a request).

    Read from values kept while reference data, routes and stops stay
    (``kept_overview``); None when no relay has the number asked for.
    """
    if SHOWN not in request.environ:
        at, chosen = requested_moment()
        request.environ[SHOWN] = (at, chosen, kept_overview(at, requested_relay_id()))
    return request.environ[SHOWN]


def home_scopes() -> list[str]:
    """Reference data and stops, and the province of each stop holding the flags at the moment.

    The page lists the day's events at those stops alone, and any change to
    an event touches the province of its stop (before and after a move): a
    change elsewhere leaves the page as stored. Who holds the flags follows
    the stops and the moment, which are in the page's key too.
    """
    extensions = current_app.extensions
    request_versions((GLOBAL, STOPS), also=extensions.get(LAST_SCOPES, ()))
    _at, _chosen, overview = shown_relay()
    statuses = overview["statuses"] if overview else []
    holding = {
        region_scope(status.holder.office.region_code) for status in statuses if status.holder
    }
    scopes = [GLOBAL, STOPS, *sorted(holding)]
    extensions[LAST_SCOPES] = tuple(scopes)
    return scopes


@bp.get("/")
@cached_page(home_scopes, clocked=shows_now)
def home():
    """Where the pataka is on every route of a relay, that day's events there, other moments.

    The answer for the moment (now, or the one asked for) comes first: each
    route's position and the events of that local day at the stop holding
    the flags. Then the moments to jump to and the picker for any other.
    """
    at, chosen, overview = shown_relay()
    if overview is None:
        not_found(_("No relay has that number."))
    overview = dict(overview)
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
