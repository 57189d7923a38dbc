"""Reading a route's CSV file: order, region code, receives, hands over, venue.

Every line is checked, and the route rules of ``rules.py`` run over the
lines in order; a file with any bad line is refused whole, every bad line
named with its number and reason.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from kirab.csvtext import csv_reader, decode_csv
from kirab.database import db
from kirab.errors import DomainError
from kirab.params import plausible, whole_number
from kirab.regions.models import Office
from kirab.relay.custody import Window
from kirab.relay.rules import ENDS_BEFORE_START, OPEN_END, OVERLAP, Problem, route_problems
from kirab.relay.stops import VENUE_MAX, problem_message

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
# Stands in for a receiving time that could not be read; the rules skip it.
UNREAD = datetime.min.replace(tzinfo=UTC)


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


@dataclass(frozen=True)
class Entry:
    """A line with a usable order, good or not, as the route rules see it."""

    order: int
    line: int
    name: str
    receives_at: datetime | None
    hands_over_at: datetime | None
    open_end: bool  # the hands-over cell is empty (not merely unreadable)


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


def _text(data: bytes) -> str:
    """The file as text, or a refusal of the whole file."""
    if len(data) > MAX_BYTES:
        raise DomainError(_("The file is too large; at most 512 KB."), "file")
    text = decode_csv(data)
    if not text.strip():
        raise DomainError(_("The file is empty."), "file")
    return text


def _open(text: str):
    """A CSV reader past the header (``,``, ``;`` or tabs), and the key each column stands for."""
    reader = csv_reader(text)
    try:
        header = next(reader)
    except csv.Error:
        raise DomainError(_("The file is not readable as CSV."), "file") from None
    keys = [_header_key(cell) for cell in header]
    if any(key not in keys for key in REQUIRED):
        raise ImportRejected(
            [
                RowError(
                    1,
                    _("The first line must name the columns: %(columns)s.",
                      columns="order, region_code, receives, hands_over, venue"),
                )
            ]
        )  # fmt: skip
    return reader, keys


class _Lines:
    """What the lines of a file say so far: good rows, the timeline, and every bad line."""

    def __init__(self, keys: list[str]):
        self.keys = keys
        self.offices = {
            office.region_code: office for office in db.session.execute(db.select(Office)).scalars()
        }
        self.rows: list[Row] = []
        # Lines with a bad time keep their place, so an overlap with a bad neighbour shows too.
        self.timeline: list[Entry] = []
        self.bad: dict[int, list[str]] = {}
        self.orders: dict[int, int] = {}
        self.codes: dict[str, int] = {}

    def read(self, reader) -> None:
        """Read every line; a line that is not CSV ends the reading, noted on it."""
        try:
            for cells in reader:
                if any(cell.strip() for cell in cells) and not self.line(reader.line_num, cells):
                    break
        except csv.Error as error:
            self.bad.setdefault(reader.line_num, []).append(
                _("The line is not valid CSV (%(error)s).", error=str(error)[:80])
            )

    def line(self, line: int, cells: list[str]) -> bool:
        """Read one line; False once the file holds more stops than a route may."""
        if len(self.timeline) + len(self.bad) >= MAX_ROWS:
            self.bad[line] = [_("A route may have at most %(n)d stops.", n=MAX_ROWS)]
            return False
        if len(cells) != len(self.keys):
            self.bad[line] = [
                _("Expected %(n)d columns, found %(found)d.", n=len(self.keys), found=len(cells))
            ]
            return True
        values = {key: cell.strip() for key, cell in zip(self.keys, cells, strict=True) if key}
        problems: list[str] = []
        order = self.order(values["order"], line, problems)
        office, name = self.office(values["region_code"], line, problems)
        receives_at, hands_over_at = _times(values, office, problems)
        if len(values["venue"]) > VENUE_MAX:
            problems.append(_("the venue may have at most %(n)d characters.", n=VENUE_MAX))
        if order is not None:
            open_end = not values["hands_over"]
            self.timeline.append(Entry(order, line, name, receives_at, hands_over_at, open_end))
        if problems:
            self.bad[line] = _capitalise(problems)
        else:
            self.rows.append(Row(line, order, office, receives_at, hands_over_at, values["venue"]))
        return True

    def order(self, text: str, line: int, problems: list[str]) -> int | None:
        """The line's place in the route, unless it is not a number or taken."""
        number = whole_number(text)
        if number is None or not 0 < number < 100_000:
            problems.append(_("the order must be a whole number from 1."))
            return None
        if number in self.orders:
            problems.append(
                _("order %(n)d is also on line %(line)d.", n=number, line=self.orders[number])
            )
            return None
        self.orders[number] = line
        return number

    def office(self, code: str, line: int, problems: list[str]) -> tuple[Office | None, str]:
        """The host office of the line and the name to tell it by."""
        code = "RI" if code.upper() == "RI" else code
        office = self.offices.get(code)
        if office is None:
            problems.append(_("no KPU office has the region code “%(code)s”.", code=code[:20]))
            return None, code[:20]
        if code in self.codes:
            problems.append(
                _("%(name)s is also on line %(line)d.", name=office.name, line=self.codes[code])
            )
        else:
            self.codes[code] = line
        return office, office.name


def _times(
    values: dict[str, str], office: Office | None, problems: list[str]
) -> tuple[datetime | None, datetime | None]:
    """The line's receiving and hand-over times, in the office's zone; None where unreadable."""
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
    return receives_at, hands_over_at


def read_rows(data: bytes) -> list[Row]:
    """Parse and check every line; raise ImportRejected listing all bad ones."""
    reader, keys = _open(_text(data))
    lines = _Lines(keys)
    lines.read(reader)
    if not lines.timeline and not lines.bad:
        raise DomainError(_("The file has no stops."), "file")
    for line, message in timeline_problems(lines.timeline):
        lines.bad.setdefault(line, []).append(message)
    if lines.bad:
        raise ImportRejected(
            [RowError(line, " ".join(lines.bad[line])) for line in sorted(lines.bad)]
        )
    return sorted(lines.rows, key=lambda row: row.order)


def _unread(problem: Problem, entry: Entry) -> bool:
    """Whether a problem comes only from a time the line did not give readably."""
    if problem.code == OPEN_END:
        return not entry.open_end
    if problem.code in (ENDS_BEFORE_START, OVERLAP):
        return entry.receives_at is None
    return False


def timeline_problems(timeline: list[Entry]) -> list[tuple[int, str]]:
    """The route rules over the lines in order, as (line, message); unread times break none."""
    timeline = sorted(timeline, key=lambda entry: entry.order)
    names = [entry.name for entry in timeline]
    windows = [
        Window(entry.line, entry.receives_at or UNREAD, entry.hands_over_at) for entry in timeline
    ]
    return [
        (timeline[problem.index].line, problem_message(problem, names))
        for problem in route_problems(windows)
        if not _unread(problem, timeline[problem.index])
    ]


def _capitalise(parts: list[str]) -> list[str]:
    """Reasons as sentences."""
    return [part[:1].upper() + part[1:] for part in parts]
