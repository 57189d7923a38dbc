"""The national reports' counts kept per province, so that a change recounts only its province.

The reports without a filter add up every public event of the relay. Their
counts are kept in the page store (kirab/pagecache.py) one province at a
time, in two parts: the cells (events, named and crowd per stop, dapil and
kind), which every grouping adds up, and the parties' sums, which only the
grouping by party needs and counts when asked. Each part is stored under a
key made of its kind and the versions of the scopes that province's
figures lie in (kirab/dataversions.py): ``global``, ``region:<province>``
(its events, stops and handovers) and ``attendance:region:<province>``
(their records and tallies). A change raises its province's versions in
its own transaction, so the very next request in any process finds that
province's keys missing and counts it again (a few hundred events); every
other province is read as stored, or as this process already holds it (a
key names one part forever). The versions are read before anything is
counted, so a part stored under a key never shows less than those versions
say.
"""

from __future__ import annotations

import hashlib
import json

from flask import current_app
from sqlalchemy import any_, func, true

from kirab.attendance import report_lists
from kirab.attendance.counts import PARTIES, TOTALS
from kirab.attendance.reports import DAPIL_ID, KIND_KEY, STOP_ID, Cells, CellsOfParts
from kirab.database import db
from kirab.dataversions import GLOBAL, attendance_scope, read_versions, region_scope
from kirab.events.models import CANCELLED, PUBLISHED, Event
from kirab.pagecache import code_fingerprint, keep_bodies, stored_bodies

MIMETYPE = "application/vnd.kirab.report-part+json"


# The two parts of a province: its cells, and its parties' sums.
CELLS, PARTY_SUMS = "cells", "parties"


def part_keys(provinces: set[str], kinds: tuple[str, ...]) -> dict[tuple[str, str], str]:
    """The store key of each (kind, province) part, by the versions now (one query)."""
    scopes = {GLOBAL} | {region_scope(p) for p in provinces}
    scopes |= {attendance_scope(p) for p in provinces}
    versions, _latest = read_versions(scopes)
    code = code_fingerprint()
    keys = {}
    for province in provinces:
        names = (GLOBAL, region_scope(province), attendance_scope(province))
        stamp = [versions[name] for name in names]
        for kind in kinds:
            parts = [f"report-{kind}", province, code, stamp]
            keys[kind, province] = hashlib.sha256(json.dumps(parts).encode()).hexdigest()
    return keys


def public_events_of(stops: set[int], *columns):
    """A select of ``columns`` of the public events at these stops."""
    return (
        db.select(*columns)
        .select_from(Event)
        .where(Event.deleted_at.is_(None), Event.status.in_((PUBLISHED, CANCELLED)))
        .where(Event.stop_id.in_(stops))
    )


def among_events(event_id, stops: set[int]):
    """A condition that ``event_id`` is one of the public events at these stops.

    On PostgreSQL the ids are made into an array first (computed once) and
    looked up in the primary key of the per-event rows: joined to the
    events alone, the planner reads every party's row of the relay (tens of
    thousands) to keep a province's few thousand.
    """
    if db.session.get_bind().dialect.name != "postgresql":
        return true()
    ids = public_events_of(stops, Event.id).correlate(None).scalar_subquery()
    return event_id == any_(func.array(ids))


def count_cells(provinces: set[str], stops: dict[int, str]) -> dict[str, list]:
    """The cells of these provinces, afresh: one grouped query over their events."""
    chosen = {stop for stop, province in stops.items() if province in provinces}
    parts: dict[str, list] = {province: [] for province in provinces}
    if not chosen:
        return parts
    keys = (Event.stop_id, Event.dapil_id, Event.kind)
    cells = public_events_of(
        chosen, *keys, func.count(), func.coalesce(func.sum(TOTALS.c.named), 0),
        func.coalesce(func.sum(TOTALS.c.crowd), 0),
    ).outerjoin(TOTALS, TOTALS.c.event_id == Event.id)  # fmt: skip
    for stop_id, dapil_id, kind, events, named, crowd in db.session.execute(cells.group_by(*keys)):
        parts[stops[stop_id]].append([stop_id, dapil_id, kind, events, named, crowd])
    return parts


