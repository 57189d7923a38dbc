"""Self check-in: the signed link of an event's QR code, when it works, and checking in with it."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from kirab.attendance.identity import Outcome
from kirab.attendance.models import BY_SELF
from kirab.attendance.services import record_attendance
from kirab.config import signing_keys
from kirab.errors import DomainError
from kirab.events.models import CANCELLED, Event
from kirab.i18n import local_datetime

# Self check-in is open from this long before an event starts to this long after it ends.
CHECKIN_OPENS_BEFORE = timedelta(hours=2)
CHECKIN_CLOSES_AFTER = timedelta(hours=2)
CHECKIN_SALT = "kirab.attendance.self-checkin"


class CheckinRefused(DomainError):
    """A self check-in link that is forged, for another event, or used outside its time."""

    def __init__(self, message: str, status: int):
        super().__init__(message, None)
        self.status = status


def _serializer() -> URLSafeSerializer:
    """Signs self check-in links with the app's secret, salted for this purpose only.

    Links signed with a key that was rotated out but kept among the
    fallbacks still verify: printed posters outlive a key change.
    """
    return URLSafeSerializer(signing_keys(current_app.config), salt=CHECKIN_SALT)


def checkin_token(event: Event) -> str:
    """The signed token of an event's self check-in link (its QR code)."""
    return _serializer().dumps({"event": event.id})


def checkin_window(event: Event) -> tuple[datetime, datetime]:
    """When an event's self check-in link works."""
    return event.starts_at - CHECKIN_OPENS_BEFORE, event.ends_at + CHECKIN_CLOSES_AFTER


def verify_checkin_token(event: Event, token: str, now: datetime) -> None:
    """Refuse a forged token, another event's token, or one used outside the event's time."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        raise CheckinRefused(
            _("This check-in code is not valid. Please scan the code the committee shows."), 400
        ) from None
    if not isinstance(payload, dict) or payload.get("event") != event.id:
        raise CheckinRefused(_("This check-in code belongs to another event."), 400)
    if event.status == CANCELLED:
        raise CheckinRefused(_("This event has been cancelled; check-in is closed."), 403)
    opens, closes = checkin_window(event)
    if now < opens:
        raise CheckinRefused(
            _("Check-in opens on %(when)s.", when=local_datetime(opens, event.timezone)), 403
        )
    if now > closes:
        raise CheckinRefused(
            _("Check-in closed on %(when)s.", when=local_datetime(closes, event.timezone)), 403
        )


def self_check_in(
    event: Event,
    token: str,
    now: datetime,
    *,
    name: str,
    category: str,
    key: str,
    party_number: int | None = None,
    organisation: str = "",
    contact: str = "",
) -> Outcome:
    """A person records themselves with the event's QR link; a party they give is self-declared."""
    verify_checkin_token(event, token, now)
    return record_attendance(
        event,
        name=name,
        category=category,
        actor=None,
        key=key,
        method=BY_SELF,
        party_number=party_number,
        organisation=organisation,
        contact=contact,
        party_self_declared=True,
        recorded_at=now,
    )
