"""Attendance reports: totals per event, stop, dapil, kind and party (charts: charts.py).

Every report is one grouped query over the events in scope, whatever their
number. It reads the totals kept per event on write (kirab/attendance/counts.py),
never the records: the same counts the records give directly, at the cost of
adding one row per event.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func

from kirab.attendance.counts import PARTIES, TOTALS
from kirab.database import db
from kirab.events.filters import EventFilter
from kirab.events.models import CANCELLED, PUBLISHED, Event
from kirab.regions.models import Dapil, Office, Party, Region
from kirab.relay.models import Route, Stop

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
    query = (
        db.select(Event.id)
        .join(Event.stop)
        .join(Stop.office)
        .join(Office.region)
        .where(Event.deleted_at.is_(None), Event.status.in_((PUBLISHED, CANCELLED)))
    )
    return event_filter.apply(query)


def per_event(event_filter: EventFilter):
    """A subquery: each event in scope with its named and counted attendance (the kept totals).

    The scope's joins and filter are applied here directly, not through a
    subquery of ids joined back to the events: one pass over the events.
    """
    query = (
        db.select(
            Event.id.label("event_id"),
            Event.stop_id,
            Event.dapil_id,
            Event.kind,
            func.coalesce(TOTALS.c.named, 0).label("named"),
            func.coalesce(TOTALS.c.crowd, 0).label("crowd"),
        )
        .join(Event.stop)
        .join(Stop.office)
        .join(Office.region)
        .outerjoin(TOTALS, TOTALS.c.event_id == Event.id)
        .where(Event.deleted_at.is_(None), Event.status.in_((PUBLISHED, CANCELLED)))
    )
    return event_filter.apply(query).subquery()


def grouped(event_filter: EventFilter, column_name: str) -> list[tuple]:
    """(group key, events, named, crowd) for each value of a column of ``per_event``."""
    rows = per_event(event_filter)
    column = rows.c[column_name]
    return db.session.execute(
        db.select(column, func.count(), func.sum(rows.c.named), func.sum(rows.c.crowd))
        .group_by(column)
        .order_by(column)
    ).all()


def by_event(event_filter: EventFilter, *, limit: int, offset: int = 0) -> list[ReportRow]:
    """One row per event, in time order, a page at a time; the key ends with its status."""
    rows = per_event(event_filter)
    result = db.session.execute(
        db.select(Event.id, Event.title, Event.starts_at, Region.timezone, Event.status,
                  rows.c.named, rows.c.crowd)
        .join(rows, rows.c.event_id == Event.id)
        .join(Stop, Stop.id == Event.stop_id)
        .join(Office, Office.id == Stop.office_id)
        .join(Region, Region.code == Office.region_code)
        .order_by(Event.starts_at, Event.id)
        .limit(limit)
        .offset(offset)
    ).all()  # fmt: skip
    return [
        ReportRow((event_id, starts_at, zone, status), title, 1, int(named), int(crowd))
        for event_id, title, starts_at, zone, status, named, crowd in result
    ]


def by_stop(event_filter: EventFilter) -> list[ReportRow]:
    """One row per stop, in route order."""
    groups = {key: rest for key, *rest in grouped(event_filter, "stop_id")}
    stops = db.session.execute(
        db.select(Stop.id, Office.name, Route.name)
        .join(Office, Office.id == Stop.office_id)
        .join(Route, Route.id == Stop.route_id)
        .where(Stop.id.in_(groups))
        .order_by(Route.position, Route.id, Stop.position)
    ).all()
    return [
        ReportRow(stop_id, f"{office} ({route})", *to_ints(groups[stop_id]))
        for stop_id, office, route in stops
    ]


def by_dapil(event_filter: EventFilter, no_dapil: str) -> list[ReportRow]:
    """One row per dapil; events serving no single dapil together at the end."""
    groups = {key: rest for key, *rest in grouped(event_filter, "dapil_id")}
    dapil = db.session.execute(
        db.select(Dapil)
        .where(Dapil.id.in_([key for key in groups if key is not None]))
        .order_by(Dapil.region_code, Dapil.number)
    ).scalars()
    rows = [ReportRow(d.slug, d.name, *to_ints(groups[d.id])) for d in dapil]
    if None in groups:
        rows.append(ReportRow(None, no_dapil, *to_ints(groups[None])))
    return rows


def by_kind(event_filter: EventFilter, label) -> list[ReportRow]:
    """One row per kind of event."""
    return [
        ReportRow(kind, label(kind), *to_ints(rest))
        for kind, *rest in grouped(event_filter, "kind")
    ]


def by_party(event_filter: EventFilter) -> list[ReportRow]:
    """One row per party: its people recorded (confirmed and self-declared) and its events."""
    scope = events_in_scope(event_filter)
    people = PARTIES.c.confirmed + PARTIES.c.self_declared
    result = db.session.execute(
        db.select(
            Party.number,
            Party.abbreviation,
            func.count(),
            func.sum(PARTIES.c.confirmed),
            func.sum(PARTIES.c.self_declared),
        )
        .join(PARTIES, PARTIES.c.party_number == Party.number)
        # A row whose people were all erased stays at zero: not an event the party came to.
        .where(PARTIES.c.event_id.in_(scope), people > 0)
        .group_by(Party.number, Party.abbreviation)
        .order_by(Party.number)
    ).all()
    return [
        ReportRow(number, f"{number}. {abbreviation}", int(events), int(confirmed + declared), 0,
                  confirmed=int(confirmed), self_declared=int(declared))
        for number, abbreviation, events, confirmed, declared in result
    ]  # fmt: skip


def to_ints(values) -> tuple[int, int, int]:
    """A group's (events, named, crowd) as whole numbers."""
    return tuple(int(value or 0) for value in values)


@dataclass
class PartyMatrix:
    """Which parties came to which events: confirmed and self-declared people per cell."""

    events: list[tuple[int, str, object, str]]  # id, title, starts_at, zone
    parties: list[Party]
    cells: dict[tuple[int, int], tuple[int, int]]  # (event, party) -> (confirmed, self-declared)


def party_matrix(event_filter: EventFilter, *, limit: int, offset: int) -> tuple[PartyMatrix, int]:
    """The matrix for a page of events in scope, and how many events there are."""
    scope = events_in_scope(event_filter)
    total = db.session.execute(db.select(func.count()).select_from(scope.subquery())).scalar_one()
    events = db.session.execute(
        db.select(Event.id, Event.title, Event.starts_at, Region.timezone)
        .join(Stop, Stop.id == Event.stop_id)
        .join(Office, Office.id == Stop.office_id)
        .join(Region, Region.code == Office.region_code)
        .where(Event.id.in_(scope))
        .order_by(Event.starts_at, Event.id)
        .limit(limit)
        .offset(offset)
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
    return (
        PartyMatrix(
            [tuple(row) for row in events],
            parties,
            cells,
        ),
        total,
    )
