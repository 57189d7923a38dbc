"""Reading events for the agenda, the API and the feeds."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy.orm import contains_eager, joinedload, selectinload

from kirab.database import db
from kirab.events.filters import EventFilter
from kirab.events.models import CANCELLED, PUBLISHED, Event
from kirab.i18n import to_local
from kirab.regions.models import Office
from kirab.relay.models import Stop


def public_events(event_filter: EventFilter):
    """A select of the published and cancelled events matching the filter, oldest first.

    Stops, offices and regions are joined, dapil and kecamatan loaded
    together, so a page of events costs the same few queries at any size.
    """
    query = (
        db.select(Event)
        .join(Event.stop)
        .join(Stop.office)
        .join(Office.region)
        .where(Event.deleted_at.is_(None), Event.status.in_((PUBLISHED, CANCELLED)))
        .options(
            contains_eager(Event.stop).contains_eager(Stop.office).contains_eager(Office.region),
            joinedload(Event.dapil),
            selectinload(Event.districts),
        )
        .order_by(Event.starts_at, Event.id)
    )
    return event_filter.apply(query)


def get_event(event_id: int) -> Event | None:
    """Load one event with what its page shows, or None."""
    return db.session.execute(
        db.select(Event)
        .where(Event.id == event_id)
        .options(
            joinedload(Event.stop).joinedload(Stop.office).joinedload(Office.region),
            joinedload(Event.stop).joinedload(Stop.route),
            joinedload(Event.dapil),
            selectinload(Event.districts),
            selectinload(Event.invited_parties),
        )
    ).scalar_one_or_none()


def events_by_local_day(events: list[Event]) -> list[tuple[date, list[Event]]]:
    """Group events by the local date of their start, days in order.

    Events come ordered by UTC start; across zones a later UTC start can
    fall on an earlier local day, so group first and then sort the days.
    """
    days: dict[date, list[Event]] = defaultdict(list)
    for event in events:
        days[to_local(event.starts_at, event.timezone).date()].append(event)
    return sorted(days.items())
