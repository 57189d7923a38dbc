"""The moments a visitor may jump to from the home page, in every phase of a relay.

A visitor before the relay wants to see how it will begin; one during it,
the handover just past and the one coming; one after it, how it began and
how it ended, and any day of it. So the presets are the relay's start and
its end (the last arrival), the handovers just before and after the moment
shown, and the days of the week around that moment (the first week before
the relay, the last one after it), each at noon in the national zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from kirab.i18n import from_local, to_local

START = "start"
PREVIOUS = "previous"
NEXT = "next"
END = "end"
# Noon: after the morning handovers, while the day's events are under way.
DAY_TIME = time(12, 0)
WEEK = 7


@dataclass(frozen=True)
class Handover:
    """A moment the flags reach a stop: when, where, and the zone it is told in."""

    moment: datetime
    place: str
    timezone: str


@dataclass(frozen=True)
class Preset:
    """A moment offered as a link: what it is (START, PREVIOUS, NEXT, END) and the handover."""

    kind: str
    handover: Handover


@dataclass(frozen=True)
class Day:
    """A day of the relay offered as a link, at noon, and whether it is the day shown."""

    day: date
    moment: datetime
    shown: bool


def handovers_of(statuses) -> list[Handover]:
    """Every arrival of the flags at a stop of the relay's routes, in time order."""
    found = [
        Handover(stop.receives_at, stop.office.name, stop.timezone)
        for status in statuses
        for stop in status.stops
    ]
    return sorted(found, key=lambda handover: (handover.moment, handover.place))


def preset_moments(handovers: list[Handover], at: datetime) -> list[Preset]:
    """The start, the handover before and after ``at``, and the end, each once, in time order."""
    if not handovers:
        return []
    first, last = handovers[0], handovers[-1]
    before = [handover for handover in handovers if handover.moment < at]
    after = [handover for handover in handovers if handover.moment > at]
    presets = [Preset(START, first)]
    # The start and the end are offered anyway: a neighbour that is one of them is not repeated.
    if before and first.moment < before[-1].moment < last.moment:
        presets.append(Preset(PREVIOUS, before[-1]))
    if after and first.moment < after[0].moment < last.moment:
        presets.append(Preset(NEXT, after[0]))
    if last.moment > first.moment:
        presets.append(Preset(END, last))
    return presets


def relay_days(handovers: list[Handover], at: datetime, timezone: str) -> list[Day]:
    """The days of the week around ``at`` that lie within the relay, told in ``timezone``.

    Three days either side of the day shown, moved to stay inside the relay:
    its first week before it begins, its last week once it is over.
    """
    if not handovers:
        return []
    first = to_local(handovers[0].moment, timezone).date()
    last = to_local(handovers[-1].moment, timezone).date()
    shown = to_local(at, timezone).date()
    begin = min(max(shown - timedelta(days=WEEK // 2), first), last - timedelta(days=WEEK - 1))
    begin = max(begin, first)
    days = []
    for offset in range(WEEK):
        day = begin + timedelta(days=offset)
        if day > last:
            break
        days.append(Day(day, from_local(day, DAY_TIME, timezone), day == shown))
    return days
