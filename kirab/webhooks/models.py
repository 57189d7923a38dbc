"""Registered endpoints, their pending deliveries, and the log of every attempt."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kirab.auth.models import User
from kirab.database import UTCDateTime, db, one_of, utcnow
from kirab.notifications.models import OutboxRow


class HookStatus(StrEnum):
    """Where a webhook delivery stands."""

    PENDING = "pending"
    SENT = "sent"  # the endpoint answered 2xx
    FAILED = "failed"  # given up after a day of attempts, or its endpoint was disabled


class WebhookEndpoint(db.Model):
    """An integrator's URL, its signing secret, and the regions it hears of (empty: all)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    # ``whsec_`` and base64, as Standard Webhooks libraries take it; shown once, never logged.
    secret: Mapped[str] = mapped_column(String(100))
    region_codes: Mapped[str] = mapped_column(String(500), default="")  # space-separated
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Since when every attempt failed; a day of it disables the endpoint.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:  # the secret stays out of every repr
        return f"<WebhookEndpoint {self.id} {self.url}>"

    @property
    def regions(self) -> list[str]:
        """The region codes it hears of; empty for every region."""
        return self.region_codes.split()


def new_message_id() -> str:
    """A delivery's ``webhook-id``, the same on every attempt."""
    return f"msg_{uuid.uuid4().hex}"


class WebhookDelivery(OutboxRow, db.Model):
    """One POST to make: one event of one change, to one endpoint, with its body fixed."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(one_of("status", HookStatus), name="status"),
        CheckConstraint("attempts >= 0", name="attempts"),
        UniqueConstraint("endpoint_id", "change_event_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True, default=new_message_id)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"), index=True)
    change_event_id: Mapped[int] = mapped_column(ForeignKey("agenda_change_events.id"))
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=HookStatus.PENDING, index=True)

    endpoint: Mapped[WebhookEndpoint] = relationship()
    log: Mapped[list[WebhookAttempt]] = relationship(
        order_by="WebhookAttempt.id", back_populates="delivery"
    )


class WebhookAttempt(db.Model):
    """One POST made: when, and what the endpoint answered (or why there was no answer)."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_code: Mapped[int | None]
    error: Mapped[str] = mapped_column(Text, default="")

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="log")
