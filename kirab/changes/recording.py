"""Writing the change log as the public agenda changes, by listening to the events area.

Each receiver writes one ``AgendaChange`` with a row per concerned event,
holding only public fields (title, times, venue, reason), flushes it and
sends ``change_recorded`` inside the change's transaction. Drafts are never
recorded: a change counts when the event is public after it (or, for a
withdrawal, was public before).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kirab.changes.models import AgendaChange, AgendaChangeEvent, ChangeKind
from kirab.changes.signals import change_recorded
from kirab.database import db
from kirab.events.models import Event
from kirab.events.signals import (
    event_cancelled,
    event_published,
    event_updated,
    event_withdrawn,
    events_shifted,
)
from kirab.relay.models import Stop

VENUE_LENGTH = 200  # the columns' length
TIME_FIELDS = ("starts_at", "ends_at")
VENUE_FIELDS = ("venue_name", "venue_address")


def venue_text(name: str, address: str) -> str:
    """A venue as the log keeps it: its name, then its address, within the column."""
    return ", ".join(part for part in (name, address) if part)[:VENUE_LENGTH]


def _row(event: Event, **fields) -> AgendaChangeEvent:
    """An event's row: its title and present venue, plus the before and after given."""
    values = {"new_venue": venue_text(event.venue_name, event.venue_address), **fields}
    return AgendaChangeEvent(event_id=event.id, title=event.title, **values)


def record_change(kind: ChangeKind, stop: Stop, rows: list[AgendaChangeEvent], now: datetime):
    """Write one entry of the log, flush it and tell the deliveries; return it."""
    change = AgendaChange(
        kind=kind, occurred_at=now, stop_id=stop.id, region_code=stop.office.region_code,
        events=rows,
    )  # fmt: skip
    db.session.add(change)
    db.session.flush()
    change_recorded.send(change)
    return change


@event_published.connect
def _published(event: Event, *, now: datetime) -> None:
    """An event came onto the agenda."""
    row = _row(event, new_starts_at=event.starts_at, new_ends_at=event.ends_at)
    record_change(ChangeKind.CREATED, event.stop, [row], now)


@event_updated.connect
def _updated(event: Event, *, changes: dict[str, list], now: datetime) -> None:
    """A public event's time or place changed (its other fields are not the log's)."""
    if not event.is_public:
        return
    if any(name in changes for name in TIME_FIELDS):
        old_start, _new = changes.get("starts_at", (event.starts_at, None))
        old_end, _new = changes.get("ends_at", (event.ends_at, None))
        row = _row(
            event, old_starts_at=old_start, old_ends_at=old_end,
            new_starts_at=event.starts_at, new_ends_at=event.ends_at,
        )  # fmt: skip
        record_change(ChangeKind.MOVED, event.stop, [row], now)
    if any(name in changes for name in VENUE_FIELDS):
        old_name, _new = changes.get("venue_name", (event.venue_name, None))
        old_address, _new = changes.get("venue_address", (event.venue_address, None))
        row = _row(
            event, old_venue=venue_text(old_name, old_address),
            new_starts_at=event.starts_at, new_ends_at=event.ends_at,
        )  # fmt: skip
        record_change(ChangeKind.VENUE, event.stop, [row], now)


@event_cancelled.connect
def _cancelled(event: Event, *, now: datetime) -> None:
    """A published event was cancelled, with its reason."""
    row = _row(
        event, new_starts_at=event.starts_at, new_ends_at=event.ends_at,
        reason=event.cancel_reason,
    )  # fmt: skip
    record_change(ChangeKind.CANCELLED, event.stop, [row], now)


@event_withdrawn.connect
def _withdrawn(event: Event, *, now: datetime) -> None:
    """A public event left the agenda: listed once, with where it was."""
    venue = venue_text(event.venue_name, event.venue_address)
    row = _row(
        event, old_starts_at=event.starts_at, old_ends_at=event.ends_at, old_venue=venue,
        new_venue="",
    )  # fmt: skip
    record_change(ChangeKind.WITHDRAWN, event.stop, [row], now)


@events_shifted.connect
def _shifted(stop: Stop, *, moved: list[tuple[Event, timedelta]], now: datetime) -> None:
    """Stops moved: one entry listing every public event that moved with them."""
    rows = [
        _row(
            event,
            old_starts_at=event.starts_at - delta,
            old_ends_at=event.ends_at - delta,
            new_starts_at=event.starts_at,
            new_ends_at=event.ends_at,
        )
        for event, delta in moved
        if event.is_public
    ]
    if rows:
        record_change(ChangeKind.SHIFTED, stop, rows, now)
