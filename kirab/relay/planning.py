"""Planning the relay: relays, routes and stops, with the rules of ``rules.py``.

Services in the house style: they take models, values and the acting user,
raise DomainError with a message and the field it concerns, flush but never
commit, and record every change in the audit log. The web and the CLI both
call them. What lies on a stop's agenda belongs to the events area, told
through the signals of ``signals.py``.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func

from kirab import clock
from kirab.audit.services import check_version, record
from kirab.database import db
from kirab.errors import DomainError
from kirab.params import FIRST_YEAR, LAST_YEAR, plausible
from kirab.relay.custody import Window
from kirab.relay.models import Relay, Route, Stop
from kirab.relay.rules import Hosting, RuleBroken, double_hosting, swap_with_next
from kirab.relay.shifts import ShiftPlan, StopMove, apply_shift, plan_shift
from kirab.relay.signals import stop_removing, stops_moved
from kirab.relay.stops import (
    NAME_MAX,
    TEXT_MAX,
    VENUE_MAX,
    check,
    find_office,
    lock_route,
    ordered_stops,
    problem_message,
    recorded_handovers,
    relink_handovers,
    renumber,
    route_handovers,
    windows_of,
)
from kirab.text import clean_text

# The shift services and the groundwork are planning's too; callers find them here.
__all__ = [
    "ShiftPlan",
    "StopMove",
    "apply_shift",
    "create_relay",
    "create_route",
    "find_office",
    "hosting_warnings",
    "insert_stop",
    "move_stop",
    "ordered_stops",
    "plan_shift",
    "relink_handovers",
    "remove_stop",
    "route_handovers",
    "update_stop_details",
    "windows_of",
]


def _required_name(name: str | None) -> str:
    """A name that is present and not too long."""
    name = clean_text(name, "name", NAME_MAX)
    if not name:
        raise DomainError(_("Enter a name."), "name")
    return name


def create_relay(name: str, *, actor) -> Relay:
    """Create a relay such as "Kirab Pemilu 2024"; names are unique."""
    name = _required_name(name)
    if db.session.execute(db.select(Relay.id).where(Relay.name == name)).first():
        raise DomainError(_("A relay with this name already exists."), "name")
    relay = Relay(name=name)
    db.session.add(relay)
    db.session.flush()
    record(actor, "relay.create", relay, name=name)
    return relay


def create_route(relay: Relay, name: str, *, actor) -> Route:
    """Add a route (jalur) to a relay; names are unique within the relay."""
    name = _required_name(name)
    taken = db.session.execute(
        db.select(Route.id).where(Route.relay_id == relay.id, Route.name == name)
    ).first()
    if taken:
        raise DomainError(_("This relay already has a route with this name."), "name")
    last = db.session.execute(
        db.select(func.max(Route.position)).where(Route.relay_id == relay.id)
    ).scalar()
    route = Route(relay=relay, name=name, position=(last or 0) + 1)
    db.session.add(route)
    db.session.flush()
    record(actor, "route.create", route, relay=relay.id, name=name)
    return route


def insert_stop(
    route: Route,
    *,
    actor,
    region_code: str,
    receives_at: datetime,
    hands_over_at: datetime | None,
    venue: str = "",
    position: int | None = None,
) -> Stop:
    """Insert a stop at ``position`` (1 is first; None appends) and link its handovers."""
    office = find_office(region_code)
    venue = clean_text(venue, "venue", VENUE_MAX)
    lock_route(route)
    stops = ordered_stops(route)
    if position is None:
        position = len(stops) + 1
    if not 1 <= position <= len(stops) + 1:
        raise DomainError(
            _("The position must be between 1 and %(n)d.", n=len(stops) + 1), "position"
        )
    if any(stop.office_id == office.id for stop in stops):
        raise DomainError(
            _("%(name)s is already a stop of this route.", name=office.name), "region_code"
        )
    for moment, field in ((receives_at, "receives_date"), (hands_over_at, "hands_over_date")):
        if moment is not None and not plausible(moment):
            raise DomainError(
                _("Dates must lie between the years %(first)d and %(last)d.",
                  first=FIRST_YEAR, last=LAST_YEAR),
                field,
            )  # fmt: skip
    if hands_over_at is not None and hands_over_at <= receives_at:
        raise DomainError(_("The hand-over time must come after the receiving time."), "hands_over")
    windows = windows_of(stops)
    windows.insert(position - 1, Window(0, receives_at, hands_over_at))
    names = [stop.office.name for stop in stops]
    names.insert(position - 1, office.name)
    check(windows, names, "receives")
    stop = Stop(
        route=route,
        position=len(stops) + 1,
        office=office,
        receives_at=receives_at,
        hands_over_at=hands_over_at,
        venue=venue,
    )
    db.session.add(stop)
    db.session.flush()
    stops.insert(position - 1, stop)
    renumber(stops)
    relink_handovers(route, stops)
    record(
        actor,
        "stop.create",
        stop,
        route=route.id,
        position=position,
        region=office.region_code,
        receives_at=receives_at,
        hands_over_at=hands_over_at,
    )
    return stop


def remove_stop(stop: Stop, *, actor) -> None:
    """Remove a stop that has no events; its neighbours are linked by a new handover."""
    route = stop.route
    lock_route(route)
    stop_removing.send(stop)
    remaining = [other for other in ordered_stops(route) if other.id != stop.id]
    relink_handovers(route, remaining)
    details = dict(
        route=route.id,
        position=stop.position,
        region=stop.region_code,
        receives_at=stop.receives_at,
        hands_over_at=stop.hands_over_at,
    )
    record(actor, "stop.delete", stop, **details)
    db.session.delete(stop)
    db.session.flush()
    renumber(remaining)


def move_stop(stop: Stop, direction: str, *, actor) -> None:
    """Move a stop one place up or down; the two stops exchange their slots in time.

    Each keeps its length of stay and its events move with it.
    """
    lock_route(stop.route)
    stops = ordered_stops(stop.route)
    index = next(i for i, other in enumerate(stops) if other.id == stop.id)
    first = index - 1 if direction == "up" else index
    if direction not in ("up", "down") or not 0 <= first < len(stops) - 1:
        raise DomainError(_("This stop cannot move further that way."), None)
    names = [other.office.name for other in stops]
    try:
        swapped = swap_with_next(windows_of(stops), first)
    except RuleBroken as error:
        raise DomainError(problem_message(error.problem, names), None) from None
    pair = stops[first : first + 2]
    recorded = recorded_handovers(stop.route)
    if any(moving.id in recorded for moving in pair):
        raise DomainError(
            _("A handover to one of these stops has been recorded; they cannot change places."),
            None,
        )
    new_windows = {window.stop_id: window for window in swapped}
    moves = [(moving, new_windows[moving.id].receives_at - moving.receives_at) for moving in pair]
    for moving in pair:
        window = new_windows[moving.id]
        moving.receives_at, moving.hands_over_at = window.receives_at, window.hands_over_at
    stops_moved.send(stop, moves=moves, actor=actor, now=clock.now(), cause="stop.move")
    stops[first], stops[first + 1] = stops[first + 1], stops[first]
    renumber(stops)
    relink_handovers(stop.route, stops)
    record(
        actor,
        "stop.move",
        stop,
        route=stop.route_id,
        direction=direction,
        order=[s.office.region_code for s in stops],
    )


def update_stop_details(
    stop: Stop,
    *,
    actor,
    venue: str,
    contacts: str,
    notes: str,
    expected_version: int | None = None,
) -> Stop:
    """Change the venue, contacts and notes of a stop (organizers of its region).

    With ``expected_version``, a stop saved (or moved) since then is refused with ``StaleEdit``.
    """
    check_version(stop, expected_version)
    venue = clean_text(venue, "venue", VENUE_MAX)
    contacts = clean_text(contacts, "contacts", TEXT_MAX, multiline=True)
    notes = clean_text(notes, "notes", TEXT_MAX, multiline=True)
    changes = {
        key: value
        for key, value in (("venue", venue), ("contacts", contacts), ("notes", notes))
        if getattr(stop, key) != value
    }
    for key, value in changes.items():
        setattr(stop, key, value)
    db.session.flush()
    record(actor, "stop.update", stop, **changes)
    return stop


def hosting_warnings(relay: Relay) -> list[tuple[Stop, Stop]]:
    """Stops of different routes that one office hosts at the same time (a warning)."""
    stops = list(
        db.session.execute(
            db.select(Stop).join(Stop.route).where(Route.relay_id == relay.id)
        ).scalars()
    )
    last = {}
    for stop in stops:
        if stop.position > last.get(stop.route_id, 0):
            last[stop.route_id] = stop.position
    hosting = [
        Hosting(s.id, s.office_id, s.route_id, s.receives_at, s.hands_over_at,
                s.position == last[s.route_id])
        for s in stops
    ]  # fmt: skip
    by_id = {stop.id: stop for stop in stops}
    return [(by_id[a], by_id[b]) for a, b in double_hosting(hosting)]
