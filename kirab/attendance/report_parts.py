"""The national reports' counts kept per province, so that a change recounts only its province.

The reports without a filter add up every public event of the relay. Their
counts (per stop, dapil and kind, and per party) are kept in the page store
(kirab/pagecache.py) one province at a time, under a key made of the
versions of the scopes that province's figures lie in (kirab/dataversions.py):
``global``, ``region:<province>`` (its events, stops and handovers) and
``attendance:region:<province>`` (their records and tallies). A change
raises its province's versions in its own transaction, so the very next
request in any process finds that province's key missing and counts it
again (a few hundred events); every other province is read as stored. The
versions are read before anything is counted, so a part stored under a key
never shows less than those versions say.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import func

from kirab.attendance.counts import PARTIES, TOTALS
from kirab.attendance.reports import DAPIL_ID, KIND_KEY, STOP_ID, Cells
from kirab.database import db
from kirab.dataversions import GLOBAL, attendance_scope, read_versions, region_scope
from kirab.events.models import CANCELLED, PUBLISHED, Event
from kirab.pagecache import code_fingerprint, keep_bodies, stored_bodies
from kirab.regions.models import Office
from kirab.relay.models import Stop

MIMETYPE = "application/vnd.kirab.report-part+json"
PROVINCE = func.substr(Office.region_code, 1, 2)


def stop_provinces() -> dict[int, str]:
    """Each stop's province code (one query over the stops)."""
    return dict(
        db.session.execute(
            db.select(Stop.id, PROVINCE).join(Office, Office.id == Stop.office_id)
        ).all()
    )


def part_keys(provinces: set[str]) -> dict[str, str]:
    """The store key of each province's counts, as its scopes' versions stand now (one query)."""
    scopes = {GLOBAL} | {region_scope(p) for p in provinces}
    scopes |= {attendance_scope(p) for p in provinces}
    versions, _latest = read_versions(scopes)
    code = code_fingerprint()
    keys = {}
    for province in provinces:
        names = (GLOBAL, region_scope(province), attendance_scope(province))
        parts = ["report-part", province, code, [versions[name] for name in names]]
        keys[province] = hashlib.sha256(json.dumps(parts).encode()).hexdigest()
    return keys


def public_events_of(stops: set[int], *columns):
    """A select of ``columns`` of the public events at these stops."""
    return (
        db.select(*columns)
        .select_from(Event)
        .where(Event.deleted_at.is_(None), Event.status.in_((PUBLISHED, CANCELLED)))
        .where(Event.stop_id.in_(stops))
    )


def count_provinces(provinces: set[str], stops: dict[int, str]) -> dict[str, dict]:
    """The counts of these provinces, afresh: two grouped queries over their events."""
    chosen = {stop for stop, province in stops.items() if province in provinces}
    parts = {province: {"cells": [], "parties": {}} for province in provinces}
    if not chosen:
        return parts
    keys = (Event.stop_id, Event.dapil_id, Event.kind)
    cells = public_events_of(
        chosen, *keys, func.count(), func.coalesce(func.sum(TOTALS.c.named), 0),
        func.coalesce(func.sum(TOTALS.c.crowd), 0),
    ).outerjoin(TOTALS, TOTALS.c.event_id == Event.id)  # fmt: skip
    for stop_id, dapil_id, kind, events, named, crowd in db.session.execute(cells.group_by(*keys)):
        parts[stops[stop_id]]["cells"].append([stop_id, dapil_id, kind, events, named, crowd])
    people = PARTIES.c.confirmed + PARTIES.c.self_declared
    # A row whose people were all erased stays at zero: not an event the party came to.
    per_party = (
        public_events_of(chosen, Event.stop_id, PARTIES.c.party_number, func.count(),
                         func.sum(PARTIES.c.confirmed), func.sum(PARTIES.c.self_declared))
        .join(PARTIES, PARTIES.c.event_id == Event.id)
        .where(people > 0)
        .group_by(Event.stop_id, PARTIES.c.party_number)
    )  # fmt: skip
    for stop_id, number, events, confirmed, declared in db.session.execute(per_party):
        sums = parts[stops[stop_id]]["parties"].setdefault(str(number), [0, 0, 0])
        for position, value in enumerate((events, confirmed, declared)):
            sums[position] += int(value)
    return parts


def national_parts() -> list[dict]:
    """Every province's counts: read from the store, or counted afresh and stored.

    A constant number of queries whatever the number of events: the stops,
    the versions, the stored parts, and for the provinces that changed the
    two counting queries and the insert.
    """
    stops = stop_provinces()
    keys = part_keys(set(stops.values()))
    stored = stored_bodies(set(keys.values()))
    parts = {p: json.loads(stored[key]) for p, key in keys.items() if key in stored}
    missing = set(keys) - set(parts)
    if missing:
        counted = count_provinces(missing, stops)
        keep_bodies({keys[p]: (MIMETYPE, json.dumps(counted[p]).encode()) for p in missing})
        parts.update(counted)
    return [parts[province] for province in sorted(parts)]


def national_cells(parts: list[dict]) -> Cells:
    """The relay's counts per stop, dapil and kind, from the provinces' parts."""
    rows = [tuple(cell) for part in parts for cell in part["cells"]]
    return Cells((STOP_ID, DAPIL_ID, KIND_KEY), rows)


def national_parties(parts: list[dict]) -> dict[int, tuple[int, int, int]]:
    """(events, confirmed, self-declared) per party number, from the provinces' parts."""
    sums: dict[int, list[int]] = {}
    for part in parts:
        for number, values in part["parties"].items():
            total = sums.setdefault(int(number), [0, 0, 0])
            for position, value in enumerate(values):
                total[position] += value
    return {number: (events, confirmed, declared) for number, (events, confirmed, declared)
            in sums.items()}  # fmt: skip
