"""The planning rules of a route, as pure functions over stop windows.

Stops hold the flags over half-open windows [receives_at, hands_over_at),
given here in route order. Nothing in this module touches the database or
Flask, so the rules are tested on plain values; the services turn a
``Problem`` into a message for people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import pairwise

from kirab.relay.custody import Window

# Kinds of problem a route plan can have.
ENDS_BEFORE_START = "ends_before_start"  # a window that is empty or runs backwards
OPEN_END = "open_end"  # a stop other than the last one never hands over
OVERLAP = "overlap"  # a stop receives before the previous one has handed over
TOO_EARLY = "too_early"  # a handover before the giving stop received the flags
TOO_LATE = "too_late"  # a handover after the receiving stop was to hand them on


@dataclass(frozen=True)
class Problem:
    """A broken rule at ``index`` (in route order); ``other`` is the stop it clashes with."""

    code: str
    index: int
    other: int | None = None


class RuleBroken(Exception):
    """A change that would break a planning rule."""

    def __init__(self, problem: Problem):
        super().__init__(problem.code)
        self.problem = problem


def route_problems(windows: Sequence[Window]) -> list[Problem]:
    """Every broken rule of a route's windows: empty windows, open ends, overlaps.

    Only the last stop may keep the flags (no ``hands_over_at``); each
    stop must receive no earlier than the previous one hands over. A gap
    between the two is transit, which is allowed.
    """
    problems = []
    last = len(windows) - 1
    for index, window in enumerate(windows):
        if window.hands_over_at is None:
            if index != last:
                problems.append(Problem(OPEN_END, index))
        elif window.hands_over_at <= window.receives_at:
            problems.append(Problem(ENDS_BEFORE_START, index))
    for index, (earlier, later) in enumerate(pairwise(windows)):
        if earlier.hands_over_at is not None and later.receives_at < earlier.hands_over_at:
            problems.append(Problem(OVERLAP, index + 1, index))
    return sorted(problems, key=lambda problem: problem.index)


def check_route(windows: Sequence[Window]) -> None:
    """Raise RuleBroken with the first problem of the route, if it has one."""
    problems = route_problems(windows)
    if problems:
        raise RuleBroken(problems[0])


def transit_gaps(windows: Sequence[Window]) -> dict[int, timedelta]:
    """The transit time before each stop that the previous stop does not reach, by index."""
    gaps = {}
    for index, (earlier, later) in enumerate(pairwise(windows), start=1):
        if earlier.hands_over_at is not None and later.receives_at > earlier.hands_over_at:
            gaps[index] = later.receives_at - earlier.hands_over_at
    return gaps


def shift_windows(windows: Sequence[Window], index: int, delta: timedelta) -> list[Window]:
    """The route after shifting stop ``index`` and every later stop by ``delta``.

    The previous stop hands over at the shifted stop's new start when the
    two met at one instant (the normal handover): a late handover keeps the
    flags longer where they are. Across a transit gap the previous stop
    keeps its time and the gap changes. The result is checked: a shift that
    makes stops overlap or empties a window raises RuleBroken.
    """
    if not 0 <= index < len(windows):
        raise IndexError(index)
    moved = list(windows[:index])
    if index > 0 and moved[-1].hands_over_at == windows[index].receives_at:
        previous = moved[-1]
        moved[-1] = replace(previous, hands_over_at=previous.hands_over_at + delta)
    for window in windows[index:]:
        moved.append(
            replace(
                window,
                receives_at=window.receives_at + delta,
                hands_over_at=window.hands_over_at + delta if window.hands_over_at else None,
            )
        )
    check_route(moved)
    return moved


def swap_with_next(windows: Sequence[Window], index: int) -> list[Window]:
    """The route after stop ``index`` and the next one change places.

    The pair keeps the time it spans: the stop that moves up starts when the
    first of the two started, each keeps its own length of stay, and the
    transit between them stays as it was. A stop that never hands over (the
    end of the route) cannot move up.
    """
    if not 0 <= index < len(windows) - 1:
        raise IndexError(index)
    first, second = windows[index], windows[index + 1]
    if second.hands_over_at is None:
        raise RuleBroken(Problem(OPEN_END, index + 1))
    transit = second.receives_at - first.hands_over_at
    second_length = second.hands_over_at - second.receives_at
    new_second = replace(
        second,
        receives_at=first.receives_at,
        hands_over_at=first.receives_at + second_length,
    )
    first_start = new_second.hands_over_at + transit
    new_first = replace(
        first,
        receives_at=first_start,
        hands_over_at=first_start + (first.hands_over_at - first.receives_at),
    )
    swapped = [*windows[:index], new_second, new_first, *windows[index + 2 :]]
    check_route(swapped)
    return swapped


def record_actual(giving: Window, receiving: Window, actual: datetime) -> tuple[Window, Window]:
    """The two stops of a handover once it took place at ``actual``.

    The receiving stop holds the flags from that instant. Where the two
    stops met at one instant the giving stop hands over at it too; across a
    transit gap the flags left the giving office when planned, unless they
    arrived before that. It must fall inside both stops' stays: after the
    giving stop received the flags and before the receiving stop hands them on.
    """
    if actual <= giving.receives_at:
        raise RuleBroken(Problem(TOO_EARLY, 0))
    if receiving.hands_over_at is not None and actual >= receiving.hands_over_at:
        raise RuleBroken(Problem(TOO_LATE, 1))
    left = giving.hands_over_at
    if left is None or left == receiving.receives_at or actual < left:
        left = actual
    return replace(giving, hands_over_at=left), replace(receiving, receives_at=actual)


@dataclass(frozen=True)
class Hosting:
    """A stop's window with the office hosting it and its route."""

    stop_id: int
    office_id: int
    route_id: int
    receives_at: datetime
    hands_over_at: datetime | None
    is_last: bool


def _meet(a: Hosting, b: Hosting) -> bool:
    """Whether two half-open windows share an instant."""
    a_before_b_ends = b.hands_over_at is None or a.receives_at < b.hands_over_at
    b_before_a_ends = a.hands_over_at is None or b.receives_at < a.hands_over_at
    return a_before_b_ends and b_before_a_ends


def double_hosting(stops: Sequence[Hosting]) -> list[tuple[int, int]]:
    """Pairs of stops of different routes held by one office at the same time.

    This is a warning for the committee, not an error. Routes ending at the
    same office together (normally KPU RI) are the plan, and not reported.
    """
    pairs = []
    by_office: dict[int, list[Hosting]] = {}
    for stop in stops:
        by_office.setdefault(stop.office_id, []).append(stop)
    for hosted in by_office.values():
        for i, a in enumerate(hosted):
            for b in hosted[i + 1 :]:
                if a.route_id == b.route_id or (a.is_last and b.is_last):
                    continue
                if _meet(a, b):
                    pairs.append((a.stop_id, b.stop_id))
    return pairs
