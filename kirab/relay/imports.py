"""Importing a route's stops from CSV: order, region code, receives, hands over, venue.

The file describes the whole route. It imports all or nothing: every bad
row is reported with its line number and reason. Stops are matched to the
route's existing stops by their office, so importing the same file again
changes nothing and adds no duplicates.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from kirab.audit.services import record
from kirab.database import db
from kirab.errors import DomainError
from kirab.events.models import Event
from kirab.events.warnings import stranded_events
from kirab.i18n import local_datetime
from kirab.params import plausible, whole_number
from kirab.regions.models import Office
from kirab.relay.models import Route, Stop
from kirab.relay.planning import (
    VENUE_MAX,
    ordered_stops,
    problem_message,
    relink_handovers,
    renumber,
    route_handovers,
)
from kirab.relay.rules import ENDS_BEFORE_START, OPEN_END, OVERLAP, Problem

MAX_BYTES = 512 * 1024
MAX_ROWS = 2000
# Column names, in English or Indonesian, and the key each stands for.
COLUMNS = {
    "order": "order",
    "urutan": "order",
    "region_code": "region_code",
    "kode_wilayah": "region_code",
    "receives": "receives",
    "menerima": "receives",
    "hands_over": "hands_over",
    "menyerahkan": "hands_over",
    "venue": "venue",
    "tempat": "venue",
}
REQUIRED = ("order", "region_code", "receives", "hands_over", "venue")
MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")


@dataclass(frozen=True)
class RowError:
    """A bad line of the file and what is wrong with it."""

    line: int
    message: str


class ImportRejected(DomainError):
    """A file that imports nothing, with every bad row."""

    def __init__(self, errors: list[RowError]):
        super().__init__(
            _("Nothing was imported: %(n)d problems in the file.", n=len(errors)), "file"
        )
        self.errors = errors


@dataclass
class Row:
    """One good line of the file."""

    line: int
    order: int
    office: Office
    receives_at: datetime
    hands_over_at: datetime | None
    venue: str


@dataclass
class ImportResult:
    """What an import did to the route."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0


def _header_key(name: str) -> str:
    """The key a header cell names, in either language; '' when unknown."""
    return COLUMNS.get(re.sub(r"[\s-]+", "_", name.strip().lower()), "")


def _moment(text: str, zone: str) -> datetime:
    """A local date and time (or one with an offset) as an aware datetime."""
    text = text.strip()
    if not MOMENT.match(text) or len(text) > 32:
        raise ValueError(text)
    moment = datetime.fromisoformat(text)
    if not plausible(moment):  # far-off years overflow when converted to UTC
        raise ValueError(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone))


