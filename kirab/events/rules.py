"""Pure scheduling rules: windows, clashes and spreading a programme over days."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def inside_window(
    starts_at: datetime, ends_at: datetime, receives_at: datetime, hands_over_at: datetime | None
) -> bool:
    """Whether [starts_at, ends_at) lies inside a stop's window [receives_at, hands_over_at)."""
    return starts_at >= receives_at and (hands_over_at is None or ends_at <= hands_over_at)


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Whether two half-open time ranges share a moment."""
    return a_start < b_end and b_start < a_end


def same_venue(a: str, b: str) -> bool:
    """Whether two venue names name the same place (case and spacing aside)."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold() != ""


def day_of_stop(receives_at: datetime, timezone: str, day: int) -> date:
    """The local date of day ``day`` of a stop; day 1 is the day it receives the flags."""
    first = receives_at.astimezone(ZoneInfo(timezone)).date()
    return first + timedelta(days=day - 1)


def spread_over_days(count: int, days: int) -> list[int]:
    """How many of ``count`` items each of ``days`` days holds, earlier days first.

    7 over 5 days gives [2, 2, 1, 1, 1]; 3 over 5 gives [1, 1, 1, 0, 0].
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    base, extra = divmod(count, days)
    return [base + (1 if index < extra else 0) for index in range(days)]


@dataclass(frozen=True)
class Slot:
    """A planned time range for the ``index``-th item of a programme."""

    index: int
    starts_at: datetime
    ends_at: datetime


def programme_slots(
    count: int,
    first_date: date,
    days: int,
    start: time,
    duration: timedelta,
    pause: timedelta,
    timezone: str,
) -> list[Slot]:
    """Times for ``count`` events spread over ``days`` days from ``first_date``.

    Events sharing a day follow each other, ``pause`` apart, from ``start``
    local time.
    """
    zone = ZoneInfo(timezone)
    slots: list[Slot] = []
    for offset, per_day in enumerate(spread_over_days(count, days)):
        day = first_date + timedelta(days=offset)
        begin = datetime.combine(day, start, zone)
        for turn in range(per_day):
            starts_at = begin + turn * (duration + pause)
            slots.append(Slot(len(slots), starts_at, starts_at + duration))
    return slots


def clashes(events: Sequence) -> list[tuple]:
    """Pairs of events at the same venue at overlapping times.

    ``events`` need ``venue_name``, ``starts_at`` and ``ends_at``.
    """
    ordered = sorted(events, key=lambda e: e.starts_at)
    found = []
    for index, first in enumerate(ordered):
        for second in ordered[index + 1 :]:
            if second.starts_at >= first.ends_at:
                break
            if same_venue(first.venue_name, second.venue_name):
                found.append((first, second))
    return found
