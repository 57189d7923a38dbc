"""Where the pataka is at a given moment: pure rules over stop windows.

A stop holds the flags over the half-open window [receives_at, hands_over_at);
the last stop of a route has no end. A gap between two windows is transit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class RouteState(StrEnum):
    """Where a route stands at a moment, as the pages and the status API name it."""

    NOT_STARTED = "not_started"
    HOLDING = "holding"
    IN_TRANSIT = "in_transit"
    FINISHED = "finished"


NOT_STARTED, HOLDING = RouteState.NOT_STARTED, RouteState.HOLDING
IN_TRANSIT, FINISHED = RouteState.IN_TRANSIT, RouteState.FINISHED


@dataclass(frozen=True)
class Window:
    """The time a stop holds the flags; ``hands_over_at`` None means it keeps them."""

    stop_id: int
    receives_at: datetime
    hands_over_at: datetime | None


@dataclass(frozen=True)
class Position:
    """The state of one route at one moment: who holds the flags and who is next."""

    state: RouteState
    holder: Window | None
    next: Window | None


def holds(window: Window, at: datetime) -> bool:
    """Whether the stop of ``window`` holds the flags at ``at`` (half-open)."""
    return window.receives_at <= at and (window.hands_over_at is None or at < window.hands_over_at)


def position_at(windows: Sequence[Window], at: datetime) -> Position:
    """The route's position at ``at``, given its stops' windows in route order.

    Once the last stop has received the flags the route is ``finished`` and
    that stop stays the holder.
    """
    if not windows:
        return Position(NOT_STARTED, None, None)
    if at < windows[0].receives_at:
        return Position(NOT_STARTED, None, windows[0])
    last = windows[-1]
    if at >= last.receives_at:
        return Position(FINISHED, last, None)
    for index, window in enumerate(windows[:-1]):
        if holds(window, at):
            return Position(HOLDING, window, windows[index + 1])
    upcoming = next(window for window in windows if window.receives_at > at)
    return Position(IN_TRANSIT, None, upcoming)