def read_rows(data: bytes) -> list[Row]:
    """Parse and check every line; raise ImportRejected listing all bad ones."""
    if len(data) > MAX_BYTES:
        raise DomainError(_("The file is too large; at most 512 KB."), "file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(_("The file must be CSV text in UTF-8."), "file") from None
    if not text.strip():
        raise DomainError(_("The file is empty."), "file")
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error:
        raise DomainError(_("The file is not readable as CSV."), "file") from None
    keys = [_header_key(cell) for cell in header]
    missing = [key for key in REQUIRED if key not in keys]
    if missing:
        raise ImportRejected(
            [
                RowError(
                    1,
                    _("The first line must name the columns: %(columns)s.",
                      columns="order, region_code, receives, hands_over, venue"),
                )
            ]
        )  # fmt: skip
    offices = {
        office.region_code: office for office in db.session.execute(db.select(Office)).scalars()
    }
    rows: list[Row] = []
    # Every line with a usable order, good or not, so that overlaps with a bad
    # neighbour are reported too: (order, line, name, receives, hands over, open end).
    timeline: list[tuple[int, int, str, datetime | None, datetime | None, bool]] = []
    bad_lines: dict[int, list[str]] = {}
    seen_orders: dict[int, int] = {}
    seen_offices: dict[str, int] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(timeline) + len(bad_lines) >= MAX_ROWS:
                bad_lines[line] = [_("A route may have at most %(n)d stops.", n=MAX_ROWS)]
                break
            if len(cells) != len(header):
                bad_lines[line] = [
                    _("Expected %(n)d columns, found %(found)d.", n=len(header), found=len(cells))
                ]
                continue
            values = {key: cell.strip() for key, cell in zip(keys, cells, strict=True) if key}
            problems = []
            order = values["order"]
            order_number = None
            number = whole_number(order)
            if number is None or not 0 < number < 100_000:
                problems.append(_("the order must be a whole number from 1."))
            elif number in seen_orders:
                problems.append(
                    _("order %(n)d is also on line %(line)d.", n=number, line=seen_orders[number])
                )
            else:
                order_number = number
                seen_orders[order_number] = line
            code = values["region_code"]
            code = "RI" if code.upper() == "RI" else code
            office = offices.get(code)
            if office is None:
                problems.append(_("no KPU office has the region code “%(code)s”.", code=code[:20]))
            elif code in seen_offices:
                problems.append(
                    _("%(name)s is also on line %(line)d.", name=office.name,
                      line=seen_offices[code])
                )  # fmt: skip
            else:
                seen_offices[code] = line
            zone = office.timezone if office else "Asia/Jakarta"
            receives_at = hands_over_at = None
            try:
                receives_at = _moment(values["receives"], zone)
            except ValueError:
                problems.append(
                    _("receives must be a date and time such as 2023-11-13 09:00 "
                      "(local time of the office).")
                )  # fmt: skip
            if values["hands_over"]:
                try:
                    hands_over_at = _moment(values["hands_over"], zone)
                except ValueError:
                    problems.append(
                        _("hands over must be a date and time such as 2023-11-19 09:00, "
                          "or empty for the last stop.")
                    )  # fmt: skip
            if len(values["venue"]) > VENUE_MAX:
                problems.append(_("the venue may have at most %(n)d characters.", n=VENUE_MAX))
            name = office.name if office else code[:20]
            if order_number is not None:
                open_end = not values["hands_over"]
                timeline.append((order_number, line, name, receives_at, hands_over_at, open_end))
            if problems:
                bad_lines[line] = _capitalise(problems)
                continue
            rows.append(
                Row(line, order_number, office, receives_at, hands_over_at, values["venue"])
            )
    except csv.Error as error:
        bad_lines.setdefault(reader.line_num, []).append(
            _("The line is not valid CSV (%(error)s).", error=str(error)[:80])
        )
    if not timeline and not bad_lines:
        raise DomainError(_("The file has no stops."), "file")
    for line, message in timeline_problems(timeline):
        bad_lines.setdefault(line, []).append(message)
    if bad_lines:
        raise ImportRejected(
            [RowError(line, " ".join(bad_lines[line])) for line in sorted(bad_lines)]
        )
    rows.sort(key=lambda row: row.order)
    return rows


def timeline_problems(timeline) -> list[tuple[int, str]]:
    """The route rules over the lines in order, as (line, message); unknown times are skipped."""
    timeline = sorted(timeline)
    problems = []
    names = [entry[2] for entry in timeline]
    last = len(timeline) - 1
    for index, (_order, line, _name, receives, hands_over, open_end) in enumerate(timeline):
        if open_end and index != last:
            problems.append((line, problem_message(Problem(OPEN_END, index), names)))
        if receives and hands_over and hands_over <= receives:
            problems.append((line, problem_message(Problem(ENDS_BEFORE_START, index), names)))
        if index:
            previous_end = timeline[index - 1][4]
            if receives and previous_end and receives < previous_end:
                problems.append((line, problem_message(Problem(OVERLAP, index, index - 1), names)))
    return problems


def _capitalise(parts: list[str]) -> list[str]:
    """Reasons as sentences."""
    return [part[:1].upper() + part[1:] for part in parts]


def import_route(route: Route, data: bytes, *, actor) -> ImportResult:
    """Make the route's stops those of the CSV file, all or nothing."""
    rows = read_rows(data)
    existing = {stop.office_id: stop for stop in ordered_stops(route)}
    in_file = {row.office.id for row in rows}
    recorded = [h for h in route_handovers(route) if h.actual_at is not None]
    errors: list[RowError] = []
    by_office = {row.office.id: row for row in rows}
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
    removed = [stop for office_id, stop in existing.items() if office_id not in in_file]
    for stop in removed:
        if db.session.execute(db.select(Event.id).where(Event.stop_id == stop.id)).first():
            errors.append(
                RowError(
                    0,
                    _("%(name)s is a stop of the route with events, and is missing from the "
                      "file; move or delete its events first.", name=stop.office.name),
                )
            )  # fmt: skip
    for row in rows:
        stop = existing.get(row.office.id)
        if stop is not None:
            stranded = stranded_events(stop, row.receives_at, row.hands_over_at)
            if stranded:
                errors.append(
                    RowError(
                        row.line,
                        _("%(name)s has events outside the new times (%(events)s); shift the "
                          "stop or move its events instead.", name=stop.office.name,
                          events=", ".join(event.title for event in stranded[:3])),
                    )
                )  # fmt: skip
    if errors:
        raise ImportRejected(sorted(set(errors), key=lambda error: error.line))

    result = ImportResult()
    final: list[Stop] = []
    for index, row in enumerate(rows, start=1):
        stop = existing.get(row.office.id)
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
        elif (stop.receives_at, stop.hands_over_at, stop.venue, stop.position) != (
            row.receives_at,
            row.hands_over_at,
            row.venue,
            index,
        ):
            stop.receives_at, stop.hands_over_at = row.receives_at, row.hands_over_at
            stop.venue = row.venue
            result.updated.append(row.office.region_code)
        else:
            result.unchanged += 1
        final.append(stop)
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