def count_parties(provinces: set[str], stops: dict[int, str]) -> dict[str, dict]:
    """The parties' (events, confirmed, self-declared) in these provinces, afresh: one query."""
    chosen = {stop for stop, province in stops.items() if province in provinces}
    parts: dict[str, dict] = {province: {} for province in provinces}
    if not chosen:
        return parts
    people = PARTIES.c.confirmed + PARTIES.c.self_declared
    # A row whose people were all erased stays at zero: not an event the party came to.
    per_party = (
        public_events_of(chosen, Event.stop_id, PARTIES.c.party_number, func.count(),
                         func.sum(PARTIES.c.confirmed), func.sum(PARTIES.c.self_declared))
        .join(PARTIES, PARTIES.c.event_id == Event.id)
        .where(people > 0, among_events(PARTIES.c.event_id, chosen))
        .group_by(Event.stop_id, PARTIES.c.party_number)
    )  # fmt: skip
    for stop_id, number, events, confirmed, declared in db.session.execute(per_party):
        sums = parts[stops[stop_id]].setdefault(str(number), [0, 0, 0])
        for position, value in enumerate((events, confirmed, declared)):
            sums[position] += int(value)
    return parts


COUNTERS = {CELLS: count_cells, PARTY_SUMS: count_parties}


# Parts this process holds, by key; past this many they start over (a key names one part forever).
HELD_PARTS = 512


def held_parts() -> dict[str, Cells | dict]:
    """The parts this process has read or counted, by their store key."""
    return current_app.extensions.setdefault("kirab.report_parts.held", {})


def hold(parts: dict[str, Cells | dict]) -> None:
    """Keep parts in this process under their keys."""
    held = held_parts()
    if len(held) + len(parts) > HELD_PARTS:
        held.clear()
    held.update(parts)


def national_parts(kinds: tuple[str, ...] = (CELLS,)) -> dict[str, list]:
    """Every province's parts of these kinds: held here, read from the store, or counted and stored.

    Only the keys this process lacks (after a change, that province's) are
    looked up, and a part another process counted is read, not counted
    again. A constant number of queries whatever the number of events: the
    versions, the parts lacking, and for a province that changed one
    counting query per kind and the insert.
    """
    stops = report_lists.stop_provinces()
    provinces = set(stops.values())
    keys = part_keys(provinces, kinds)
    held = held_parts()
    parts = {part: held[key] for part, key in keys.items() if key in held}
    stored = stored_bodies({key for part, key in keys.items() if part not in parts})
    parts.update(
        {part: parsed(part[0], stored[key]) for part, key in keys.items() if key in stored}
    )
    counted = {}
    for kind in kinds:
        missing = {province for province in provinces if (kind, province) not in parts}
        if missing:
            found = COUNTERS[kind](missing, stops)
            counted.update({(kind, province): found[province] for province in missing})
    keep_bodies({keys[part]: (MIMETYPE, json.dumps(found).encode())
                 for part, found in counted.items()})  # fmt: skip
    parts.update({part: parsed(part[0], json.dumps(found)) for part, found in counted.items()})
    hold({keys[part]: found for part, found in parts.items() if keys[part] not in held})
    return {kind: [parts[kind, province] for province in sorted(provinces)] for kind in kinds}


def parsed(kind: str, body: str | bytes) -> Cells | dict:
    """A part as stored (JSON), as the reports read it: the cells as ``Cells``, sums as a dict.

    Counted parts go through their JSON too, so a part is the same whether
    this process counted it or read it.
    """
    found = json.loads(body)
    if kind == CELLS:
        return Cells((STOP_ID, DAPIL_ID, KIND_KEY), [tuple(cell) for cell in found])
    return found


def national_counts(
    *, parties: bool
) -> tuple[CellsOfParts, dict[int, tuple[int, int, int]] | None]:
    """The relay's cells and, when asked for, its parties' sums, from the provinces' parts."""
    kinds = (CELLS, PARTY_SUMS) if parties else (CELLS,)
    parts = national_parts(kinds)
    sums = national_parties(parts[PARTY_SUMS]) if parties else None
    return national_cells(parts[CELLS]), sums


def national_total() -> int:
    """How many public events the relay has, from the provinces' cells."""
    cells, _parties = national_counts(parties=False)
    return sum(events for events, _named, _crowd in cells.by(KIND_KEY).values())


def national_cells(parts: list[Cells]) -> CellsOfParts:
    """The relay's counts per stop, dapil and kind, from the provinces' cells."""
    return CellsOfParts(parts)


def national_parties(parts: list[dict]) -> dict[int, tuple[int, int, int]]:
    """(events, confirmed, self-declared) per party number, from the provinces' parties' sums."""
    sums: dict[int, list[int]] = {}
    for part in parts:
        for number, values in part.items():
            total = sums.setdefault(int(number), [0, 0, 0])
            for position, value in enumerate(values):
                total[position] += value
    return {number: (events, confirmed, declared) for number, (events, confirmed, declared)
            in sums.items()}  # fmt: skip
