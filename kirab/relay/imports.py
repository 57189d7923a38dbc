"""Importing a route's stops from CSV (read by ``route_csv.py``), all or nothing.

The file describes the whole route. It imports all or nothing: every bad
row is reported with its line number and reason. Stops are matched to the
route's existing stops by their office, so importing the same file again
changes nothing and adds no duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from kirab.audit.services import record
from kirab.database import db
from kirab.errors import DomainError
from kirab.i18n import local_datetime
from kirab.relay.models import Handover, Route, Stop
from kirab.relay.route_csv import MAX_ROWS, ImportRejected, Row, RowError, read_rows
from kirab.relay.signals import stop_removing, window_changing
from kirab.relay.stops import (
    lock_route,
    ordered_stops,
    recorded_handovers,
    relink_handovers,
    renumber,
)

__all__ = ["ImportRejected", "ImportResult", "RowError", "import_route", "read_rows"]


@dataclass
class ImportResult:
    """What an import did to the route."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0


def _recorded_times_kept(rows: list[Row], recorded: list[Handover]) -> list[RowError]:
    """A line may not change the time of a handover that took place."""
    by_office = {row.office.id: row for row in rows}
    errors = []
    for handover in recorded:
        for stop, attribute in ((handover.to_stop, "receives_at"),
                                (handover.from_stop, "hands_over_at")):  # fmt: skip
            row = by_office.get(stop.office_id)
            if row is not None and getattr(row, attribute) != handover.actual_at:
                errors.append(
                    RowError(
                        row.line,
                        _("The handover from %(giving)s to %(receiving)s took place at %(time)s; "
                          "the file cannot change that time.",
                          giving=handover.from_stop.office.name,
                          receiving=handover.to_stop.office.name,
                          time=local_datetime(handover.actual_at, handover.to_stop.timezone)),
                    )
                )  # fmt: skip
    return errors


def _refusal(line: int, signal, stop: Stop, **change) -> list[RowError]:
    """A later area's refusal of a change to ``stop``, as a bad line; none when it allows it."""
    try:
        signal.send(stop, **change)
    except DomainError as refused:
        return [RowError(line, refused.message)]
    return []


def _refusals(rows: list[Row], existing: dict[int, Stop], removed: list[Stop]) -> list[RowError]:
    """What later areas refuse: removing a stop with events, moving one away from its events."""
    errors = []
    for stop in removed:
        errors += _refusal(0, stop_removing, stop)
    for row in rows:
        stop = existing.get(row.office.id)
        if stop is not None:
            errors += _refusal(
                row.line, window_changing, stop,
                receives_at=row.receives_at, hands_over_at=row.hands_over_at, field=None,
            )  # fmt: skip
    return errors


def _place(
    route: Route, rows: list[Row], existing: dict[int, Stop], result: ImportResult
) -> list[Stop]:
    """The stops of the file in order, created or brought up to date; counted in ``result``."""
    final: list[Stop] = []
    for index, row in enumerate(rows, start=1):
        stop = existing.get(row.office.id)
        wanted = (row.receives_at, row.hands_over_at, row.venue, index)
        if stop is None:
            stop = Stop(
                route=route,
                position=-(MAX_ROWS + index),
                office=row.office,
                receives_at=row.receives_at,
                hands_over_at=row.hands_over_at,
                venue=row.venue,
            )
            db.session.add(stop)
            result.created.append(row.office.region_code)
        elif (stop.receives_at, stop.hands_over_at, stop.venue, stop.position) != wanted:
            stop.receives_at, stop.hands_over_at = row.receives_at, row.hands_over_at
            stop.venue = row.venue
            result.updated.append(row.office.region_code)
        else:
            result.unchanged += 1
        final.append(stop)
    return final


def import_route(route: Route, data: bytes, *, actor) -> ImportResult:
    """Make the route's stops those of the CSV file, all or nothing."""
    rows = read_rows(data)
    lock_route(route)
    existing = {stop.office_id: stop for stop in ordered_stops(route)}
    in_file = {row.office.id for row in rows}
    removed = [stop for office_id, stop in existing.items() if office_id not in in_file]
    errors = _recorded_times_kept(rows, list(recorded_handovers(route).values()))
    errors += _refusals(rows, existing, removed)
    if errors:
        raise ImportRejected(sorted(set(errors), key=lambda error: error.line))

    result = ImportResult()
    final = _place(route, rows, existing, result)
    db.session.flush()
    relink_handovers(route, final)
    for stop in removed:
        result.removed.append(stop.region_code)
        db.session.delete(stop)
    db.session.flush()
    renumber(final)
    record(
        actor,
        "route.import",
        route,
        created=result.created,
        updated=result.updated,
        removed=result.removed,
        unchanged=result.unchanged,
    )
    return result
