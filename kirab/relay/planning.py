"""Planning the relay: relays, routes and stops, with the rules of ``rules.py``.

Services in the house style: they take models, values and the acting user,
raise DomainError with a message and the field it concerns, flush but never
commit, and record every change in the audit log. The web and the CLI both
call them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from flask_babel import gettext as _
from sqlalchemy import func

from kirab import clock
from kirab.audit.services import record
from kirab.database import db
from kirab.errors import DomainError
from kirab.events.models import Event
from kirab.events.warnings import refuse_stranding
from kirab.i18n import local_datetime
from kirab.params import FIRST_YEAR, LAST_YEAR, plausible
from kirab.regions.models import Office
from kirab.relay.custody import Window
from kirab.relay.models import Handover, Relay, Route, Stop
from kirab.relay.rules import (
    ENDS_BEFORE_START,
    OPEN_END,
    OVERLAP,
    TOO_EARLY,
    TOO_LATE,
    Hosting,
    Problem,
    RuleBroken,
    double_hosting,
    route_problems,
    shift_windows,
    swap_with_next,
)
from kirab.text import clean_text

NAME_MAX, VENUE_MAX, TEXT_MAX = 120, 200, 2000
# A shift beyond this is a new plan rather than a delay.
MAX_SHIFT = timedelta(days=90)


def problem_message(problem: Problem, names: Sequence[str]) -> str:
    """A planning problem told with the offices' names."""
    name = names[problem.index]
    other = names[problem.other] if problem.other is not None else ""
    messages = {
        OVERLAP: lambda: _(
            "%(later)s would receive the flags before %(earlier)s hands them over; "
            "stops of a route may not overlap.",
            later=name,
            earlier=other,
        ),
        ENDS_BEFORE_START: lambda: _(
            "%(name)s would hand over the flags before receiving them.", name=name
        ),
        OPEN_END: lambda: _(
            "Only the last stop may keep the flags; %(name)s needs a hand-over time.", name=name
        ),
        TOO_EARLY: lambda: _(
            "The handover cannot be before %(name)s received the flags.", name=name
        ),
        TOO_LATE: lambda: _(
            "The handover cannot be after %(name)s is to hand the flags on; "
            "shift the later stops first.",
            name=name,
        ),
    }
    return messages[problem.code]()


def windows_of(stops: Sequence[Stop]) -> list[Window]:
    """The custody windows of stops in route order."""
    return [Window(stop.id, stop.receives_at, stop.hands_over_at) for stop in stops]


def ordered_stops(route: Route) -> list[Stop]:
    """The route's stops in order, read afresh from the database."""
    return list(
        db.session.execute(
            db.select(Stop).where(Stop.route_id == route.id).order_by(Stop.position)
        ).scalars()
    )


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


def find_office(region_code: str, field: str = "region_code") -> Office:
    """The KPU office of a region code (``RI``, a province or a kabupaten/kota)."""
    code = (region_code or "").strip()
    if code.upper() == "RI":
        code = "RI"
    if not code:
        raise DomainError(_("Enter the region code of the host office, e.g. 32.16 or RI."), field)
    office = db.session.execute(
        db.select(Office).where(Office.region_code == code)
    ).scalar_one_or_none()
    if office is None:
        raise DomainError(_("No KPU office has the region code %(code)s.", code=code[:20]), field)
    return office


def renumber(stops: Sequence[Stop]) -> None:
    """Give the stops positions 1..n in the order given.

    Positions are unique per route, so they pass through negative values
    first: no two stops hold one position at any moment, on any database.
    """
    for index, stop in enumerate(stops, start=1):
        stop.position = -index
    db.session.flush()
    for index, stop in enumerate(stops, start=1):
        stop.position = index
    db.session.flush()


def route_handovers(route: Route) -> list[Handover]:
    """Every handover between stops of the route."""
    stop_ids = db.select(Stop.id).where(Stop.route_id == route.id)
    return list(
        db.session.execute(db.select(Handover).where(Handover.from_stop_id.in_(stop_ids))).scalars()
    )


