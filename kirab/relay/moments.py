"""Reading the moment (``at``) and the relay (``relay``) a visitor or client asks about."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import request
from flask_babel import gettext as _

from kirab import clock
from kirab.errors import DomainError, bad_request
from kirab.params import FIRST_YEAR, LAST_YEAR, parameter_label, whole_number
from kirab.regions.models import NATIONAL_TIMEZONE

# A "+07:00" typed into a query string unencoded arrives as " 07:00".
SPACED_OFFSET = re.compile(r" ([0-9]{2}:?[0-9]{2})$")


def parse_moment(text: str, *, default_zone: str | None = None, name: str = "at") -> datetime:
    """Parse an ISO 8601 moment; raise DomainError when it cannot be read.

    Without ``default_zone`` the text must carry an offset (the API's rule);
    with it, a time without offset is read in that zone (the web form, which
    offers WIB). ``name`` is what a message calls the value: the API's
    integrators read its parameter, a page's visitor the field's label.
    """
    text = SPACED_OFFSET.sub(r"+\1", text.strip())
    try:
        if len(text) > 40:
            raise ValueError(text)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DomainError(
            _("%(name)s must be a date and time such as 2023-11-15T12:00:00+07:00.", name=name),
            "at",
        ) from None
    if moment.tzinfo is None:
        if default_zone is None:
            raise DomainError(_("at must carry a UTC offset, such as +07:00."), "at")
        moment = moment.replace(tzinfo=ZoneInfo(default_zone))
    # The local year first: converting a far-off moment to UTC would overflow.
    if not FIRST_YEAR <= moment.year <= LAST_YEAR or not (
        FIRST_YEAR <= moment.astimezone(UTC).year <= LAST_YEAR
    ):
        raise DomainError(
            _("%(name)s must lie between the years %(first)d and %(last)d.",
              name=name, first=FIRST_YEAR, last=LAST_YEAR),
            "at",
        )  # fmt: skip
    return moment


def requested_moment() -> tuple[datetime, bool]:
    """The moment a page was asked about with ``at`` (WIB without offset), or now.

    Returns the moment and whether the visitor chose it; a bad value is a 400.
    """
    text = request.args.get("at", "").strip()
    if not text:
        return clock.now(), False
    try:
        return parse_moment(text, default_zone=NATIONAL_TIMEZONE, name=parameter_label("at")), True
    except DomainError as error:
        bad_request(error.message)


def requested_relay_id() -> int | None:
    """The relay a page was asked about with ``relay=<id>``, or None; a malformed id is a 400."""
    values = request.args.getlist("relay")
    if len(values) > 1:
        bad_request(_("%(name)s may be given only once.", name=parameter_label("relay")))
    text = values[0].strip() if values else ""
    if not text:
        return None
    number = whole_number(text)
    if number is None:
        bad_request(_("%(name)s must be a whole number.", name=parameter_label("relay")))
    return number
