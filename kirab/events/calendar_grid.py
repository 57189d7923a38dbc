"""The month calendar of the agenda: weeks of local days, Monday first."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _

from kirab.errors import DomainError
from kirab.events.models import CANCELLED
from kirab.i18n import time_formatter, to_local
from kirab.params import plausible

MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


@dataclass(frozen=True)
class MonthEvent:
    """An event of the month grid: what its chip and its line in the list show, formatted once."""

    id: int
    title: str
    cancelled: bool
    time: str


@dataclass(frozen=True)
class Day:
    """One cell of the month grid."""

    date: date
    in_month: bool
    events: list[MonthEvent]


def month_events(rows) -> list[tuple[date, MonthEvent]]:
    """Rows of (id, title, status, starts_at, timezone) as the grid's events, by local day."""
    formatted = time_formatter()
    return [
        (to_local(starts_at, zone).date(),
         MonthEvent(event_id, title, status == CANCELLED, formatted(starts_at, zone)))
        for event_id, title, status, starts_at, zone in rows
    ]  # fmt: skip


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


def month_weeks(first: date, events: list[tuple[date, MonthEvent]]) -> list[list[Day]]:
    """Weeks (Monday to Sunday) covering the month, each day with the events starting then."""
    by_day: dict[date, list[MonthEvent]] = defaultdict(list)
    for day, event in events:
        by_day[day].append(event)
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
