"""Language choice and Indonesian-first formatting of dates, times and numbers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, format_timedelta
from babel.numbers import format_decimal
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale

# Indonesia's three zones carry these names; it has no daylight saving.
ZONE_ABBREVIATIONS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def select_locale() -> str:
    """``lang`` in the URL wins, then the choice kept in the session, then Indonesian.

    The browser's Accept-Language is ignored on purpose: many phones in
    Indonesia are set to English while their owners read Indonesian.
    """
    languages = current_app.config["LANGUAGES"]
    if has_request_context():
        wanted = request.args.get("lang")
        if wanted in languages:
            return wanted
        # Calendar apps and feed readers send no cookies: a feed speaks only what its URL says.
        if not request.path.endswith((".ics", ".atom")) and session.get("lang") in languages:
            return session["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def tz_abbr(timezone: str) -> str:
    """WIB, WITA or WIT for an Indonesian IANA zone; the zone name otherwise."""
    return ZONE_ABBREVIATIONS.get(timezone, timezone)


def to_local(moment: datetime, timezone: str) -> datetime:
    """Express an aware datetime in ``timezone``."""
    return moment.astimezone(ZoneInfo(timezone))


def _locale() -> str:
    return str(get_locale() or "id")


def local_date(value: date | datetime, timezone: str | None = None) -> str:
    """A long date in the current language: "Senin, 13 November 2023"."""
    if isinstance(value, datetime) and timezone:
        value = to_local(value, timezone)
    return format_date(value, "EEEE, d MMMM y", locale=_locale())


def short_date(value: date | datetime, timezone: str | None = None) -> str:
    """A compact date in the current language: "13 Nov 2023"."""
    if isinstance(value, datetime) and timezone:
        value = to_local(value, timezone)
    return format_date(value, "d MMM y", locale=_locale())


def local_time(moment: datetime, timezone: str) -> str:
    """The time of day with its zone: "09.00 WIB" (Indonesian), "09:00 WIB" (English)."""
    pattern = "HH.mm" if _locale() == "id" else "HH:mm"
    clock = format_time(to_local(moment, timezone), pattern, locale=_locale())
    return f"{clock} {tz_abbr(timezone)}"


def day_time(moment: datetime, timezone: str) -> str:
    """The day of the week and time with its zone: "Rabu 08.00 WIB"."""
    day = format_date(to_local(moment, timezone), "EEEE", locale=_locale())
    return f"{day} {local_time(moment, timezone)}"


def local_datetime(moment: datetime, timezone: str) -> str:
    """Date and time with its zone: "Senin, 13 November 2023, 09.00 WIB"."""
    return f"{local_date(moment, timezone)}, {local_time(moment, timezone)}"


def number(value: int | float) -> str:
    """A number in the current language's format (Indonesian: 2.200.209)."""
    return format_decimal(value, locale=_locale())


def month_name(value: date) -> str:
    """A month and year in the current language: "November 2023"."""
    return format_date(value, "LLLL y", locale=_locale())


def datetime_input(moment: datetime, timezone: str) -> str:
    """The value of a ``datetime-local`` input showing ``moment`` in ``timezone``."""
    return to_local(moment, timezone).strftime("%Y-%m-%dT%H:%M")


def duration(value: timedelta) -> str:
    """A length of time in words, rounded: "1 hari", "3 hours"."""
    return format_timedelta(value, threshold=1.5, locale=_locale())


def register_template_helpers(app) -> None:
    """Make the formatting helpers available to every template."""
    app.jinja_env.filters.update(
        local_date=local_date,
        short_date=short_date,
        local_time=local_time,
        local_datetime=local_datetime,
        number=number,
        tz_abbr=tz_abbr,
        datetime_input=datetime_input,
        month_name=month_name,
        duration=duration,
    )


def from_local(day: date, clock: time, timezone: str) -> datetime:
    """The aware moment of a local date and time of day in ``timezone``."""
    return datetime.combine(day, clock).replace(tzinfo=ZoneInfo(timezone))
