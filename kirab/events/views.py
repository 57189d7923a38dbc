"""The public agenda and event pages."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from kirab.attendance.services import attendance_totals
from kirab.database import db
from kirab.errors import bad_request
from kirab.events.filters import FilterError, parse_filters, parse_page
from kirab.events.models import KINDS
from kirab.events.services import get_event, public_events
from kirab.i18n import to_local
from kirab.permissions import can_view_event
from kirab.regions.models import Dapil
from kirab.relay.services import latest_relay, routes_with_stops

bp = Blueprint("events", __name__)


def filters_and_page():
    """Parse the agenda's filters and page from the query string, or answer 400."""
    try:
        event_filter = parse_filters(request.args)
        page, per_page = parse_page(
            request.args,
            current_app.config["PER_PAGE_DEFAULT"],
            current_app.config["PER_PAGE_MAX"],
        )
    except FilterError as error:
        bad_request(error.message)
    return event_filter, page, per_page


@bp.get("/agenda")
def agenda():
    """Published events by local day, filtered as the URL says."""
    event_filter, page, per_page = filters_and_page()
    pagination = db.paginate(
        public_events(event_filter), page=page, per_page=per_page, error_out=False
    )
    days = [
        (day, list(events))
        for day, events in groupby(
            pagination.items, key=lambda e: to_local(e.starts_at, e.timezone).date()
        )
    ]
    relay = latest_relay()
    routes = routes_with_stops(relay) if relay else []
    dapil_choices = db.session.execute(
        db.select(Dapil).order_by(Dapil.region_code, Dapil.number)
    ).scalars()
    return render_template(
        "events/agenda.html",
        filter=event_filter,
        pagination=pagination,
        days=days,
        routes=routes,
        dapil_choices=list(dapil_choices),
        kinds=KINDS,
    )


@bp.get("/events/<id:event_id>")
def show(event_id: int):
    """One event's page; drafts and deleted events are 404 outside the committee."""
    event = get_event(event_id)
    if event is None or not can_view_event(current_user, event):
        abort(404)
    total = attendance_totals([event.id])[event.id]
    return render_template("events/show.html", event=event, attendance_total=total)
