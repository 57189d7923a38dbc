"""The read-only JSON API (``/api/v1``)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from kirab import clock
from kirab.attendance.services import attendance_totals
from kirab.changes.queries import changes_query
from kirab.changes.serializers import change_json
from kirab.changes.wording import describe
from kirab.compression import client_etag
from kirab.database import db
from kirab.dataversions import GLOBAL, STOPS
from kirab.errors import DomainError, bad_request
from kirab.events.filters import FilterError, request_filters
from kirab.events.serializers import event_json
from kirab.events.services import get_event, public_event_rows
from kirab.i18n import to_local
from kirab.pagecache import cached_page, filter_scopes, shows_now
from kirab.params import whole_number
from kirab.permissions import can_view_event
from kirab.regions.models import NATIONAL_TIMEZONE
from kirab.relay.models import Relay, Stop
from kirab.relay.moments import parse_moment
from kirab.relay.services import default_relay, relay_spans, relay_status
from kirab.urls import absolute_url, current_url, id_links

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def conditional(response):
    """Tag a response with a strong ETag of its body; a matching If-None-Match gets 304.

    The client may hold the compressed form, whose tag has the coding appended.
    """
    response.add_etag()
    matched = client_etag(response.get_etag()[0])
    if matched is not None:
        response.set_etag(matched)
    return response.make_conditional(request)


@bp.get("/events")
@cached_page(lambda: filter_scopes(request.args, attendance=True))
def events():
    """Published events matching the agenda filters, paginated, oldest first."""
    try:
        event_filter, page, per_page = request_filters(request.args)
    except FilterError as error:
        bad_request(error.message)
    # Read as columns: building 500 events with their stops, offices and regions cost
    # more than everything else the list does.
    items, total = public_event_rows(event_filter, page, per_page)
    next_url = None
    if page * per_page < total:
        next_url = current_app.config["BASE_URL"] + current_url(page=page + 1, per_page=per_page)
    totals = attendance_totals([event.id for event in items])
    link = id_links("events.show", "event_id")
    return conditional(
        jsonify(
            events=[event_json(event, totals[event.id], link) for event in items],
            page=page,
            per_page=per_page,
            total=total,
            next=next_url,
        )
    )


@bp.get("/changes")
@cached_page(lambda: filter_scopes(request.args))
def changes():
    """The change log of the agenda filters, newest first, paginated (as ``/changes``)."""
    try:
        event_filter, page, per_page = request_filters(request.args)
    except FilterError as error:
        bad_request(error.message)
    pagination = db.paginate(
        changes_query(event_filter), page=page, per_page=per_page, error_out=False
    )
    items = describe(
        pagination.items, lambda event_id: absolute_url("events.show", event_id=event_id)
    )
    next_url = None
    if pagination.has_next:
        next_url = current_app.config["BASE_URL"] + current_url(page=page + 1, per_page=per_page)
    return conditional(
        jsonify(
            changes=[change_json(c, i) for c, i in zip(pagination.items, items, strict=True)],
            page=page,
            per_page=per_page,
            total=pagination.total,
            next=next_url,
        )
    )


@bp.get("/events/<id:event_id>")
def event(event_id: int):
    """One event; drafts and deleted events are 404 outside the committee."""
    found = get_event(event_id)
    if found is None or not can_view_event(current_user, found):
        abort(404)
    return conditional(jsonify(event_json(found, attendance_totals([found.id])[found.id])))


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


def whole_number_arg(name: str) -> int | None:
    """An optional id from the query string; a malformed one is a 400."""
    text = request.args.get(name)
    if text is None:
        return None
    number = whole_number(text)
    if number is None:
        bad_request(_("%(name)s must be a whole number.", name=name))
    return number


@bp.get("/relay/status")
@cached_page(lambda: (GLOBAL, STOPS), clocked=shows_now)
def status():
    """Where the pataka of every route is at ``at`` (default: now)."""
    try:
        if "at" in request.args:
            at = parse_moment(request.args["at"])
        else:  # now, told in WIB like the national office's clock
            at = to_local(clock.now(), NATIONAL_TIMEZONE)
    except DomainError as error:
        bad_request(error.message)
    relay_id, route_id = whole_number_arg("relay"), whole_number_arg("route")
    if relay_id is not None:
        relay = db.session.get(Relay, relay_id)
    else:  # as the home page: the relay under way, else the next, else the one that ended last
        relay = default_relay(relay_spans(), at)
    if relay is None:
        abort(404)
    statuses = relay_status(relay, at, route_id)
    if route_id is not None and not statuses:
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
