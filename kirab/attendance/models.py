"""Attendance records, the guests an organizer expects, and crowd headcount tallies."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kirab.auth.models import User
from kirab.database import UTCDateTime, db, one_of, utcnow
from kirab.dataversions import ATTENDANCE, attendance_scope
from kirab.events.models import Event, event_provinces
from kirab.regions.models import Party


class Category(StrEnum):
    """Who an attendee is, as stored and as written in CSV files."""

    PARTY_REP = "party_rep"
    KPU = "kpu"
    BAWASLU = "bawaslu"
    GOVERNMENT = "government"
    STUDENT = "student"
    MEDIA = "media"
    PUBLIC = "public"
    OTHER = "other"


class Method(StrEnum):
    """How a record was made."""

    BY_ORGANIZER = "organizer"
    BY_SELF = "self_checkin"
    BY_IMPORT = "import"


PARTY_REP, KPU, BAWASLU = Category.PARTY_REP, Category.KPU, Category.BAWASLU
GOVERNMENT, STUDENT, MEDIA = Category.GOVERNMENT, Category.STUDENT, Category.MEDIA
PUBLIC, OTHER = Category.PUBLIC, Category.OTHER
CATEGORIES = tuple(category.value for category in Category)

BY_ORGANIZER, BY_SELF, BY_IMPORT = Method.BY_ORGANIZER, Method.BY_SELF, Method.BY_IMPORT
METHODS = tuple(method.value for method in Method)

NAME_MAX, ORGANISATION_MAX, CONTACT_MAX, COUNTER_MAX = 120, 160, 120, 60
KEY_MAX = 255


def attendance_scopes(connection, event_ids: set[int]) -> set[str]:
    """The data scopes attendance at these events touches: its figures and the events' pages."""
    scopes = {ATTENDANCE} | {f"event:{event_id}" for event_id in event_ids}
    return scopes | {attendance_scope(code) for code in event_provinces(connection, event_ids)}


class AttendanceRecord(db.Model):
    """One named person at one event.

    ``name_key`` and ``affiliation_key`` are the person's identity for the
    duplicate rule; the database refuses a second row with the same pair for
    an event, so two workers recording at once cannot count anyone twice.
    """

    __tablename__ = "attendance_records"
    __table_args__ = (
        UniqueConstraint("event_id", "name_key", "affiliation_key"),
        CheckConstraint(one_of("category", CATEGORIES), name="category"),
        CheckConstraint(one_of("method", METHODS), name="method"),
        # The attendance page lists an event's latest records: read in index order, not sorted.
        Index("ix_attendance_records_event_recent", "event_id", "recorded_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique constraint's index (event first) serves lookups by event.
    # The kept totals (kirab/attendance/counts.py) need the old values of these three
    # when one changes: active history loads them before the change.
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), active_history=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    name_key: Mapped[str] = mapped_column(String(KEY_MAX), index=True)
    # "p<ballot number>", "o<organisation key>" or "" when the person gave neither.
    affiliation_key: Mapped[str] = mapped_column(String(KEY_MAX), default="")
    category: Mapped[str] = mapped_column(String(16))
    party_number: Mapped[int | None] = mapped_column(
        ForeignKey("parties.number"), index=True, active_history=True
    )
    # A party named at self check-in counts as self-declared until an organizer confirms it.
    party_self_declared: Mapped[bool] = mapped_column(default=False, active_history=True)
    organisation: Mapped[str] = mapped_column(String(ORGANISATION_MAX), default="")
    contact: Mapped[str] = mapped_column(String(CONTACT_MAX), default="")
    method: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the server got a record a phone kept while offline (recorded_at is the phone's
    # stated moment); empty when it arrived at once.
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Made by the browser for each submission: a retry with the same key records once.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    event: Mapped[Event] = relationship()
    party: Mapped[Party | None] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    @classmethod
    def data_scopes(cls, connection, rows) -> set[str]:
        """Records change the figures of their events (see kirab/dataversions.py)."""
        return attendance_scopes(connection, {row.event_id for row in rows})


class ExpectedGuest(db.Model):
    """An official the organizer expects at an event, listed beforehand to tick off."""

    __tablename__ = "expected_guests"
    __table_args__ = (
        UniqueConstraint("event_id", "name_key", "affiliation_key"),
        CheckConstraint(one_of("category", CATEGORIES), name="category"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    name_key: Mapped[str] = mapped_column(String(KEY_MAX))
    affiliation_key: Mapped[str] = mapped_column(String(KEY_MAX), default="")
    category: Mapped[str] = mapped_column(String(16))
    party_number: Mapped[int | None] = mapped_column(ForeignKey("parties.number"))
    organisation: Mapped[str] = mapped_column(String(ORGANISATION_MAX), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    party: Mapped[Party | None] = relationship()


class HeadcountTally(db.Model):
    """One counter's tally of a category of the crowd at an event.

    Every tally is kept; the latest tally of each counter and category is
    the one that counts, and the counters add up.
    """

    __tablename__ = "headcount_tallies"
    __table_args__ = (
        CheckConstraint(one_of("category", CATEGORIES), name="category"),
        CheckConstraint("count >= 0", name="count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    counter: Mapped[str] = mapped_column(String(COUNTER_MAX))
    counter_key: Mapped[str] = mapped_column(String(KEY_MAX))
    category: Mapped[str] = mapped_column(String(16))
    count: Mapped[int]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    recorded_by: Mapped[User | None] = relationship()

    @classmethod
    def data_scopes(cls, connection, rows) -> set[str]:
        """Tallies change the crowd figures of their events."""
        return attendance_scopes(connection, {row.event_id for row in rows})


class EventAttendance(db.Model):
    """The kept totals of one event: people recorded by name, and the crowd counted.

    ``crowd`` is the sum of the latest tally of each counter and category.
    Every write of records or tallies keeps the row up to date in its own
    transaction (kirab/attendance/counts.py), so pages read totals instead of
    counting records. An event nobody attended has no row.
    """

    __tablename__ = "event_attendance"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    named: Mapped[int] = mapped_column(default=0, server_default="0")
    crowd: Mapped[int] = mapped_column(default=0, server_default="0")


class EventPartyAttendance(db.Model):
    """The kept count of one party's people at one event, confirmed and self-declared apart."""

    __tablename__ = "event_party_attendance"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    party_number: Mapped[int] = mapped_column(ForeignKey("parties.number"), primary_key=True)
    confirmed: Mapped[int] = mapped_column(default=0, server_default="0")
    self_declared: Mapped[int] = mapped_column(default=0, server_default="0")
