"""Reading the change log: the entries an agenda filter selects, newest first."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from kirab.changes.models import AgendaChange, AgendaChangeEvent
from kirab.database import db
from kirab.events.filters import EventFilter, local_dates_condition
from kirab.events.models import Event
from kirab.regions.models import Office
from kirab.relay.models import Stop


def matching_changes(event_filter: EventFilter):
    """The ids of the entries concerning an event the filter selects.

    The agenda's filter picks the events (region, dapil, kind, route); its
    dates select by an event's times before or after the change, so a move
    out of the chosen days is listed too.
    """
    query = (
        select(AgendaChangeEvent.change_id)
        .join(Event, Event.id == AgendaChangeEvent.event_id)
        .join(Event.stop)
        .join(Stop.office)
        .join(Office.region)
    )
    query = replace(event_filter, date_from=None, date_to=None).apply(query)
    first, last = event_filter.date_from, event_filter.date_to
    if first is not None or last is not None:
        query = query.where(
            or_(
                local_dates_condition(
                    first, last, AgendaChangeEvent.new_starts_at, AgendaChangeEvent.new_ends_at
                ),
                local_dates_condition(
                    first, last, AgendaChangeEvent.old_starts_at, AgendaChangeEvent.old_ends_at
                ),
            )
        )
    return query


def changes_query(event_filter: EventFilter):
    """A select of the entries the filter selects, newest first, with their events' stops."""
    return (
        db.select(AgendaChange)
        .where(AgendaChange.id.in_(matching_changes(event_filter)))
        .order_by(AgendaChange.occurred_at.desc(), AgendaChange.id.desc())
        .options(
            selectinload(AgendaChange.events)
            .joinedload(AgendaChangeEvent.event)
            .joinedload(Event.stop)
            .joinedload(Stop.office)
            .joinedload(Office.region)
        )
    )
