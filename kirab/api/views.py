"""The read-only JSON API (``/api/v1``)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from kirab import clock
from kirab.attendance.services import attendance_totals
from kirab.database import db
from kirab.errors import DomainError, bad_request
from kirab.events.filters import FilterError, parse_filters, parse_page
from kirab.events.serializers import event_json
from kirab.events.services import get_event, public_events
from kirab.i18n import to_local
from kirab.permissions import can_view_event
from kirab.regions.reference import NATIONAL_TIMEZONE
from kirab.relay.models import Relay, Stop
from kirab.relay.moments import parse_moment
from kirab.relay.services import latest_relay, relay_status
from kirab.urls import absolute_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/events")
def events():
    """Published events matching the agenda filters, paginated, oldest first."""
    try:
        event_filter = parse_filters(request.args)
        page, per_page = parse_page(
            request.args,
            current_app.config["PER_PAGE_DEFAULT"],
            current_app.config["PER_PAGE_MAX"],
        )
    except FilterError as error:
        bad_request(error.message)
    pagination = db.paginate(
        public_events(event_filter), page=page, per_page=per_page, error_out=False
    )
    next_url = None
    if pagination.has_next:
        args = request.args.to_dict(flat=False)
        args.update(page=str(page + 1), per_page=str(per_page))
        next_url = absolute_url("api.events", **args)
    totals = attendance_totals([event.id for event in pagination.items])
    return jsonify(
        events=[event_json(event, totals[event.id]) for event in pagination.items],
        page=page,
        per_page=per_page,
        total=pagination.total,
        next=next_url,
    )


@bp.get("/events/<id:event_id>")
def event(event_id: int):
    """One event; drafts and deleted events are 404 outside the committee."""
    found = get_event(event_id)
    if found is None or not can_view_event(current_user, found):
        abort(404)
    return jsonify(event_json(found, attendance_totals([found.id])[found.id]))


def stop_json(stop: Stop | None, time_key: str, moment) -> dict | None:
    """A stop as the relay status shows it, with one of its times."""
    if stop is None:
        return None
    return {
        "stop_id": stop.id,
        "region_code": stop.office.region_code,
        "region_name": stop.office.region.name,
        time_key: to_local(moment, stop.timezone).isoformat() if moment else None,
    }


@bp.get("/relay/status")
def status():
    """Where the pataka of every route is at ``at`` (default: now)."""
    try:
        if "at" in request.args:
            at = parse_moment(request.args["at"])
        else:  # now, told in WIB like the national office's clock
            at = to_local(clock.now(), NATIONAL_TIMEZONE)
    except DomainError as error:
        bad_request(error.message)
    relay_id = request.args.get("relay")
    route_id = request.args.get("route")
    for name, value in (("relay", relay_id), ("route", route_id)):
        if value is not None and not (value.isdigit() and len(value) <= 9):
            bad_request(_("%(name)s must be a whole number.", name=name))
    relay = db.session.get(Relay, int(relay_id)) if relay_id else latest_relay()
    if relay is None:
        abort(404)
    statuses = relay_status(relay, at, int(route_id) if route_id else None)
    if route_id and not statuses:
        abort(404)
    routes = []
    for item in statuses:
        holder, upcoming = item.holder, item.next_stop
        routes.append(
            {
                "route": {"id": item.route.id, "name": item.route.name},
                "state": item.position.state,
                "holder": stop_json(holder, "since", holder.receives_at if holder else None),
                "next": stop_json(
                    upcoming, "handover_at", upcoming.receives_at if upcoming else None
                ),
            }
        )
    return jsonify(
        at=at.isoformat(),
        relay={"id": relay.id, "name": relay.name},
        routes=routes,
    )
