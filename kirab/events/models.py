"""Events on the agenda of a stop."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kirab.database import UTCDateTime, db, one_of, utcnow
from kirab.dataversions import EVENTS, region_scope
from kirab.regions.models import Dapil, Office, Party, Region
from kirab.relay.models import Stop, stop_scopes, values_before_and_after


class EventKind(StrEnum):
    """What an event is, as stored and as used in URLs and the API."""

    HANDOVER = "handover"
    CAMPUS = "campus"
    PARADE = "parade"
    DECLARATION = "declaration"
    OUTREACH = "outreach"


class EventStatus(StrEnum):
    """Where an event stands: a draft, published, or cancelled (still shown as such)."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


HANDOVER, CAMPUS, PARADE = EventKind.HANDOVER, EventKind.CAMPUS, EventKind.PARADE
DECLARATION, OUTREACH = EventKind.DECLARATION, EventKind.OUTREACH
KINDS = tuple(kind.value for kind in EventKind)

DRAFT, PUBLISHED, CANCELLED = EventStatus.DRAFT, EventStatus.PUBLISHED, EventStatus.CANCELLED
STATUSES = tuple(status.value for status in EventStatus)

# Coordinates are both given or both absent, and on Earth.
COORDINATES = (
    "(latitude IS NULL AND longitude IS NULL) OR "
    "(latitude IS NOT NULL AND longitude IS NOT NULL"
    " AND latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180)"
)

# The rows the public agenda, the API and the feeds read.
PUBLIC_ROWS = f"deleted_at IS NULL AND status IN ('{PUBLISHED.value}', '{CANCELLED.value}')"

event_districts = Table(
    "event_districts",
    db.metadata,
    Column("event_id", ForeignKey("events.id"), primary_key=True),
    Column("district_code", ForeignKey("regions.code"), primary_key=True, index=True),
    # A region's kecamatan are found by the prefix of their code (``LIKE '32.%'``): under
    # a collation other than "C" PostgreSQL uses a plain index only for equality.
    Index(
        "ix_event_districts_code_prefix",
        "district_code",
        "event_id",
        postgresql_ops={"district_code": "varchar_pattern_ops"},
    ),
)

event_parties = Table(
    "event_parties",
    db.metadata,
    Column("event_id", ForeignKey("events.id"), primary_key=True),
    Column("party_number", ForeignKey("parties.number"), primary_key=True),
)


def new_uid() -> str:
    """Return a random, permanent calendar UID for a new event."""
    return f"{uuid.uuid4().hex}@kirab"


class Event(db.Model):
    """Anything on the agenda of a stop; times are stored in UTC."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint(one_of("kind", KINDS), name="kind"),
        CheckConstraint(one_of("status", STATUSES), name="status"),
        CheckConstraint("starts_at < ends_at", name="starts_before_end"),
        CheckConstraint("capacity > 0", name="capacity"),
        CheckConstraint("sequence >= 0", name="sequence"),
        CheckConstraint(COORDINATES, name="coordinates"),
        # The public events in agenda order: a page is read from it in order, and a
        # count reads it alone, not the events' rows with their descriptions.
        Index(
            "ix_events_public_order",
            "starts_at",
            "id",
            postgresql_where=text(PUBLIC_ROWS),
            sqlite_where=text(PUBLIC_ROWS),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True, default=new_uid)
    stop_id: Mapped[int] = mapped_column(ForeignKey("stops.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    venue_name: Mapped[str] = mapped_column(String(200), default="")
    venue_address: Mapped[str] = mapped_column(String(255), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    dapil_id: Mapped[int | None] = mapped_column(ForeignKey("dapil.id"), index=True)
    capacity: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default=DRAFT, index=True)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    # Rises on every change a calendar subscriber would notice.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Deleted events stay as rows so feeds and the history can account for them.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Rises with every save; a form opened at an older version is refused (409).
    version: Mapped[int] = mapped_column(server_default="1")

    stop: Mapped[Stop] = relationship()
    dapil: Mapped[Dapil | None] = relationship()
    districts: Mapped[list[Region]] = relationship(secondary=event_districts, order_by=Region.code)
    invited_parties: Mapped[list[Party]] = relationship(
        secondary=event_parties, order_by=Party.number
    )

    @property
    def timezone(self) -> str:
        """The IANA time zone of the hosting office's region."""
        return self.stop.timezone

    @property
    def region(self) -> Region:
        """The region of the hosting office."""
        return self.stop.office.region

    @classmethod
    def data_scopes(cls, connection, rows) -> set[str]:
        """What changed events touch: each event, the routes and provinces of its stops."""
        scopes = {f"event:{row.id}" for row in rows}
        return scopes | stop_scopes(connection, values_before_and_after(rows, "stop_id"))

    @property
    def is_public(self) -> bool:
        """Whether the public may see the event (published or cancelled, not deleted)."""
        return self.deleted_at is None and self.status in (PUBLISHED, CANCELLED)

    __mapper_args__ = {"version_id_col": version}


class Venue(db.Model):
    """A place events of a region were held, offered again when planning."""

    __tablename__ = "venues"
    __table_args__ = (
        UniqueConstraint("region_code", "name"),
        CheckConstraint(COORDINATES, name="coordinates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(255), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    # Changed by the events saved at it: concurrent changes are refused, not lost.
    version: Mapped[int] = mapped_column(server_default="1")

    __mapper_args__ = {"version_id_col": version}

    @classmethod
    def data_scopes(cls, connection, rows) -> set[str]:
        """A venue is offered in its own province only: saving an event there touches no other."""
        return {EVENTS} | {region_scope(row.region_code) for row in rows}


def event_provinces(connection, event_ids: set[int]) -> set[str]:
    """The region codes of the offices hosting these events (one query)."""
    if not event_ids:
        return set()
    return set(
        connection.execute(
            select(Office.region_code)
            .join(Stop, Stop.office_id == Office.id)
            .join(Event, Event.stop_id == Stop.id)
            .where(Event.id.in_(event_ids))
            .distinct()
        ).scalars()
    )
