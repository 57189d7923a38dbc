"""Self check-in: the signed link of an event's QR code, when it works, and checking in with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
SERVED_SALT = "kirab.attendance.self-checkin-served"
# A check-in made on a phone without signal is accepted when it arrives this long after
# check-in closed at the latest.
LATE_SYNC_LIMIT = timedelta(hours=12)


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


def served_token(event: Event, now: datetime) -> str:
    """The signed time the check-in page was served: a late check-in cannot claim an earlier one."""
    return _serializer_for(SERVED_SALT).dumps({"event": event.id, "at": now.timestamp()})


def _serializer_for(salt: str) -> URLSafeSerializer:
    """The app's signing keys with ``salt``: one purpose, one salt."""
    return URLSafeSerializer(signing_keys(current_app.config), salt=salt)


def _served_at(event: Event, token: str) -> datetime:
    """When the page holding ``token`` was served; refuses a forged or foreign token."""
    try:
        payload = _serializer_for(SERVED_SALT).loads(token)
    except BadSignature:
        payload = None
    if not isinstance(payload, dict) or payload.get("event") != event.id:
        raise CheckinRefused(_("This check-in page is not valid. Please scan the code again."), 400)
    return datetime.fromtimestamp(float(payload["at"]), UTC)


def checkin_moment(event: Event, now: datetime, served: str, stated: datetime | None) -> datetime:
    """When a check-in happened: now, or the time a phone that lost its signal states.

    A phone that kept the check-in while offline sends it later with the
    moment the person pressed the button. That moment counts when it lies
    between the signed time the page was served and now, and the check-in
    arrives at most LATE_SYNC_LIMIT after check-in closed; the token is then
    checked at that moment (``verify_checkin_token``).
    """
    if stated is None:
        return now
    served_at = _served_at(event, served)
    if stated < served_at:
        raise CheckinRefused(
            _("The time your phone gives lies before this check-in page was opened."), 400
        )
    if stated > now:
        raise CheckinRefused(_("The time your phone gives lies in the future."), 400)
    closes = checkin_window(event)[1]
    if now > closes + LATE_SYNC_LIMIT:
        raise CheckinRefused(
            _(
                "This check-in arrived more than 12 hours after check-in closed on %(when)s"
                " and cannot be recorded.",
                when=local_datetime(closes, event.timezone),
            ),
            403,
        )
    return stated


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
    received_at: datetime | None = None,
) -> Outcome:
    """A person records themselves with the event's QR link; a party they give is self-declared.

    ``now`` is when they checked in; ``received_at``, when the server got it,
    if later (a check-in kept on a phone without signal).
    """
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
        received_at=received_at,
    )
