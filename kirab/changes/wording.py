"""How entries of the change log read, in the visitor's language and the stop's local time.

One function turns a page of entries into ``ChangeItem``s that the HTML
page and the Atom feed both show: a headline, and for a shift one line per
event. Only public fields appear (title, times, venue, reason), never who
made the change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from kirab.changes.models import AgendaChange, AgendaChangeEvent, ChangeKind
from kirab.database import db
from kirab.i18n import day_time, duration, local_datetime, to_local
from kirab.regions.models import Office
from kirab.relay.models import Stop

# Times a week or more apart are told with their dates: a weekday alone would mislead.
WEEKDAY_ENOUGH = timedelta(days=7)


@dataclass
class Line:
    """One sentence about one event, with a link to its page while it is public."""

    text: str
    url: str | None = None


@dataclass
class ChangeItem:
    """An entry as it reads: its headline, when it happened, and its lines."""

    id: int
    kind: str
    occurred_at: datetime
    timezone: str
    headline: Line
    lines: list[Line] = field(default_factory=list)


def _moved(row: AgendaChangeEvent, zone: str) -> str:
    """A move in time: "Pawai Dapil 3 moved from Rabu 08.00 WIB to Rabu 13.00 WIB"."""
    old, new = row.old_starts_at, row.new_starts_at
    days_apart = abs(to_local(new, zone).date() - to_local(old, zone).date())
    told = day_time if days_apart < WEEKDAY_ENOUGH else local_datetime
    return _("%(title)s moved from %(old)s to %(new)s", title=row.title,
             old=told(old, zone), new=told(new, zone))  # fmt: skip


def _venue(row: AgendaChangeEvent, _zone: str) -> str:
    """A new place."""
    if not row.old_venue:
        return _("%(title)s now takes place at %(new)s", title=row.title, new=row.new_venue)
    if not row.new_venue:
        return _("%(title)s no longer names a venue (it was %(old)s)", title=row.title,
                 old=row.old_venue)  # fmt: skip
    return _("%(title)s moved from %(old)s to %(new)s", title=row.title, old=row.old_venue,
             new=row.new_venue)  # fmt: skip


def _created(row: AgendaChangeEvent, zone: str) -> str:
    """An event came onto the agenda."""
    when = local_datetime(row.new_starts_at, zone)
    if row.new_venue:
        return _("%(title)s was published for %(when)s at %(venue)s", title=row.title,
                 when=when, venue=row.new_venue)  # fmt: skip
    return _("%(title)s was published for %(when)s", title=row.title, when=when)


def _cancelled(row: AgendaChangeEvent, zone: str) -> str:
    """A cancellation and its reason."""
    return _("%(title)s on %(when)s is cancelled: %(reason)s", title=row.title,
             when=local_datetime(row.new_starts_at, zone), reason=row.reason)  # fmt: skip


def _withdrawn(row: AgendaChangeEvent, zone: str) -> str:
    """An event taken back from the agenda."""
    return _("%(title)s on %(when)s was taken off the agenda", title=row.title,
             when=local_datetime(row.old_starts_at, zone))  # fmt: skip


SENTENCES: dict[str, Callable[[AgendaChangeEvent, str], str]] = {
    ChangeKind.CREATED: _created,
    ChangeKind.MOVED: _moved,
    ChangeKind.VENUE: _venue,
    ChangeKind.CANCELLED: _cancelled,
    ChangeKind.WITHDRAWN: _withdrawn,
    ChangeKind.SHIFTED: _moved,
}


def _shift_headline(change: AgendaChange, stop: Stop) -> str:
    """What a shift did to the stops' events as a whole."""
    deltas = {row.new_starts_at - row.old_starts_at for row in change.events}
    if len(deltas) > 1:  # stops that changed places move by different amounts
        return _("Events moved as stops of %(route)s changed places", route=stop.route.name)
    (delta,) = deltas
    amount = duration(abs(delta))
    if delta < timedelta(0):
        return _("Events at %(place)s moved %(amount)s earlier", place=stop.office.name,
                 amount=amount)  # fmt: skip
    return _("Events at %(place)s moved %(amount)s later", place=stop.office.name, amount=amount)


def stops_of(changes: list[AgendaChange]) -> dict[int, Stop]:
    """The stops of a page of entries, with what their wording needs, in one query."""
    ids = {change.stop_id for change in changes}
    if not ids:
        return {}
    stops = db.session.execute(
        db.select(Stop)
        .where(Stop.id.in_(ids))
        .options(joinedload(Stop.office).joinedload(Office.region), joinedload(Stop.route))
    ).scalars()
    return {stop.id: stop for stop in stops}


def describe(changes: list[AgendaChange], link: Callable[[int], str]) -> list[ChangeItem]:
    """A page of entries as they read; ``link`` gives an event's address from its id."""
    stops = stops_of(changes)
    items = []
    for change in changes:
        stop = stops[change.stop_id]
        sentence = SENTENCES[change.kind]
        # Each event is told in its own zone: a shift may run on into another one.
        lines = [
            Line(
                sentence(row, row.event.timezone),
                link(row.event_id) if row.event.is_public else None,
            )
            for row in change.events
        ]
        if change.kind == ChangeKind.SHIFTED:
            headline = Line(_shift_headline(change, stop))
        else:
            headline, lines = lines[0], []
        items.append(
            ChangeItem(change.id, change.kind, change.occurred_at, stop.timezone, headline, lines)
        )
    return items
