"""Entries of the agenda's change log and the events each one concerns."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kirab.database import UTCDateTime, db, one_of, utcnow
from kirab.events.models import Event


class ChangeKind(StrEnum):
    """What happened to the public agenda, as stored and as used in filters and payloads."""

    CREATED = "created"  # an event appeared on the agenda (published)
    MOVED = "moved"  # its time changed
    VENUE = "venue"  # its place changed
    CANCELLED = "cancelled"  # cancelled, with its reason
    WITHDRAWN = "withdrawn"  # taken back from the agenda (back to draft or deleted)
    SHIFTED = "shifted"  # a stop's shift moved all its events at once


class AgendaChange(db.Model):
    """One change of the public agenda: one event's, or a whole shift of a stop's events.

    Written in the same transaction as the change itself; ``events`` lists
    each concerned event with what it was before and is after, so the log
    never needs the audit log's JSON nor the events' later state.
    """

    __tablename__ = "agenda_changes"
    __table_args__ = (CheckConstraint(one_of("kind", ChangeKind), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The stop whose agenda changed, and its regency: filters and followers match on it.
    stop_id: Mapped[int] = mapped_column(ForeignKey("stops.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)

    events: Mapped[list[AgendaChangeEvent]] = relationship(
        back_populates="change", cascade="all, delete-orphan", order_by="AgendaChangeEvent.id"
    )


class AgendaChangeEvent(db.Model):
    """One event of a change: its public fields before and after."""

    __tablename__ = "agenda_change_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("agenda_changes.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    old_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    old_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    new_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    new_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    old_venue: Mapped[str] = mapped_column(String(200), default="")
    new_venue: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text, default="")  # a cancellation's reason

    change: Mapped[AgendaChange] = relationship(back_populates="events")
    event: Mapped[Event] = relationship()
