"""Changing a person's notification preferences (account page and command line)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from kirab.audit.services import record
from kirab.auth.models import User
from kirab.database import db
from kirab.errors import DomainError
from kirab.notifications.models import Delivery, DeliveryStatus, EmailMode, NotificationPreference


class PreferenceRefused(DomainError):
    """A preference that cannot be kept."""


def preference_of(user: User) -> NotificationPreference:
    """The person's preference as stored, or the default (no e-mail, Indonesian) unsaved."""
    stored = db.session.get(NotificationPreference, user.id)
    return stored or NotificationPreference(user_id=user.id, email_mode=EmailMode.OFF, lang="id")


def set_preferences(
    user: User,
    *,
    email_mode: str,
    digest_hour: int | None = None,
    lang: str | None = None,
    actor,
    now: datetime,
) -> NotificationPreference:
    """Keep how changes reach the person; held changes follow a switch away from the digest."""
    if email_mode not in tuple(EmailMode):
        raise PreferenceRefused(_l("Choose how changes reach you."), field="email_mode")
    if digest_hour is not None and not 0 <= digest_hour <= 23:
        raise PreferenceRefused(_l("Choose an hour from 0 to 23."), field="digest_hour")
    if lang is not None and lang not in ("id", "en"):
        raise PreferenceRefused(_l("Choose Indonesian or English."), field="lang")
    preference = db.session.get(NotificationPreference, user.id)
    if preference is None:
        preference = NotificationPreference(user_id=user.id, lang="id")
        db.session.add(preference)
    preference.email_mode = email_mode
    preference.digest_hour = digest_hour
    if lang is not None:
        preference.lang = lang
    preference.updated_at = now
    if email_mode != EmailMode.DIGEST:
        # Changes held for a digest that will not come go out now (or not at all, when off).
        status = (
            DeliveryStatus.PENDING if email_mode == EmailMode.IMMEDIATE else DeliveryStatus.FAILED
        )
        db.session.execute(
            db.update(Delivery)
            .where(Delivery.user_id == user.id, Delivery.status == DeliveryStatus.HELD)
            .values(status=status, next_attempt_at=now)
        )
    db.session.flush()
    record(actor, "notifications.preferences", user, email=email_mode, digest_hour=digest_hour)
    return preference
