"""What a person wants to hear of changes, and the deliveries waiting to be sent."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kirab.auth.models import User
from kirab.changes.models import AgendaChange
from kirab.database import UTCDateTime, db, one_of, utcnow


class EmailMode(StrEnum):
    """How changes reach a person by e-mail."""

    OFF = "off"
    IMMEDIATE = "immediate"
    DIGEST = "digest"


class DeliveryStatus(StrEnum):
    """Where a delivery stands."""

    PENDING = "pending"  # waiting for the worker, or for its next attempt
    SENT = "sent"  # the mail server took it
    FAILED = "failed"  # refused for good (a bounce, an address the server refuses)
    HELD = "held"  # a change kept for the person's next daily digest
    BUNDLED = "bundled"  # a held change gathered into a digest (``digest_id``)


class DeliveryKind(StrEnum):
    """One change's mail, or a day's digest of several."""

    CHANGE = "change"
    DIGEST = "digest"


class NotificationPreference(db.Model):
    """A person's choice: e-mail at once, as a daily digest, or not at all, and in which language.

    ``digest_hour`` is the local hour of the digest (in the zone of the first
    region followed); empty means 18.00.
    """

    __tablename__ = "notification_preferences"
    __table_args__ = (
        CheckConstraint(one_of("email_mode", EmailMode), name="email_mode"),
        CheckConstraint("digest_hour IS NULL OR digest_hour BETWEEN 0 AND 23", name="digest_hour"),
        CheckConstraint("lang IN ('id', 'en')", name="lang"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    email_mode: Mapped[str] = mapped_column(String(16), default=EmailMode.OFF)
    digest_hour: Mapped[int | None]
    lang: Mapped[str] = mapped_column(String(8), default="id")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


def new_key() -> str:
    """A delivery's stable id: every attempt of it carries this one (the mail's Message-ID)."""
    return uuid.uuid4().hex


class OutboxRow:
    """The columns every outbox table has (mails here, webhooks in ``kirab.webhooks``)."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Not before this moment: the first attempt at once, later ones backing off.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # A worker on SQLite claims a row until then; one that dies lets the claim run out.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Delivery(OutboxRow, db.Model):
    """One mail to send to one person about one change: a row of the outbox.

    Written in the change's transaction, so a change and its deliveries
    commit or vanish together; the worker sends it at least once, always
    under ``key``, so a receiver can drop a repeat.
    """

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        CheckConstraint(one_of("status", DeliveryStatus), name="status"),
        CheckConstraint(one_of("kind", DeliveryKind), name="kind"),
        # A change's mail names its change; a digest gathers its changes' rows instead.
        CheckConstraint("(kind = 'change') = (change_id IS NOT NULL)", name="change_of_kind"),
        CheckConstraint("attempts >= 0", name="attempts"),
        UniqueConstraint("user_id", "change_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True, default=new_key)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default=DeliveryKind.CHANGE)
    change_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_changes.id"), index=True)
    # The digest a held change went out in.
    digest_id: Mapped[int | None] = mapped_column(
        ForeignKey("notification_deliveries.id"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING, index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship()
    change: Mapped[AgendaChange | None] = relationship()
    bundled: Mapped[list[Delivery]] = relationship(order_by="Delivery.id")