def relink_handovers(route: Route, stops: Sequence[Stop]) -> None:
    """Make the handovers link exactly the consecutive stops given, in order.

    A handover already linking a pair is kept; one linking a pair that no
    longer follows each other goes, unless it has been recorded (an actual
    time, a scan, photos): the custody chain is never rewritten.
    """
    pairs = {(a.id, b.id): (a, b) for a, b in pairwise(stops)}
    existing = {(h.from_stop_id, h.to_stop_id): h for h in route_handovers(route)}
    for key, handover in existing.items():
        if key in pairs:
            continue
        if handover.actual_at is not None or handover.files:
            raise DomainError(
                _(
                    "The handover from %(giving)s to %(receiving)s has been recorded; "
                    "the change would undo it.",
                    giving=handover.from_stop.office.name,
                    receiving=handover.to_stop.office.name,
                ),
                None,
            )
        db.session.delete(handover)
    db.session.flush()
    for key, (giving, receiving) in pairs.items():
        handover = existing.get(key)
        if handover is None:
            handover = Handover(
                from_stop=giving,
                to_stop=receiving,
                planned_at=receiving.receives_at,
                venue=receiving.venue,
                items={},
                signatories={},
            )
            db.session.add(handover)
        elif handover.actual_at is None:
            handover.planned_at = receiving.receives_at
    db.session.flush()


def _check(windows: Sequence[Window], names: Sequence[str], field: str | None) -> None:
    """Raise DomainError with the first problem of the windows, told with names."""
    problems = route_problems(windows)
    if problems:
        raise DomainError(problem_message(problems[0], names), field)


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
    _check(windows, names, "receives")
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
    has_events = db.session.execute(db.select(Event.id).where(Event.stop_id == stop.id)).first()
    if has_events:
        raise DomainError(
            _("%(name)s has events on its agenda; move or delete them first.",
              name=stop.office.name),
            None,
        )  # fmt: skip
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


def move_events(stop: Stop, delta: timedelta) -> list[tuple[Event, datetime]]:
    """Move every live event of ``stop`` by ``delta``; return them with their old start."""
    moved = []
    now = clock.now()
    events = db.session.execute(
        db.select(Event).where(Event.stop_id == stop.id, Event.deleted_at.is_(None))
    ).scalars()
    for event in events:
        moved.append((event, event.starts_at))
        event.starts_at += delta
        event.ends_at += delta
        # Calendar subscribers see the change because the sequence rises.
        event.sequence += 1
        event.updated_at = now
    return moved


def move_stop(stop: Stop, direction: str, *, actor) -> None:
    """Move a stop one place up or down; the two stops exchange their slots in time.

    Each keeps its length of stay and its events move with it.
    """
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
    recorded = [h for h in route_handovers(stop.route) if h.actual_at is not None]
    touched = {s.id for s in pair}
    if any(h.to_stop_id in touched for h in recorded):
        raise DomainError(
            _("A handover to one of these stops has been recorded; they cannot change places."),
            None,
        )
    new_windows = {window.stop_id: window for window in swapped}
    for moving in pair:
        window = new_windows[moving.id]
        delta = window.receives_at - moving.receives_at
        move_events(moving, delta)
        moving.receives_at, moving.hands_over_at = window.receives_at, window.hands_over_at
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


def update_stop_details(stop: Stop, *, actor, venue: str, contacts: str, notes: str) -> Stop:
    """Change the venue, contacts and notes of a stop (organizers of its region)."""
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


@dataclass(frozen=True)
class StopMove:
    """One stop's window before and after a shift."""

    stop: Stop
    old: Window
    new: Window


@dataclass(frozen=True)
class ShiftPlan:
    """What a shift will move: stops, events, and a token of the state it was made on."""

    stop: Stop
    delta: timedelta
    moves: list[StopMove]
    events: list[Event]
    basis: str


