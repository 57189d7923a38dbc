"""The public route page: every route of the relay as a timeline."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _

from kirab.dataversions import GLOBAL, STOPS
from kirab.errors import not_found
from kirab.pagecache import cached_page, shows_now
from kirab.relay.moments import requested_moment, requested_relay_id
from kirab.relay.services import recorded_handovers, relay_overview

bp = Blueprint("relay", __name__)


@bp.get("/route")
@cached_page(lambda: (GLOBAL, STOPS), clocked=shows_now)
def route_page():
    """A relay's routes (asked for, or the default) as timelines with the pataka at a moment."""
    at, chosen = requested_moment()
    overview = relay_overview(at, requested_relay_id())
    if overview is None:
        not_found(_("No relay has that number."))
    recorded = recorded_handovers(overview["statuses"])
    return render_template("relay/route.html", chosen=chosen, recorded=recorded, **overview)
