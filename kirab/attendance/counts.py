"""Attendance totals kept on write, so that no page counts the records.

Each event has one ``event_attendance`` row (people by name, the crowd
counted) and one ``event_party_attendance`` row per party that came
(confirmed and self-declared apart). The reports, the event page, the API
and the attendance page read these rows; rolling them up by stop, dapil,
kind or party adds per-event rows, a few thousand at national size.

Every flush that inserts, changes or deletes records or tallies keeps the
rows in the same transaction (the session's flush events below), whichever
service, command or test made the change; inserts written in bulk, without
the ORM, call ``count_inserted``. Two writers at once lose no count: named
counts move by ``n = n + delta`` in one upsert, and a crowd is summed again
from the event's tallies only after that upsert holds the event's row
(PostgreSQL's row lock, SQLite's write lock), so it sees every tally
committed before it. Rows are touched in event order, so two writers never
wait for each other in a circle.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, event, func, inspect, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kirab.attendance.headcounts import headcount_totals, latest_tallies
from kirab.attendance.models import (
    AttendanceRecord,
    EventAttendance,
    EventPartyAttendance,
    HeadcountTally,
)
from kirab.database import among, db

TOTALS = EventAttendance.__table__
PARTIES = EventPartyAttendance.__table__
# What a record counts towards: its event, its party, whether the party is self-declared.
SHARE = ("event_id", "party_number", "party_self_declared")


@dataclass
class Changes:
    """What one write changes in the kept totals."""

    named: Counter = field(default_factory=Counter)  # event id -> people by name
    parties: Counter = field(default_factory=Counter)  # (event, party, self-declared) -> people
    crowds: set[int] = field(default_factory=set)  # events whose crowd is summed again

    def count(self, share: tuple, sign: int) -> None:
        """Add (1) or take away (-1) one record counting towards ``share``."""
        event_id, party_number, declared = share
        if event_id is None:
            return
        self.named[event_id] += sign
        if party_number is not None:
            self.parties[(event_id, party_number, bool(declared))] += sign

    def __bool__(self) -> bool:
        return bool(self.named or self.parties or self.crowds)


def upsert(connection: Connection, table, keys: dict, deltas: dict) -> None:
    """Insert the row of ``keys`` with ``deltas``, or add them to the row there (and lock it)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**keys, **deltas)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=list(keys),
            set_={name: table.c[name] + statement.excluded[name] for name in deltas},
        )
    )


def apply(connection: Connection, changes: Changes) -> None:
    """Write ``changes`` into the kept totals, event by event in id order."""
    for event_id in sorted(set(changes.named) | changes.crowds):
        # Also when only the crowd changes: the upsert takes the event's row first.
        upsert(connection, TOTALS, {"event_id": event_id}, {"named": changes.named[event_id]})
    for event_id, party_number, declared in sorted(changes.parties):
        delta = changes.parties[(event_id, party_number, declared)]
        if delta:
            column = "self_declared" if declared else "confirmed"
            keys = {"event_id": event_id, "party_number": party_number}
            upsert(connection, PARTIES, keys, {column: delta})
    for event_id in sorted(changes.crowds):
        counted = latest_tallies([event_id]).subquery()
        crowd = select(func.coalesce(func.sum(counted.c.count), 0)).scalar_subquery()
        connection.execute(update(TOTALS).where(TOTALS.c.event_id == event_id).values(crowd=crowd))


def count_inserted(rows: Iterable[dict]) -> None:
    """Count records written in bulk (without the ORM), given as their columns."""
    changes = Changes()
    for row in rows:
        changes.count(tuple(row.get(name) for name in SHARE), 1)
    if changes:
        apply(db.session.connection(), changes)


# --- keeping the totals on every flush ------------------------------------------

PENDING = "kirab.attendance.counts"


def old_share(record: AttendanceRecord) -> tuple:
    """What a changed record counted towards before the change."""
    state, values = inspect(record), []
    for name in SHARE:
        history = state.attrs[name].history
        values.append(history.deleted[0] if history.deleted else getattr(record, name))
    return tuple(values)


