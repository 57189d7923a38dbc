"""Reading the relay: routes with their stops, and the custody of the pataka."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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


def latest_relay() -> Relay | None:
    """The most recently created relay."""
    return db.session.execute(
        db.select(Relay).order_by(Relay.created_at.desc(), Relay.id.desc()).limit(1)
    ).scalar_one_or_none()


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


def relay_overview(at: datetime) -> dict:
    """What the public pages show of the latest relay at ``at``.

    The relay, each route's status, when the relay starts and ends (to say
    when it has not begun or is over), and the zone moments are told in.
    """
    relay = latest_relay()
    statuses = relay_status(relay, at) if relay else []
    start, end = relay_span(statuses)
    return {
        "relay": relay,
        "statuses": statuses,
        "at": at,
        "start": start,
        "end": end,
        "local_zone": NATIONAL_TIMEZONE,
    }


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
