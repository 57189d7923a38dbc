"""The latest records of an event as its attendance page lists them: columns, not objects.

The page of a busy event shows a hundred records on every visit of every
organizer's phone; reading them as rows with their party and recorder
joined in (and their times formatted once per language) costs a fraction
of building three ORM objects per record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func

from kirab.attendance.identity import person_key
from kirab.attendance.models import AttendanceRecord
from kirab.auth.models import User
from kirab.database import db
from kirab.i18n import time_formatter
from kirab.regions.models import Party

RECENT_LIMIT = 100


@dataclass(frozen=True)
class RecentRecord:
    """One listed record: what the page shows of it, its time already in words."""

    id: int
    name: str
    category: str
    party_number: int | None
    party_abbreviation: str | None
    party_self_declared: bool
    organisation: str
    contact: str
    method: str
    recorded_at: datetime
    recorded_time: str
    recorder: str | None


def recent_records(event_id: int, timezone: str, query: str = "") -> list[RecentRecord]:
    """The event's latest records, newest first, whose names contain ``query`` if given.

    One query, served by the index on (event, time, id) however many records
    the event holds.
    """
    record = AttendanceRecord
    statement = (
        db.select(
            record.id, record.name, record.category, record.party_number, Party.abbreviation,
            record.party_self_declared, record.organisation, record.contact, record.method,
            record.recorded_at, func.coalesce(func.nullif(User.name, ""), User.email),
        )
        .outerjoin(Party, Party.number == record.party_number)
        .outerjoin(User, User.id == record.recorded_by_id)
        .where(record.event_id == event_id)
        .order_by(record.recorded_at.desc(), record.id.desc())
        .limit(RECENT_LIMIT)
    )  # fmt: skip
    if query and (query_key := person_key(query)):
        statement = statement.where(record.name_key.contains(query_key))
    clock_text = time_formatter()
    return [
        RecentRecord(*row[:10], clock_text(row[9], timezone), row[10])
        for row in db.session.execute(statement)
    ]
