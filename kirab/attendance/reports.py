"""Attendance reports: totals per event, stop, dapil, kind and party (charts: charts.py).

Every report is one grouped query over the events in scope, whatever their
number. It reads the totals kept per event on write (kirab/attendance/counts.py),
never the records: the same counts the records give directly, at the cost of
adding one row per event.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func

from kirab.attendance import report_lists
from kirab.attendance.counts import PARTIES, TOTALS
from kirab.database import db
from kirab.events.filters import EventFilter
from kirab.events.models import CANCELLED, PUBLISHED, Event
from kirab.regions.models import Dapil, Office, Party, Region
from kirab.relay.models import Stop

EVENT, STOP, DAPIL, KIND, PARTY = "event", "stop", "dapil", "kind", "party"
GROUPINGS = (EVENT, STOP, DAPIL, KIND, PARTY)


@dataclass
class ReportRow:
    """One group of a report: how many events, people by name, and the crowd counted."""

    key: object
    label: str
    events: int
    named: int
    crowd: int
    # For parties: people whose party is confirmed, and those who declared it themselves.
    confirmed: int = 0
    self_declared: int = 0

    @property
    def total(self) -> int:
        """Everyone: named people and the crowd."""
        return self.named + self.crowd


def events_in_scope(event_filter: EventFilter):
    """A select of the ids of public events matching the filter."""
    return per_event_query(event_filter, Event.id)


def per_event_query(event_filter: EventFilter, *columns, joined: bool = False):
    """A select of ``columns`` of the public events matching the filter.

    Without a filter (and unless ``joined``) the events are not joined to
    their stops, offices and regions: every event has them, and the joins
    cost more than the rest.
    """
    query = db.select(*columns).select_from(Event)
    if joined or not event_filter.is_empty:
        query = query.join(Event.stop).join(Stop.office).join(Office.region)
    query = query.where(Event.deleted_at.is_(None), Event.status.in_((PUBLISHED, CANCELLED)))
    return event_filter.apply(query)


def per_event(event_filter: EventFilter):
    """A subquery: each event in scope with its named and counted attendance (the kept totals).

    The scope's joins and filter are applied here directly, not through a
    subquery of ids joined back to the events: one pass over the events.
    """
    query = per_event_query(
        event_filter,
        Event.id.label("event_id"),
        Event.stop_id,
        Event.dapil_id,
        Event.kind,
        func.coalesce(TOTALS.c.named, 0).label("named"),
        func.coalesce(TOTALS.c.crowd, 0).label("crowd"),
    )
    return query.outerjoin(TOTALS, TOTALS.c.event_id == Event.id).subquery()


# What the events in scope can be counted by: their stop, dapil and kind.
STOP_ID, DAPIL_ID, KIND_KEY = "stop_id", "dapil_id", "kind"


@dataclass
class Cells:
    """The events in scope counted once per combination of some keys (stop, dapil, kind).

    One pass over the events gives the report's totals (by kind) and its
    rows by stop or dapil: a few thousand cells added up in Python instead
    of a pass over the events for each.
    """

    keys: tuple[str, ...]
    rows: list[tuple]  # the keys' values, then events, named, crowd
    # The sums by each key once added up (see ``by``); not part of what the cells are.
    summed: dict = field(default_factory=dict, repr=False, compare=False)

    def by(self, key: str) -> dict[object, tuple[int, int, int]]:
        """(events, named, crowd) for each value of one of the keys (added up once; read only)."""
        if key not in self.summed:
            self.summed[key] = self.sum_by(key)
        return self.summed[key]

    def sum_by(self, key: str) -> dict[object, tuple[int, int, int]]:
        """(events, named, crowd) for each value of one of the keys, added up now."""
        position, width = self.keys.index(key), len(self.keys)
        sums: dict[object, list[int]] = {}
        for row in self.rows:
            total = sums.setdefault(row[position], [0, 0, 0])
            events, named, crowd = row[width:]
            total[0] += int(events)
            total[1] += int(named or 0)
            total[2] += int(crowd or 0)
        return {key: (events, named, crowd) for key, (events, named, crowd) in sums.items()}


@dataclass
class CellsOfParts:
    """Cells kept in parts (the provinces'), each part's sums added up once and then together."""

    parts: list[Cells]

    def by(self, key: str) -> dict[object, tuple[int, int, int]]:
        """(events, named, crowd) for each value of one of the keys, over every part."""
        sums: dict[object, tuple[int, int, int]] = {}
        for part in self.parts:
            for value, (events, named, crowd) in part.by(key).items():
                if value in sums:
                    before = sums[value]
                    events, named, crowd = before[0] + events, before[1] + named, before[2] + crowd
                sums[value] = (events, named, crowd)
        return sums


# What a report's rows are added up from: the cells of one pass, or the provinces' parts.
Counted = Cells | CellsOfParts


def cells(
    event_filter: EventFilter, keys: tuple[str, ...] = (STOP_ID, DAPIL_ID, KIND_KEY)
) -> Cells:
    """The events in scope with their attendance, summed per combination of ``keys`` (one query)."""
    rows = per_event(event_filter)
    columns = [rows.c[key] for key in keys]
    return Cells(
        keys,
        db.session.execute(
            db.select(
                *columns, func.count(), func.sum(rows.c.named), func.sum(rows.c.crowd)
            ).group_by(*columns)
        ).all(),
    )


def by_event(event_filter: EventFilter, *, limit: int, offset: int = 0) -> list[ReportRow]:
    """One row per event, in time order, a page at a time; the key ends with its status.

    One select of the page's events with their kept totals, in the order of
    the index on the start: no pass over every event in scope first.
    """
    query = per_event_query(
        event_filter, Event.id, Event.title, Event.starts_at, Region.timezone, Event.status,
        func.coalesce(TOTALS.c.named, 0), func.coalesce(TOTALS.c.crowd, 0), joined=True,
    )  # fmt: skip
    result = db.session.execute(
        query.outerjoin(TOTALS, TOTALS.c.event_id == Event.id)
        .order_by(Event.starts_at, Event.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        ReportRow((event_id, starts_at, zone, status), title, 1, int(named), int(crowd))
        for event_id, title, starts_at, zone, status, named, crowd in result
    ]


def by_stop(event_filter: EventFilter, counted: Counted | None = None) -> list[ReportRow]:
    """One row per stop, in route order (``counted``: the filter's cells, when at hand)."""
    groups = (counted or cells(event_filter, (STOP_ID,))).by(STOP_ID)
    # Every stop (kept per process), not those of the groups by id.
    return [
        ReportRow(stop_id, label, *groups[stop_id])
        for stop_id, label in report_lists.stop_labels()
        if stop_id in groups
    ]


def by_dapil(
    event_filter: EventFilter, no_dapil: str, counted: Counted | None = None
) -> list[ReportRow]:
    """One row per dapil; events serving no single dapil together at the end."""
    groups = (counted or cells(event_filter, (DAPIL_ID,))).by(DAPIL_ID)
    dapil = db.session.execute(
        db.select(Dapil).order_by(Dapil.region_code, Dapil.number)
    ).scalars()  # every dapil (a few dozen), not those of the groups by id
    rows = [ReportRow(d.slug, d.name, *groups[d.id]) for d in dapil if d.id in groups]
    if None in groups:
        rows.append(ReportRow(None, no_dapil, *groups[None]))
    return rows


def by_kind(event_filter: EventFilter, label, counted: Counted | None = None) -> list[ReportRow]:
    """One row per kind of event, in the kinds' order."""
    groups = (counted or cells(event_filter, (KIND_KEY,))).by(KIND_KEY)
    return [ReportRow(kind, label(kind), *groups[kind]) for kind in sorted(groups)]


def by_party(event_filter: EventFilter, counted: dict | None = None) -> list[ReportRow]:
    """One row per party: its people recorded (confirmed and self-declared) and its events.

    ``counted``: the (events, confirmed, self-declared) of each party number
    in scope, when at hand; counted here otherwise.
    """
    if counted is None:
        counted = party_sums(event_filter)
    parties = db.session.execute(
        db.select(Party.number, Party.abbreviation).order_by(Party.number)
    ).all()
    return [
        ReportRow(number, f"{number}. {abbreviation}", events, confirmed + declared, 0,
                  confirmed=confirmed, self_declared=declared)
        for number, abbreviation in parties
        if number in counted
        for events, confirmed, declared in [counted[number]]
    ]  # fmt: skip


def party_sums(event_filter: EventFilter) -> dict[int, tuple[int, int, int]]:
    """(events, confirmed, self-declared) of each party that came to an event in scope."""
    scope = events_in_scope(event_filter)
    people = PARTIES.c.confirmed + PARTIES.c.self_declared
    result = db.session.execute(
        db.select(
            PARTIES.c.party_number,
            func.count(),
            func.sum(PARTIES.c.confirmed),
            func.sum(PARTIES.c.self_declared),
        )
        # A row whose people were all erased stays at zero: not an event the party came to.
        .where(PARTIES.c.event_id.in_(scope), people > 0)
        .group_by(PARTIES.c.party_number)
    ).all()
    return {
        number: (int(events), int(confirmed), int(declared))
        for number, events, confirmed, declared in result
    }


@dataclass
class PartyMatrix:
    """Which parties came to which events: confirmed and self-declared people per cell.

    ``rows`` holds each event (id, title, starts_at, zone, status) with its
    cells in the order of ``parties``: (confirmed, self-declared), or None
    where the party was not recorded. The page writes about a thousand
    cells, so they are laid out here once rather than looked up per cell.
    """

    parties: list[Party]
    rows: list[tuple[tuple[int, str, object, str, str], list[tuple[int, int] | None]]]


def party_matrix(
    event_filter: EventFilter, *, limit: int, offset: int, total: int | None = None
) -> tuple[PartyMatrix, int]:
    """The matrix for a page of events in scope, and how many events there are.

    ``total``: how many events are in scope, when at hand; counted here otherwise.
    """
    if total is None:
        scope = events_in_scope(event_filter).subquery()
        total = db.session.execute(db.select(func.count()).select_from(scope)).scalar_one()
    # The page's events straight from the index on the start, not tested against the scope's ids.
    page = per_event_query(
        event_filter,
        Event.id,
        Event.title,
        Event.starts_at,
        Region.timezone,
        Event.status,
        joined=True,
    )
    events = db.session.execute(
        page.order_by(Event.starts_at, Event.id).limit(limit).offset(offset)
    ).all()
    ids = [row[0] for row in events]
    cells = {
        (event_id, number): (confirmed, declared)
        for event_id, number, confirmed, declared in db.session.execute(
            db.select(PARTIES).where(
                PARTIES.c.event_id.in_(ids), PARTIES.c.confirmed + PARTIES.c.self_declared > 0
            )
        )
    }
    parties = list(db.session.execute(db.select(Party).order_by(Party.number)).scalars())
    numbers = [party.number for party in parties]
    rows = [
        (tuple(event), [cells.get((event[0], number)) for number in numbers]) for event in events
    ]
    return PartyMatrix(parties, rows), total
