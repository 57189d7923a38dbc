"""The public route page: every route of the relay as a timeline."""

from __future__ import annotations

from flask import Blueprint, render_template

from kirab.main.views import LOCAL_ZONE, chosen_moment
from kirab.relay.services import latest_relay, recorded_handovers, relay_span, relay_status

bp = Blueprint("relay", __name__)


@bp.get("/route")
def route_page():
    """The relay's routes as timelines with the pataka's position at a moment."""
    at, chosen = chosen_moment()
    relay = latest_relay()
    statuses = relay_status(relay, at) if relay else []
    start, end = relay_span(statuses)
    return render_template(
        "relay/route.html",
        relay=relay,
        statuses=statuses,
        at=at,
        chosen=chosen,
        start=start,
        end=end,
        local_zone=LOCAL_ZONE,
        recorded=recorded_handovers(statuses),
    )
