"""Pending deliveries written with each recorded change, in the change's transaction."""

from __future__ import annotations

from sqlalchemy import select

from kirab.auth.models import User
from kirab.changes.models import AgendaChange
from kirab.changes.signals import change_recorded
from kirab.database import db
from kirab.events.models import Event
from kirab.events.services import followed_condition
from kirab.notifications.models import Delivery, DeliveryStatus, EmailMode, NotificationPreference


def reached_by(change: AgendaChange, user: User) -> bool:
    """Whether the change concerns an event the person follows (region or party invitation)."""
    event_ids = [item.event_id for item in change.events]
    if not event_ids:
        return False
    query = select(Event.id).where(Event.id.in_(event_ids), followed_condition(user)).limit(1)
    return db.session.execute(query).first() is not None


def subscribers() -> list[tuple[User, NotificationPreference]]:
    """Active people who want e-mail, immediately or as a digest."""
    rows = db.session.execute(
        select(User, NotificationPreference)
        .join(NotificationPreference, NotificationPreference.user_id == User.id)
        .where(
            User.active.is_(True),
            NotificationPreference.email_mode.in_((EmailMode.IMMEDIATE, EmailMode.DIGEST)),
        )
        .order_by(User.id)
    )
    return [tuple(row) for row in rows]


def queue_deliveries(change: AgendaChange) -> list[Delivery]:
    """One delivery per person the change reaches: pending for now, or held for their digest.

    A shift moving 40 events is one change, so one delivery (one mail) each.
    """
    queued = []
    for user, preference in subscribers():
        if not reached_by(change, user):
            continue
        status = (
            DeliveryStatus.HELD
            if preference.email_mode == EmailMode.DIGEST
            else DeliveryStatus.PENDING
        )
        # Dated by the change: a digest gathers the changes of its day by it.
        queued.append(
            Delivery(
                user_id=user.id, change_id=change.id, status=status,
                created_at=change.occurred_at, next_attempt_at=change.occurred_at,
            )
        )  # fmt: skip
    db.session.add_all(queued)
    db.session.flush()
    return queued


@change_recorded.connect
def deliveries_of_change(change: AgendaChange, **_details) -> None:
    """Write the change's deliveries in its own session: they commit or vanish with it."""
    queue_deliveries(change)
