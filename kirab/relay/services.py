"""Reading the relay: routes with their stops, and the custody of the pataka."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.orm import selectinload

from kirab.database import db
from kirab.regions.models import NATIONAL_TIMEZONE, Office
from kirab.relay.custody import Position, Window, position_at
from kirab.relay.models import Handover, Relay, Route, Stop


@dataclass(frozen=True)
class RouteStatus:
    """A route, its stops in order and its position at one moment."""

    route: Route
    stops: list[Stop]
    at: datetime
    position: Position

    def stop(self, window: Window | None) -> Stop | None:
        """The stop a window of this route stands for."""
        if window is None:
            return None
        return next(stop for stop in self.stops if stop.id == window.stop_id)

    @property
    def holder(self) -> Stop | None:
        """The stop holding the flags, if any."""
        return self.stop(self.position.holder)

    @property
    def next_stop(self) -> Stop | None:
        """The stop the flags go to next, if any."""
        return self.stop(self.position.next)

    @property
    def stops_reached(self) -> int:
        """How many stops have received the flags so far."""
        return sum(1 for stop in self.stops if stop.receives_at <= self.at)


def relay_spans() -> list[tuple[Relay, datetime | None, datetime | None]]:
    """Every relay with when its first stop receives and its last stop hands over (one query).

    A last stop that hands over nothing ends when it receives; a relay
    without stops has no span. Oldest relay first.
    """
    ends = func.coalesce(Stop.hands_over_at, Stop.receives_at)
    rows = db.session.execute(
        db.select(Relay, func.min(Stop.receives_at), func.max(ends))
        .outerjoin(Route, Route.relay_id == Relay.id)
        .outerjoin(Stop, Stop.route_id == Route.id)
        .group_by(Relay.id)
        .order_by(Relay.created_at, Relay.id)
    ).all()
    return [(relay, start, end) for relay, start, end in rows]


def default_relay(spans, at: datetime) -> Relay | None:
    """The relay the public pages show at ``at`` when none is asked for.

    The one under way then, else the next to start, else the one that ended
    last (a relay without stops only when there is nothing else). Among
    several that qualify, the one created last.
    """
    dated = [(relay, start, end) for relay, start, end in spans if start is not None]
    under_way = [relay for relay, start, end in dated if start <= at <= end]
    if under_way:
        return under_way[-1]
    coming = sorted((start, relay.id, relay) for relay, start, _end in dated if start > at)
    if coming:
        return coming[0][2]
    ended = sorted((end, relay.id, relay) for relay, _start, end in dated)
    if ended:
        return ended[-1][2]
    return spans[-1][0] if spans else None


def windows(stops: list[Stop]) -> list[Window]:
    """The custody windows of stops given in route order."""
    return [Window(stop.id, stop.receives_at, stop.hands_over_at) for stop in stops]


def routes_with_stops(relay: Relay, route_id: int | None = None) -> list[Route]:
    """The relay's routes with stops, offices and regions loaded in few queries."""
    query = (
        db.select(Route)
        .where(Route.relay_id == relay.id)
        .options(selectinload(Route.stops).joinedload(Stop.office).joinedload(Office.region))
        .order_by(Route.position, Route.id)
    )
    if route_id is not None:
        query = query.where(Route.id == route_id)
    return list(db.session.execute(query).scalars())


def relay_status(relay: Relay, at: datetime, route_id: int | None = None) -> list[RouteStatus]:
    """The position of every route (or of one) of ``relay`` at ``at``."""
    statuses = []
    for route in routes_with_stops(relay, route_id):
        stops = list(route.stops)
        statuses.append(RouteStatus(route, stops, at, position_at(windows(stops), at)))
    return statuses


def relay_span(statuses: list[RouteStatus]) -> tuple[datetime | None, datetime | None]:
    """When the relay's first stop receives and its last stop receives the flags."""
    starts = [status.stops[0].receives_at for status in statuses if status.stops]
    ends = [status.stops[-1].receives_at for status in statuses if status.stops]
    return (min(starts) if starts else None, max(ends) if ends else None)


def chosen_relay(spans, at: datetime, relay_id: int | None):
    """The relay of ``spans`` numbered ``relay_id``, or the default one at ``at`` without a number.

    Raises LookupError when no relay has that number.
    """
    if relay_id is None:
        return default_relay(spans, at)
    found = next((relay for relay, _start, _end in spans if relay.id == relay_id), None)
    if found is None:
        raise LookupError(relay_id)
    return found


def overview_of(spans, relay, statuses: list[RouteStatus], at: datetime) -> dict:
    """What the public pages show of ``relay`` at ``at`` (see ``relay_overview``)."""
    start, end = relay_span(statuses)
    return {
        "relay": relay,
        "relays": [found for found, _start, _end in spans],
        "statuses": statuses,
        "at": at,
        "start": start,
        "end": end,
        "local_zone": NATIONAL_TIMEZONE,
    }


def relay_overview(at: datetime, relay_id: int | None = None) -> dict | None:
    """What the public pages show of a relay at ``at``: the one asked for, or the default.

    The relay, every relay (to choose another), each route's status, when the
    relay starts and ends (to say when it has not begun or is over), and the
    zone moments are told in. None when ``relay_id`` names no relay.
    """
    spans = relay_spans()
    try:
        relay = chosen_relay(spans, at, relay_id)
    except LookupError:
        return None
    return overview_of(spans, relay, relay_status(relay, at) if relay else [], at)


def recorded_handovers(statuses: list[RouteStatus]) -> dict[int, datetime]:
    """When each stop's incoming handover took place, where it has been recorded.

    Only the fact and time are public; checklists, names and files are not.
    """
    stop_ids = [stop.id for status in statuses for stop in status.stops]
    if not stop_ids:
        return {}
    rows = db.session.execute(
        db.select(Handover.to_stop_id, Handover.actual_at).where(
            Handover.to_stop_id.in_(stop_ids), Handover.actual_at.is_not(None)
        )
    )
    return dict(rows.all())
