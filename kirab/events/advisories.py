"""Advice for planners: things that may be mistakes but are allowed.

Refusals live in ``guards.py``; nothing here raises.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_
from sqlalchemy.orm import contains_eager

from kirab.database import db
from kirab.events.models import CANCELLED, HANDOVER, PARADE, Event
from kirab.events.rules import clashes
from kirab.regions.models import Dapil, Office
from kirab.relay.models import Stop


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
