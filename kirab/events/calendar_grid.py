"""The month calendar of the agenda: weeks of local days, Monday first."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _

from kirab.errors import DomainError
from kirab.events.models import Event
from kirab.i18n import to_local
from kirab.params import plausible

MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


@dataclass(frozen=True)
class Day:
    """One cell of the month grid."""

    date: date
    in_month: bool
    events: list[Event]


def parse_month(text: str) -> date:
    """The first day of a month written ``YYYY-MM``; raise DomainError otherwise."""
    match = MONTH.fullmatch(text.strip())
    try:
        if not match:
            raise ValueError(text)
        first = date(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise DomainError(_("month must be written YYYY-MM."), "month") from None
    if not plausible(first):
        raise DomainError(_("month must be written YYYY-MM."), "month")
    return first


def month_end(first: date) -> date:
    """The last day of the month that starts on ``first``."""
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def month_weeks(first: date, events: list[Event]) -> list[list[Day]]:
    """Weeks (Monday to Sunday) covering the month, each day with the events starting then.

    An event is anything with ``starts_at`` and ``timezone``: the month view passes rows.
    """
    by_day: dict[date, list[Event]] = defaultdict(list)
    for event in events:
        by_day[to_local(event.starts_at, event.timezone).date()].append(event)
    last = month_end(first)
    day = first - timedelta(days=first.weekday())
    weeks = []
    while day <= last:
        weeks.append(
            [Day(day + timedelta(days=i), (day + timedelta(days=i)).month == first.month,
                 by_day.get(day + timedelta(days=i), [])) for i in range(7)]
        )  # fmt: skip
        day += timedelta(days=7)
    return weeks
