"""The public agenda (by day, by stop, as a month) and event pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from itertools import groupby

from babel.dates import get_day_names
from flask import Blueprint, Response, abort, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kirab import clock
from kirab.database import db
from kirab.dataversions import GLOBAL, STOPS, region_scope
from kirab.errors import DomainError, bad_request
from kirab.events.advisories import is_outside_stop
from kirab.events.calendar_grid import month_end, month_events, month_weeks, parse_month
from kirab.events.filters import FilterError, local_dates_condition, request_filters
from kirab.events.models import KINDS, Event, event_provinces
from kirab.events.services import (
    events_by_local_day,
    first_event_start,
    followed_events,
    get_event,
    public_event_page,
    public_events,
)
from kirab.events.services import (
    filter_choices as choices_of,
)
from kirab.events.share_card import share_card
from kirab.i18n import to_local
from kirab.pagecache import cached_page, filter_scopes, kept_copies
from kirab.permissions import can_manage_region, can_view_event
from kirab.regions.models import NATIONAL_TIMEZONE, Region
from kirab.relay.services import default_relay, relay_spans

bp = Blueprint("events", __name__)

VIEWS = ("day", "stop", "month")
MONTH_LIMIT = 1000  # events shown in one month at the most


def filters_and_page():
    """Parse the agenda's filters and page from the query string, or answer 400."""
    try:
        return request_filters(request.args)
    except FilterError as error:
        bad_request(error.message)


@dataclass(frozen=True)
class RelayName:
    """A relay as the filter form offers it (kept between requests: no ORM object)."""

    id: int
    name: str


def filter_choices(event_filter) -> dict:
    """What the filter form offers: relays, the chosen relay's routes and regions, dapil, kinds.

    The chosen relay is the one filtered on, else the route's, else the one
    the home page shows now (under way, next, or ended last). Read as
    columns (``events.services.filter_choices``) and kept per process while
    reference data, routes and stops stay as they are: a change to an event
    leaves them, and the choices are read again after any change to those.
    """
    kept = kept_copies((GLOBAL, STOPS))
    spans = kept("agenda.relays", lambda: [
        (RelayName(relay.id, relay.name), start, end) for relay, start, end in relay_spans()
    ])  # fmt: skip
    chosen = event_filter.relay or (event_filter.route.relay if event_filter.route else None)
    relay = RelayName(chosen.id, chosen.name) if chosen else default_relay(spans, clock.now())
    region_code = event_filter.region.code if event_filter.region else None
    choices = kept(("agenda.choices", relay, region_code), lambda: choices_of(relay, region_code))
    return {
        "relays": [found for found, _start, _end in spans],
        "chosen_relay": relay,
        **choices,
        "kinds": KINDS,
    }


def by_stop(events):
    """A page of events grouped by their stop, in the order of the stops."""
    ordered = sorted(events, key=lambda e: (e.stop.receives_at, e.stop_id, e.starts_at))
    return [(stop, list(items)) for stop, items in groupby(ordered, key=lambda e: e.stop)]


def month_view(event_filter):
    """The month grid asked for (``month=YYYY-MM``), or the month of the first event."""
    text = request.args.get("month")
    try:
        if text:
            first = parse_month(text)
        else:
            start = first_event_start(event_filter) or clock.now()
            first = to_local(start, NATIONAL_TIMEZONE).date().replace(day=1)
    except DomainError as error:
        bad_request(error.message)
    # The grid shows times and titles only: those columns as rows, no objects to build,
    # each time formatted once for the chip and the list.
    query = (
        public_events(event_filter, details=False)
        .where(local_dates_condition(first, month_end(first)))
        .with_only_columns(Event.id, Event.title, Event.status, Event.starts_at, Region.timezone)
    )
    events = month_events(db.session.execute(query.limit(MONTH_LIMIT)))
    previous = (first - timedelta(days=1)).replace(day=1)
    following = month_end(first) + timedelta(days=1)
    return {
        "month": first,
        "weeks": month_weeks(first, events),
        "previous_month": previous.strftime("%Y-%m"),
        "next_month": following.strftime("%Y-%m"),
        "day_names": get_day_names("abbreviated", locale=str(get_locale())),
        "total": len(events),
    }


def month_of_today() -> bool:
    """Whether the agenda shows the month of today (a month view with no month and no events)."""
    return request.args.get("view") == "month" and not request.args.get("month")


def shows_today() -> bool:
    """Whether the agenda depends on today: the month of today, or the relay of today's choices.

    Without ``relay`` or ``route`` the filter offers the routes of the relay
    under way (or next, or ended last), which changes with the clock alone.
    """
    return month_of_today() or not (request.args.get("relay") or request.args.get("route"))


@bp.get("/agenda")
@cached_page(lambda: filter_scopes(request.args), clocked=shows_today)
def agenda():
    """Published events by local day, by stop or as a month, filtered as the URL says."""
    event_filter, page, per_page = filters_and_page()
    view = request.args.get("view", "day")
    if view not in VIEWS:
        bad_request(_("view must be one of: %(views)s.", views=", ".join(VIEWS)))
    context = {"filter": event_filter, "view": view, **filter_choices(event_filter)}
    if view == "month":
        context.update(month_view(event_filter))
    else:
        # The cards name the dapil, not the kecamatan: those are not loaded.
        pagination = public_event_page(event_filter, page, per_page, districts=False)
        context.update(
            pagination=pagination,
            days=events_by_local_day(pagination.items),
            stops=by_stop(pagination.items),
        )
    return render_template("events/agenda.html", **context)


@bp.get("/agenda/following")
@login_required
def following():
    """A party representative's own agenda: the regions they follow, their party's invitations."""
    event_filter, page, per_page = filters_and_page()
    query = followed_events(current_user, event_filter)
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return render_template(
        "events/following.html",
        pagination=pagination,
        days=events_by_local_day(pagination.items),
        regions=followed_region_names(current_user.region_codes),
    )


def followed_region_names(codes: list[str]) -> list[str]:
    """The names of the regions a person follows, in the order of their codes."""
    names = dict(
        db.session.execute(db.select(Region.code, Region.name).where(Region.code.in_(codes))).all()
    )
    return [names.get(code, code) for code in sorted(codes)]


def event_scopes(event_id: int) -> list[str]:
    """What an event's page shows: the event (its attendance too) and its stop's province."""
    provinces = event_provinces(db.session.connection(), {event_id})
    return [GLOBAL, f"event:{event_id}", *(region_scope(code) for code in provinces)]


@bp.get("/events/<id:event_id>")
@cached_page(event_scopes)
def show(event_id: int):
    """One event's page; drafts and deleted events are 404 outside the committee."""
    event = get_event(event_id)
    if event is None or not can_view_event(current_user, event):
        abort(404)
    # The attendance figure comes from the attendance area (event_attendance_total).
    # Planners see when the event lies outside its stop (after a recorded handover).
    outside = can_manage_region(current_user, event.stop.office.region_code) and is_outside_stop(
        event
    )
    return render_template("events/show.html", event=event, outside_stop=outside)


@bp.get("/events/<id:event_id>/card.png")
@cached_page(event_scopes)
def card(event_id: int):
    """The event's share card (``og:image``); 404 wherever its page is."""
    event = get_event(event_id)
    if event is None or not can_view_event(current_user, event):
        abort(404)
    return Response(share_card(event), mimetype="image/png")
