"""Language choice and Indonesian-first formatting of dates, times and numbers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, format_timedelta
from babel.numbers import format_decimal
from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale, get_translations

# Formatted values kept per process: a value's text depends only on the value and the
# language, and Babel's formatting is slow next to a dictionary lookup.
FORMATS_KEPT = 16384

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


@lru_cache(maxsize=64)
def _locale_name(locale) -> str:
    return str(locale or "id")


def _locale() -> str:
    return _locale_name(get_locale())


@lru_cache(maxsize=FORMATS_KEPT)
def _day_text(day: date, pattern: str, locale: str) -> str:
    return format_date(day, pattern, locale=locale)


@lru_cache(maxsize=FORMATS_KEPT)
def _clock_text(hour: int, minute: int, locale: str) -> str:
    pattern = "HH.mm" if locale == "id" else "HH:mm"
    return format_time(time(hour, minute), pattern, locale=locale)


@lru_cache(maxsize=FORMATS_KEPT)
def _number_text(kind: type, value, locale: str) -> str:
    return format_decimal(value, locale=locale)


def _day(value: date | datetime, timezone: str | None) -> date:
    """The calendar day of a date, or of a moment (in ``timezone`` when one is given)."""
    if isinstance(value, datetime):
        return (to_local(value, timezone) if timezone else value).date()
    return value


def local_date(value: date | datetime, timezone: str | None = None) -> str:
    """A long date in the current language: "Senin, 13 November 2023"."""
    return _day_text(_day(value, timezone), "EEEE, d MMMM y", _locale())


def short_date(value: date | datetime, timezone: str | None = None) -> str:
    """A compact date in the current language: "13 Nov 2023"."""
    return _day_text(_day(value, timezone), "d MMM y", _locale())


def brief_date(value: date | datetime, timezone: str | None = None) -> str:
    """The day of the week and the date, short, for a row of days: "Sen 13 Nov"."""
    return _day_text(_day(value, timezone), "EEE d MMM", _locale())


def local_time(moment: datetime, timezone: str) -> str:
    """The time of day with its zone: "09.00 WIB" (Indonesian), "09:00 WIB" (English)."""
    local = to_local(moment, timezone)
    return f"{_clock_text(local.hour, local.minute, _locale())} {tz_abbr(timezone)}"


def time_formatter():
    """``local_time`` with the language found once: for pages that show hundreds of times."""
    locale = _locale()

    def formatted(moment: datetime, timezone: str) -> str:
        local = to_local(moment, timezone)
        return f"{_clock_text(local.hour, local.minute, locale)} {tz_abbr(timezone)}"

    return formatted


def day_time(moment: datetime, timezone: str) -> str:
    """The day of the week and time with its zone: "Rabu 08.00 WIB"."""
    day = format_date(to_local(moment, timezone), "EEEE", locale=_locale())
    return f"{day} {local_time(moment, timezone)}"


def local_datetime(moment: datetime, timezone: str) -> str:
    """Date and time with its zone: "Senin, 13 November 2023, 09.00 WIB"."""
    return f"{local_date(moment, timezone)}, {local_time(moment, timezone)}"


def number(value: int | float) -> str:
    """A number in the current language's format (Indonesian: 2.200.209)."""
    return _number_text(type(value), value, _locale())


def number_formatter():
    """``number`` with the language found once: for tables that show thousands of numbers."""
    locale = _locale()

    def formatted(value: int | float) -> str:
        return _number_text(type(value), value, locale)

    return formatted


def month_name(value: date) -> str:
    """A month and year in the current language: "November 2023"."""
    return _day_text(_day(value, None), "LLLL y", _locale())


def datetime_input(moment: datetime, timezone: str) -> str:
    """The value of a ``datetime-local`` input showing ``moment`` in ``timezone``."""
    return to_local(moment, timezone).strftime("%Y-%m-%dT%H:%M")


INPUT_PARSERS = {"date": date.fromisoformat, "time": time.fromisoformat}


def input_hint(text: str | None, kind: str, timezone: str | None = None) -> str:
    """What a date, time or datetime-local input holds, written in the current language.

    ``text`` is the input's own value ("2023-10-11", "13:00",
    "2023-10-11T13:00", local time); the hint reads "Rabu, 11 Oktober 2023",
    "13.00 WIB" or both, the zone only where the form knows it. Phones set to
    English show a native input as "10/11/2023" or "1:00 PM" whatever the
    interface language. Empty or unreadable text has no hint.
    static/js/date-hints.js writes the same as the value changes.
    """
    try:
        value = INPUT_PARSERS.get(kind, datetime.fromisoformat)((text or "").strip())
    except ValueError:
        return ""
    zone = f" {tz_abbr(timezone)}" if timezone else ""
    locale = _locale()
    if kind == "date":
        return local_date(value)
    clock_text = _clock_text(value.hour, value.minute, locale) + zone
    return clock_text if kind == "time" else f"{local_date(value)}, {clock_text}"


def duration(value: timedelta) -> str:
    """A length of time in words, rounded: "1 hari", "3 hours"."""
    return format_timedelta(value, threshold=1.5, locale=_locale())


def current_translations():
    """The catalogue of the request's language, looked up once per request and language.

    Flask-Babel finds it anew on every call (several lookups of ``g`` and the
    locale's name), which pages with a translated word per row pay thousands
    of times. The catalogue is kept beside Flask-Babel's own request state,
    with the locale it belongs to: ``force_locale`` swaps that locale, so a
    kept catalogue is used only while its locale is still the current one.
    """
    state = g.get("_flask_babel")
    kept = getattr(state, "kirab_translations", None)
    if kept is not None and kept[0] is getattr(state, "babel_locale", None):
        return kept[1]
    translations = get_translations()
    state = g.get("_flask_babel")
    locale = getattr(state, "babel_locale", None)
    if locale is not None:
        state.kirab_translations = (locale, translations)
    return translations


def install_gettext(app) -> None:
    """Templates' ``_()`` and ``ngettext`` through ``current_translations``."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda text: current_translations().ugettext(text),
        ngettext=lambda singular, plural, n: current_translations().ungettext(singular, plural, n),
        newstyle=True,
        pgettext=lambda context, text: current_translations().upgettext(context, text),
        npgettext=lambda context, singular, plural, n: current_translations().unpgettext(
            context, singular, plural, n
        ),
    )


def register_template_helpers(app) -> None:
    """Make the formatting helpers available to every template."""
    install_gettext(app)
    app.jinja_env.filters.update(
        local_date=local_date,
        short_date=short_date,
        brief_date=brief_date,
        local_time=local_time,
        local_datetime=local_datetime,
        number=number,
        tz_abbr=tz_abbr,
        datetime_input=datetime_input,
        input_hint=input_hint,
        month_name=month_name,
        duration=duration,
    )
    app.jinja_env.globals["number_formatter"] = number_formatter


def from_local(day: date, clock: time, timezone: str) -> datetime:
    """The aware moment of a local date and time of day in ``timezone``."""
    return datetime.combine(day, clock).replace(tzinfo=ZoneInfo(timezone))
