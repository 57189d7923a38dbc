"""Reading the moment a visitor or client asks about (``at``)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from kirab.errors import DomainError


def parse_moment(text: str, *, default_zone: str | None = None) -> datetime:
    """Parse an ISO 8601 moment; raise DomainError when it cannot be read.

    Without ``default_zone`` the text must carry an offset (the API's rule);
    with it, a time without offset is read in that zone (the web form, which
    offers WIB).
    """
    text = text.strip()
    try:
        if len(text) > 40:
            raise ValueError(text)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DomainError(
            _("at must be a date and time such as 2023-11-15T12:00:00+07:00."), "at"
        ) from None
    if moment.tzinfo is None:
        if default_zone is None:
            raise DomainError(_("at must carry a UTC offset, such as +07:00."), "at")
        moment = moment.replace(tzinfo=ZoneInfo(default_zone))
    return moment
