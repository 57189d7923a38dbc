"""Shifting a stop and everything after it in time: a preview, then all or nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _

from kirab import clock
from kirab.audit.services import record
from kirab.database import db
from kirab.errors import DomainError
from kirab.i18n import local_datetime
from kirab.relay.custody import Window
from kirab.relay.models import Stop
from kirab.relay.rules import RuleBroken, shift_windows
from kirab.relay.signals import Moving, answers, moving_with, stops_moved, window_changing
from kirab.relay.stops import (
    lock_route,
    ordered_stops,
    problem_message,
    recorded_handovers,
    relink_handovers,
    windows_of,
)

# A shift beyond this is a new plan rather than a delay.
MAX_SHIFT = timedelta(days=90)


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
    events: list[Moving]
    basis: str


def _basis(stops: Sequence[Stop], events: Sequence[Moving], delta: timedelta) -> str:
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
    recorded = recorded_handovers(stop.route)
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
            window_changing.send(
                move.stop,
                receives_at=move.new.receives_at,
                hands_over_at=move.new.hands_over_at,
                field="amount",
                recorded=False,
            )
    events = answers(moving_with.send(stop, stops=stops[index:]))
    return ShiftPlan(stop, delta, moves, events, _basis(stops, events, delta))


def apply_shift(stop: Stop, delta: timedelta, *, actor, basis: str | None = None) -> ShiftPlan:
    """Shift ``stop`` and everything after it by ``delta``: all of it or nothing.

    With ``basis`` (from the preview) the shift is refused when the route or
    its events changed since the preview was shown. The plan is made again
    under the route's lock, so a shift confirmed at the same moment as
    another one is either planned on top of it or refused as stale.
    """
    lock_route(stop.route)
    plan = plan_shift(stop, delta)
    if basis is not None and basis != plan.basis:
        raise DomainError(
            _("The route has changed since the preview; look at the new preview and confirm."),
            None,
        )
    for move in plan.moves:
        move.stop.receives_at = move.new.receives_at
        move.stop.hands_over_at = move.new.hands_over_at
    carried = [(move.stop, delta) for move in plan.moves if move.stop.position >= stop.position]
    stops_moved.send(stop, moves=carried, actor=actor, now=clock.now(), cause="stop.shift")
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
    return plan
