"""Changing events in time: the one rule for SEQUENCE, and moving events with their stop.

Every change to an event marks it changed for the feeds (``updated_at``)
and raises its SEQUENCE when a calendar subscriber would notice. Editing
an event, and moving it because its stop moved or shifted, both go
through ``touch``; stop moves and shifts go through ``move_events``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from kirab.audit.services import record
from kirab.database import db
from kirab.events.models import Event
from kirab.relay.models import Stop

# Changes a calendar subscriber would notice raise the event's SEQUENCE.
NOTICEABLE = frozenset(("title", "starts_at", "ends_at", "venue_name", "venue_address", "status"))


def touch(event: Event, changed: Iterable[str], now: datetime) -> None:
    """Mark an event changed for the feeds; raise its SEQUENCE when a subscriber would notice."""
    event.updated_at = now
    if NOTICEABLE.intersection(changed):
        event.sequence += 1


def live_events_of(stop_ids: Sequence[int]) -> list[Event]:
    """The events (not deleted) of the stops, by start."""
    return list(
        db.session.execute(
            db.select(Event)
            .where(Event.stop_id.in_(stop_ids), Event.deleted_at.is_(None))
            .order_by(Event.starts_at, Event.id)
        ).scalars()
    )


def move_events(stop: Stop, delta: timedelta, *, actor, now: datetime, cause: str) -> list[Event]:
    """Move every live event of ``stop`` by ``delta``, each audited; return them.

    ``cause`` is the audit action of the stop change that moved them.
    """
    moved = live_events_of([stop.id])
    for event in moved:
        before = event.starts_at
        event.starts_at += delta
        event.ends_at += delta
        touch(event, ("starts_at", "ends_at"), now)
        record(
            actor,
            "event.shift",
            event,
            stop=stop.id,
            starts_at=[before, event.starts_at],
            hours=delta.total_seconds() / 3600,
            cause=cause,
        )
    db.session.flush()
    return moved
