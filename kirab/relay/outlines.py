"""The relays as plain values, kept per process while reference data, routes and stops stay.

The home page shows where the flags are on every route. Its routes, stops,
offices and zones change only with the ``global`` and ``stops`` scopes, while
the page itself is rendered again after any change to an event (it lists the
day's events at the holding stops). So the relay is read once per process
and per version of those scopes, as plain values (no ORM objects), and each
request only works out the position at its moment from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from kirab.dataversions import GLOBAL, STOPS
from kirab.pagecache import kept_copies
from kirab.relay.custody import Window, position_at
from kirab.relay.presets import Handover, handovers_of
from kirab.relay.services import (
    RouteStatus,
    chosen_relay,
    overview_of,
    relay_spans,
    routes_with_stops,
    windows,
)


@dataclass(frozen=True)
class RelayOutline:
    """A relay by its number and name."""

    id: int
    name: str


@dataclass(frozen=True)
class RouteOutline:
    """A route by its number and name."""

    id: int
    name: str


@dataclass(frozen=True)
class OfficeOutline:
    """The office hosting a stop: its name and its region's code."""

    name: str
    region_code: str


@dataclass(frozen=True)
class StopOutline:
    """A stop as the position pages show it: when it holds the flags, where, in which zone."""

    id: int
    receives_at: datetime
    hands_over_at: datetime | None
    timezone: str
    office: OfficeOutline


@dataclass(frozen=True)
class RouteChain:
    """A route with its stops in order and their custody windows."""

    route: RouteOutline
    stops: list[StopOutline]
    windows: list[Window]


@dataclass(frozen=True)
class RelayChains:
    """A relay's routes and every arrival of the flags along them, in time order."""

    chains: list[RouteChain]
    handovers: list[Handover]


def _spans() -> list[tuple[RelayOutline, datetime | None, datetime | None]]:
    """Every relay with its span (``relay_spans``), as plain values."""
    return [(RelayOutline(relay.id, relay.name), start, end) for relay, start, end in relay_spans()]


def _chains(relay: RelayOutline) -> RelayChains:
    """A relay's routes with their stops (``routes_with_stops``), as plain values."""
    chains = []
    for route in routes_with_stops(relay):
        stops = [
            StopOutline(stop.id, stop.receives_at, stop.hands_over_at, stop.timezone,
                        OfficeOutline(stop.office.name, stop.office.region_code))
            for stop in route.stops
        ]  # fmt: skip
        chains.append(RouteChain(RouteOutline(route.id, route.name), stops, windows(stops)))
    return RelayChains(chains, handovers_of(chains))


def kept_overview(at: datetime, relay_id: int | None = None) -> dict | None:
    """``relay_overview`` from plain values kept while reference data, routes and stops stay.

    The same keys (relay, relays, statuses, at, start, end, local_zone) and
    ``handovers``; None when ``relay_id`` names no relay. One small query
    (the versions) when kept, the relay's few queries after a change.
    """
    kept = kept_copies((GLOBAL, STOPS))
    spans = kept("relay.outlines", _spans)
    try:
        relay = chosen_relay(spans, at, relay_id)
    except LookupError:
        return None
    chains = kept(("relay.chains", relay), lambda: _chains(relay)) if relay else RelayChains([], [])
    # Compared in UTC, as the stops' times are: a moment in another zone costs its offset
    # at every comparison, and a relay has hundreds of them.
    instant = at.astimezone(UTC)
    statuses = [
        RouteStatus(chain.route, chain.stops, at, position_at(chain.windows, instant))
        for chain in chains.chains
    ]
    return {**overview_of(spans, relay, statuses, at), "handovers": chains.handovers}
