"""Daily digests: a person's held changes gathered into one mail at their hour.

The hour is local to the first region the person follows (18.00 unless
they chose another), so a digest for Kabupaten Bekasi goes out at 18.00 WIB.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from kirab.auth.models import User
from kirab.database import db
from kirab.i18n import from_local, to_local
from kirab.notifications.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    NotificationPreference,
)
from kirab.regions.models import Region

DEFAULT_HOUR = 18
DEFAULT_ZONE = "Asia/Jakarta"


def digest_zone(user: User) -> str:
    """The zone of the person's first followed region (WIB without one)."""
    for code in user.region_codes:
        region = db.session.get(Region, code)
        if region is not None:
            return region.timezone
    return DEFAULT_ZONE


def digest_due(moment: datetime, hour: int | None, zone: str) -> datetime:
    """The first digest time after ``moment``: the next ``hour``.00 in ``zone``."""
    local = to_local(moment, zone)
    due = from_local(local.date(), time(DEFAULT_HOUR if hour is None else hour), zone)
    return (
        due
        if due > moment
        else from_local(
            local.date() + timedelta(days=1), time(DEFAULT_HOUR if hour is None else hour), zone
        )
    )


def queue_digests(now: datetime) -> list[Delivery]:
    """For each person whose digest time has come, one pending digest of their held changes."""
    held = (
        select(Delivery.user_id, func.min(Delivery.created_at))
        .where(Delivery.status == DeliveryStatus.HELD)
        .group_by(Delivery.user_id)
    )
    queued = []
    for user_id, earliest in db.session.execute(held).all():
        user = db.session.get(User, user_id)
        preference = db.session.get(NotificationPreference, user_id)
        hour = preference.digest_hour if preference is not None else None
        due = digest_due(earliest, hour, digest_zone(user))
        if due > now:
            continue
        rows = db.session.execute(
            select(Delivery).where(
                Delivery.user_id == user_id,
                Delivery.status == DeliveryStatus.HELD,
                Delivery.created_at < due,
            ).order_by(Delivery.created_at, Delivery.id)
        ).scalars().all()  # fmt: skip
        digest = Delivery(
            user_id=user_id, kind=DeliveryKind.DIGEST, change_id=None, created_at=due,
            next_attempt_at=now,
            status=DeliveryStatus.PENDING,
        )  # fmt: skip
        db.session.add(digest)
        db.session.flush()
        for row in rows:
            row.status = DeliveryStatus.BUNDLED
            row.digest_id = digest.id
        queued.append(digest)
    db.session.flush()
    return queued