def current_share(record: AttendanceRecord) -> tuple:
    """What a record counts towards now."""
    return tuple(getattr(record, name) for name in SHARE)


@event.listens_for(Session, "before_flush")
def note_changes(session: Session, _context, _instances) -> None:
    """Before the rows go: what deleted and changed records counted towards.

    Read now, while the deleted rows are still there to load from; a flush
    that fails leaves its notes behind, and the next flush starts afresh.
    """
    changes = Changes()
    for item in session.deleted:
        if isinstance(item, AttendanceRecord):
            changes.count(current_share(item), -1)
        elif isinstance(item, HeadcountTally):
            changes.crowds.add(item.event_id)
    for item in session.dirty:
        if isinstance(item, AttendanceRecord) and session.is_modified(item):
            before, after = old_share(item), current_share(item)
            if before != after:
                changes.count(before, -1)
                changes.count(after, 1)
        elif isinstance(item, HeadcountTally) and session.is_modified(item):
            changes.crowds.update({old_share_of_tally(item), item.event_id})
    session.info[PENDING] = changes


def old_share_of_tally(tally: HeadcountTally) -> int:
    """The event a changed tally belonged to before the change."""
    history = inspect(tally).attrs.event_id.history
    return history.deleted[0] if history.deleted else tally.event_id


@event.listens_for(Session, "after_flush")
def keep_totals(session: Session, _context) -> None:
    """After the rows are written, in the same transaction: move the totals."""
    changes = session.info.pop(PENDING, None) or Changes()
    for item in session.new:
        if isinstance(item, AttendanceRecord):
            changes.count(current_share(item), 1)
        elif isinstance(item, HeadcountTally):
            changes.crowds.add(item.event_id)
    changes.crowds.discard(None)
    if changes:
        apply(session.connection(), changes)


# --- reading the totals ------------------------------------------------------------


def kept_totals(event_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(people by name, crowd) of each event asked for; (0, 0) for one nobody attended."""
    found = {
        event_id: (named, crowd)
        for event_id, named, crowd in db.session.execute(
            select(TOTALS.c.event_id, TOTALS.c.named, TOTALS.c.crowd).where(
                among(TOTALS.c.event_id, event_ids)
            )
        )
    }
    return {event_id: found.get(event_id, (0, 0)) for event_id in event_ids}


@dataclass(frozen=True)
class Totals:
    """Every event's totals, as kept or as counted afresh: what the two must agree on."""

    events: dict[int, tuple[int, int]]  # event -> (named, crowd), events with either only
    parties: dict[tuple[int, int], tuple[int, int]]  # (event, party) -> (confirmed, declared)


def all_kept() -> Totals:
    """The kept totals of every event, leaving out rows that came back to zero."""
    events = {
        event_id: (named, crowd)
        for event_id, named, crowd in db.session.execute(select(TOTALS))
        if named or crowd
    }
    parties = {
        (event_id, number): (confirmed, declared)
        for event_id, number, confirmed, declared in db.session.execute(select(PARTIES))
        if confirmed or declared
    }
    return Totals(events, parties)


def recount() -> Totals:
    """The totals counted afresh from every record and tally (for checks, never for pages)."""
    record = AttendanceRecord
    named = dict(
        db.session.execute(select(record.event_id, func.count()).group_by(record.event_id)).all()
    )
    crowd = headcount_totals()
    events = {
        event_id: (named.get(event_id, 0), crowd.get(event_id, 0))
        for event_id in set(named) | set(crowd)
        if named.get(event_id) or crowd.get(event_id)
    }
    parties: dict[tuple[int, int], list[int]] = {}
    for event_id, number, declared, count in db.session.execute(
        select(record.event_id, record.party_number, record.party_self_declared, func.count())
        .where(record.party_number.is_not(None))
        .group_by(record.event_id, record.party_number, record.party_self_declared)
    ):
        parties.setdefault((event_id, number), [0, 0])[1 if declared else 0] += count
    return Totals(events, {key: (value[0], value[1]) for key, value in parties.items()})
