"""Advice for planners: things that may be mistakes but are allowed.

Refusals live in ``guards.py``; nothing here raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from sqlalchemy import or_
from sqlalchemy.orm import contains_eager

from kirab.database import db
from kirab.events.models import CANCELLED, HANDOVER, PARADE, Event
from kirab.events.rules import clashes, inside_window, overlaps
from kirab.i18n import to_local
from kirab.regions.models import Dapil, Office
from kirab.relay.models import Handover, Stop


def _live(query):
    """Leave out deleted and cancelled events."""
    return query.where(Event.deleted_at.is_(None), Event.status != CANCELLED)


def venue_clashes(stop: Stop) -> list[tuple[Event, Event]]:
    """Pairs of events, at least one of this stop, at one venue at overlapping times.

    Other stops in the same region count too: two routes can pass one town.
    """
    query = _live(
        db.select(Event)
        .join(Event.stop)
        .join(Stop.office)
        .where(
            Office.region_code == stop.office.region_code,
            Event.venue_name != "",
            Event.ends_at > stop.receives_at,
        )
        .options(contains_eager(Event.stop))
        .order_by(Event.starts_at, Event.id)
    )
    if stop.hands_over_at is not None:
        query = query.where(Event.starts_at < stop.hands_over_at)
    events = list(db.session.execute(query).scalars())
    return [pair for pair in clashes(events) if stop.id in (pair[0].stop_id, pair[1].stop_id)]


def identical_events(stop: Stop) -> list[tuple[Event, Event]]:
    """Pairs of live events of the stop with the same kind, dapil, start and end.

    Most likely one form sent twice, or a programme created again.
    """
    events = db.session.execute(
        _live(db.select(Event).where(Event.stop_id == stop.id)).order_by(Event.id)
    ).scalars()
    first_of: dict[tuple, Event] = {}
    pairs = []
    for event in events:
        same = (event.kind, event.dapil_id, event.starts_at, event.ends_at)
        if same in first_of:
            pairs.append((first_of[same], event))
        else:
            first_of[same] = event
    return pairs


def dapil_without_parade(stop: Stop) -> list[Dapil]:
    """The host region's dapil that have no parade during the stop."""
    with_parade = _live(
        db.select(Event.dapil_id).where(
            Event.stop_id == stop.id, Event.kind == PARADE, Event.dapil_id.is_not(None)
        )
    )
    return list(
        db.session.execute(
            db.select(Dapil)
            .where(Dapil.region_code == stop.office.region_code, Dapil.id.not_in(with_parade))
            .order_by(Dapil.number)
        ).scalars()
    )


def stranded_events(
    stop: Stop, receives_at: datetime, hands_over_at: datetime | None
) -> list[Event]:
    """Live events of a stop that would lie outside the window [receives_at, hands_over_at).

    Handover ceremonies are left out: they take place at the handover itself,
    so a handover recorded late or early does not put them in the wrong stop.
    """
    outside = Event.starts_at < receives_at
    if hands_over_at is not None:
        outside = or_(outside, Event.ends_at > hands_over_at)
    return list(
        db.session.execute(
            _live(
                db.select(Event).where(Event.stop_id == stop.id, Event.kind != HANDOVER, outside)
            ).order_by(Event.starts_at)
        ).scalars()
    )


def events_outside_stop(stop: Stop) -> list[Event]:
    """Live events of a stop that lie outside its window (after its times changed)."""
    return stranded_events(stop, stop.receives_at, stop.hands_over_at)


def is_outside_stop(event: Event) -> bool:
    """Whether a live event (not a handover ceremony) lies outside its stop's window."""
    stop = event.stop
    if event.deleted_at is not None or event.status == CANCELLED or event.kind == HANDOVER:
        return False
    return not inside_window(event.starts_at, event.ends_at, stop.receives_at, stop.hands_over_at)


def ceremony_window(stop: Stop) -> tuple[datetime, datetime | None]:
    """The times a handover ceremony of the stop may take: its window, or the planned handovers.

    A ceremony belongs to its handover whatever the minute the handover was
    recorded at: one planned at 09:00 stays at its stop when the flags
    arrived at 09:30, so each end of the window reaches the planned time of
    the handover there.
    """
    receives_at, hands_over_at = stop.receives_at, stop.hands_over_at
    for planned_at, into in db.session.execute(
        db.select(Handover.planned_at, Handover.to_stop_id == stop.id).where(
            or_(Handover.to_stop_id == stop.id, Handover.from_stop_id == stop.id)
        )
    ):
        if into:
            receives_at = min(receives_at, planned_at)
        elif hands_over_at is not None:
            hands_over_at = max(hands_over_at, planned_at)
    return receives_at, hands_over_at


# Parades and other outdoor events belong to daylight: outside these local hours is night.
DAY_STARTS, DAY_ENDS = time(6, 0), time(18, 0)


@dataclass
class ProgrammeAdvice:
    """What a programme's preview warns of; each list holds planned events (EventData)."""

    night: list = field(default_factory=list)
    overlapping: list = field(default_factory=list)  # (planned, existing Event) pairs
    without_venue: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.night or self.overlapping or self.without_venue)


def at_night(starts_at: datetime, ends_at: datetime, timezone: str) -> bool:
    """Whether an event runs, even in part, outside daylight of its local day."""
    start, end = to_local(starts_at, timezone), to_local(ends_at, timezone)
    return start.time() < DAY_STARTS or end.date() != start.date() or end.time() > DAY_ENDS


def programme_advice(stop: Stop, planned) -> ProgrammeAdvice:
    """Warnings of a previewed programme: night hours, the dapil's live events of the
    same kind at overlapping times, and events without a venue."""
    advice = ProgrammeAdvice()
    dapil_ids = [data.dapil_id for _dapil, data in planned]
    kinds = {data.kind for _dapil, data in planned}
    existing = list(
        db.session.execute(
            _live(
                db.select(Event).where(
                    Event.stop_id == stop.id, Event.dapil_id.in_(dapil_ids), Event.kind.in_(kinds)
                )
            ).order_by(Event.starts_at)
        ).scalars()
    )
    for _dapil, data in planned:
        if at_night(data.starts_at, data.ends_at, stop.timezone):
            advice.night.append(data)
        advice.overlapping += [
            (data, event)
            for event in existing
            if event.dapil_id == data.dapil_id and event.kind == data.kind
            and overlaps(event.starts_at, event.ends_at, data.starts_at, data.ends_at)
        ]  # fmt: skip
        if not data.venue_name:
            advice.without_venue.append(data)
    return advice


def missing_before_publishing(stop: Stop, drafts: list[Event]) -> tuple[list[Event], list[Dapil]]:
    """What published drafts still lack: the events without a venue, the dapil without a parade."""
    return [event for event in drafts if not event.venue_name], dapil_without_parade(stop)
