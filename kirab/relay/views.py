"""The public route page: every route of the relay as a timeline."""

from __future__ import annotations

from flask import Blueprint, render_template

from kirab.dataversions import EVENTS, GLOBAL
from kirab.pagecache import cached_page, shows_now
from kirab.relay.moments import requested_moment
from kirab.relay.services import recorded_handovers, relay_overview

bp = Blueprint("relay", __name__)


@bp.get("/route")
@cached_page(lambda: (GLOBAL, EVENTS), clocked=shows_now)
def route_page():
    """The relay's routes as timelines with the pataka's position at a moment."""
    at, chosen = requested_moment()
    overview = relay_overview(at)
    recorded = recorded_handovers(overview["statuses"])
    return render_template("relay/route.html", chosen=chosen, recorded=recorded, **overview)