def _basis(stops: Sequence[Stop], events: Sequence[Event], delta: timedelta) -> str:
    """A short fingerprint of the route and events a plan was made on."""
    parts = [str(delta.total_seconds())]
    parts += [f"{s.id}:{s.position}:{s.receives_at}:{s.hands_over_at}" for s in stops]
    parts += [f"{e.id}:{e.starts_at}:{e.ends_at}" for e in sorted(events, key=lambda e: e.id)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


def plan_shift(stop: Stop, delta: timedelta) -> ShiftPlan:
    """What shifting ``stop`` by ``delta`` moves, checked against the rules.

    The stop and every later stop of its route move by ``delta`` with all
    their events; the previous stop hands over later (or earlier) when the
    two met at one instant. Stops whose handover has been recorded stay.
    """
    if not delta:
        raise DomainError(_("Enter a shift other than zero."), "amount")
    if abs(delta) > MAX_SHIFT:
        raise DomainError(_("A shift may be at most 90 days."), "amount")
    stops = ordered_stops(stop.route)
    index = next(i for i, other in enumerate(stops) if other.id == stop.id)
    recorded = {h.to_stop_id: h for h in route_handovers(stop.route) if h.actual_at is not None}
    for later in stops[index:]:
        if later.id in recorded:
            raise DomainError(
                _(
                    "The handover to %(name)s was recorded at %(time)s; "
                    "stops whose handover took place cannot be shifted.",
                    name=later.office.name,
                    time=local_datetime(recorded[later.id].actual_at, later.timezone),
                ),
                "amount",
            )
    old_windows = windows_of(stops)
    try:
        new_windows = shift_windows(old_windows, index, delta)
    except RuleBroken as error:
        names = [s.office.name for s in stops]
        raise DomainError(problem_message(error.problem, names), "amount") from None
    moves = [
        StopMove(s, old, new)
        for s, old, new in zip(stops, old_windows, new_windows, strict=True)
        if old != new
    ]
    for move in moves:
        if move.stop.position < stop.position:  # its events stay, its window changes
            refuse_stranding(move.stop, move.new.receives_at, move.new.hands_over_at, "amount")
    moved_ids = [s.id for s in stops[index:]]
    events = list(
        db.session.execute(
            db.select(Event)
            .where(Event.stop_id.in_(moved_ids), Event.deleted_at.is_(None))
            .order_by(Event.starts_at, Event.id)
        ).scalars()
    )
    return ShiftPlan(stop, delta, moves, events, _basis(stops, events, delta))


def apply_shift(stop: Stop, delta: timedelta, *, actor, basis: str | None = None) -> ShiftPlan:
    """Shift ``stop`` and everything after it by ``delta``: all of it or nothing.

    With ``basis`` (from the preview) the shift is refused when the route or
    its events changed since the preview was shown.
    """
    plan = plan_shift(stop, delta)
    if basis is not None and basis != plan.basis:
        raise DomainError(
            _("The route has changed since the preview; look at the new preview and confirm."),
            None,
        )
    now = clock.now()
    for move in plan.moves:
        move.stop.receives_at = move.new.receives_at
        move.stop.hands_over_at = move.new.hands_over_at
    old_starts = {}
    for event in plan.events:
        old_starts[event.id] = event.starts_at
        event.starts_at += delta
        event.ends_at += delta
        event.sequence += 1
        event.updated_at = now
    db.session.flush()
    relink_handovers(stop.route, ordered_stops(stop.route))
    record(
        actor,
        "stop.shift",
        stop,
        route=stop.route_id,
        hours=delta.total_seconds() / 3600,
        stops=[
            {
                "stop": move.stop.id,
                "region": move.stop.region_code,
                "receives_at": [move.old.receives_at, move.new.receives_at],
                "hands_over_at": [move.old.hands_over_at, move.new.hands_over_at],
            }
            for move in plan.moves
        ],
        events=[event.id for event in plan.events],
    )
    for event in plan.events:
        record(
            actor,
            "event.shift",
            event,
            stop=event.stop_id,
            starts_at=[old_starts[event.id], event.starts_at],
            hours=delta.total_seconds() / 3600,
        )
    return plan


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
