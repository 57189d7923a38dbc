"""What the committee's dashboard shows."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func

from kirab.database import db
from kirab.events.models import Event
from kirab.permissions import in_scope, region_scope
from kirab.relay.models import Stop
from kirab.relay.services import RouteStatus


def stops_in_scope(user, statuses: Iterable[RouteStatus]) -> list[Stop]:
    """The stops a user looks after: an organizer's regions, everything for the others."""
    scope = region_scope(user)
    return [
        stop
        for status in statuses
        for stop in status.stops
        if in_scope(stop.office.region_code, scope)
    ]


def event_counts(stops: list[Stop]) -> dict[int, int]:
    """How many events (drafts, published and cancelled; not deleted) each stop has."""
    if not stops:
        return {}
    rows = db.session.execute(
        db.select(Event.stop_id, func.count(Event.id))
        .where(Event.deleted_at.is_(None), Event.stop_id.in_([stop.id for stop in stops]))
        .group_by(Event.stop_id)
    )
    return dict(rows.all())
