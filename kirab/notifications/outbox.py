"""The outbox: claiming pending deliveries, and what each attempt leaves behind.

On PostgreSQL a worker takes one row with ``FOR UPDATE SKIP LOCKED`` and
holds its lock while it sends: a second worker skips the row, and a worker
that dies drops its connection, so the lock goes and the row is taken again.
SQLite has no row locks: there one worker claims a row with a single
UPDATE that marks it taken until ``claimed_until``, and commits; a worker
killed mid-send leaves a claim that runs out.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from kirab.database import db
from kirab.notifications.models import Delivery, DeliveryStatus

log = logging.getLogger("kirab.notifications")

# A claim on SQLite lasts this long by default: longer than any one send (smtp.TIMEOUT
# bounds it). A worker killed mid-send leaves its row to be taken again after it.
CLAIM_SECONDS = 120
# The longest wait between two attempts while the mail server is away.
LONGEST_WAIT = timedelta(minutes=10)


def _due(model, now: datetime):
    return (model.status == DeliveryStatus.PENDING, model.next_attempt_at <= now)


def claim(now: datetime, model=Delivery):
    """Take the oldest due row of an outbox table for this worker, or None when none is due.

    ``model`` is any outbox table with ``status`` (``"pending"``), ``next_attempt_at``
    and ``claimed_until``: the mails' or the webhooks'.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        query = (
            select(model).where(*_due(model, now)).order_by(model.id).limit(1)
            .with_for_update(skip_locked=True)
        )  # fmt: skip
        return db.session.execute(query).scalar_one_or_none()
    free = or_(model.claimed_until.is_(None), model.claimed_until < now)
    oldest = select(model.id).where(*_due(model, now), free).order_by(model.id).limit(1)
    claimed = db.session.execute(
        update(model)
        .where(model.id == oldest.scalar_subquery(), free)
        .values(claimed_until=now + claim_length())
        .returning(model.id)
    ).scalar_one_or_none()
    db.session.commit()
    return db.session.get(model, claimed) if claimed is not None else None


def claim_length() -> timedelta:
    """How long a claim on SQLite holds (``KIRAB_NOTIFY_CLAIM_SECONDS``)."""
    return timedelta(seconds=float(current_app.config.get("NOTIFY_CLAIM_SECONDS", CLAIM_SECONDS)))


def retry_wait(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: doubling, at most 10 minutes."""
    first = float(current_app.config.get("NOTIFY_RETRY_SECONDS", 10))
    return min(timedelta(seconds=first * 2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def mark_sent(delivery: Delivery, now: datetime) -> None:
    """The mail server took the message."""
    delivery.status = DeliveryStatus.SENT
    delivery.attempts += 1
    delivery.sent_at = now
    delivery.claimed_until = None
    delivery.last_error = ""


def mark_refused(delivery: Delivery, now: datetime, reason: str) -> None:
    """Refused for good: kept, logged and shown to the admins, not tried again."""
    delivery.status = DeliveryStatus.FAILED
    delivery.attempts += 1
    delivery.sent_at = None
    delivery.claimed_until = None
    delivery.last_error = reason[:500]
    log.warning("mail %s to %s refused: %s", delivery.key, delivery.user.email, reason)


def mark_dropped(delivery: Delivery, reason: str) -> None:
    """Not sent, since the person no longer wants it (unsubscribed, deactivated)."""
    delivery.status = DeliveryStatus.FAILED
    delivery.claimed_until = None
    delivery.last_error = reason


def mark_for_retry(delivery: Delivery, now: datetime, reason: str) -> None:
    """The server is away for now: the same delivery, with the same id, later."""
    delivery.attempts += 1
    delivery.next_attempt_at = now + retry_wait(delivery.attempts)
    delivery.claimed_until = None
    delivery.last_error = reason[:500]
    log.info("mail %s waits for the mail server: %s", delivery.key, reason)
