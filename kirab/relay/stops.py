"""A route's stops in order: positions, the handovers between neighbours, problems in words.

The shared groundwork of planning, shifting, importing and recording
handovers; it applies no change a person asked for on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from flask_babel import gettext as _
from sqlalchemy import update

from kirab.database import db
from kirab.errors import DomainError
from kirab.regions.models import Office
from kirab.relay.custody import Window
from kirab.relay.models import Handover, Route, Stop
from kirab.relay.rules import (
    ENDS_BEFORE_START,
    OPEN_END,
    OVERLAP,
    TOO_EARLY,
    TOO_LATE,
    Problem,
    route_problems,
)

NAME_MAX, VENUE_MAX, TEXT_MAX = 120, 200, 2000


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


def lock_route(route: Route) -> None:
    """Make the caller the only one changing the route until its transaction ends, then re-read.

    Every service that changes a route's stops or their times calls this
    before reading what it will change, so two changes of one route run one
    after the other and the later one sees the earlier one's result.
    PostgreSQL holds the route's row (``SELECT ... FOR UPDATE``). SQLite
    has one writer at a time, but a transaction takes the write lock only at
    its first write: touching the row takes it now, before the reads.
    The routes, stops and handovers the session loaded before may be out of
    date, so they are expired and read again on use. (Events belong to the
    events area, which queries the ones that move when it is told.)
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            update(Route).where(Route.id == route.id).values(position=Route.position),
            execution_options={"synchronize_session": False},
        )
    else:
        db.session.execute(db.select(Route.id).where(Route.id == route.id).with_for_update())
    for instance in list(db.session.identity_map.values()):
        if isinstance(instance, (Route, Stop, Handover)):
            db.session.expire(instance)


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


def check(windows: Sequence[Window], names: Sequence[str], field: str | None) -> None:
    """Raise DomainError with the first problem of the windows, told with names."""
    problems = route_problems(windows)
    if problems:
        raise DomainError(problem_message(problems[0], names), field)


def recorded_handovers(route: Route) -> dict[int, Handover]:
    """The route's handovers that took place (an actual time), by the receiving stop's id."""
    return {h.to_stop_id: h for h in route_handovers(route) if h.actual_at is not None}
