"""Warnings for planners: things that may be mistakes but are allowed."""

from __future__ import annotations

from sqlalchemy.orm import contains_eager

from kirab.database import db
from kirab.events.models import CANCELLED, PARADE, Event
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
