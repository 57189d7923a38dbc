"""Attendance exports as CSV, streamed: a server-side cursor read in batches of tuples.

The file's columns and cell rules are csvio.py's, shared with the import,
so an export imported again restores each record. The people recorded by
name come first (``record_type`` ``person``), then every headcount tally
(``headcount``) with its post, count, time and recorder, for the crowd
figures to be checked; the import skips tallies.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, select, type_coerce
from sqlalchemy.orm import aliased

from kirab.attendance.csvio import (
    COLUMNS,
    CONFIRMED,
    FORMULA_STARTS,
    HEADCOUNT,
    PERSON,
    SELF_DECLARED,
)
from kirab.attendance.models import AttendanceRecord, HeadcountTally
from kirab.auth.models import User
from kirab.database import db
from kirab.events.models import Event
from kirab.regions.models import Office, Party, Region
from kirab.relay.models import Stop

logger = logging.getLogger("kirab.attendance")


def safe_cell(value) -> str:
    """A cell a spreadsheet shows as text: formulas are defused with a leading quote."""
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def written_cell(value) -> str:
    """A typed value as its CSV cell: defused (``safe_cell``), then quoted where it must be.

    The cell is quoted exactly where Python's csv writer quotes (minimal
    quoting): when it holds a comma, a quote or a line break.
    """
    text = safe_cell(value)
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or "\r" in text:
        return '"' + text + '"'
    return text


def iso_seconds(moment: datetime) -> str:
    """An ISO time to the second, in its own offset (UTC written as Z)."""
    text = moment.replace(microsecond=0).isoformat()
    return text.replace("+00:00", "Z")


class Stamps:
    """The two times of a record (UTC and the stop's local time) as ``iso_seconds`` writes them.

    An export writes hundreds of thousands: the zone and the text of each
    offset are found once, and each time is written from its fields in C.
    The export reads its times as the database keeps them (naive UTC), so
    no aware value is made per row; an aware one is taken too.
    """

    def __init__(self):
        self.zones: dict[str, ZoneInfo] = {}
        self.suffixes: dict[timedelta, str] = {}

    def suffix(self, offset: timedelta) -> str:
        """``+07:00`` for seven hours, as ``isoformat`` writes it."""
        text = self.suffixes.get(offset)
        if text is None:
            text = iso_seconds(datetime(2000, 1, 1, tzinfo=dt_timezone(offset)))[19:]
            self.suffixes[offset] = text
        return text

    def pair(self, moment: datetime, zone: str) -> tuple[str, str]:
        """``moment`` (aware, or naive UTC) in UTC and in ``zone``.

        The zone's offset is looked up at the UTC wall clock, as before the
        times were read naive: the same text, byte for byte.
        """
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        info = self.zones.get(zone)
        if info is None:
            info = self.zones[zone] = ZoneInfo(zone)
        offset = info.utcoffset(moment)
        suffix = self.suffixes.get(offset) or self.suffix(offset)
        # The wall clock is the first 19 characters (isoformat adds microseconds when there are).
        return moment.isoformat()[:19] + "Z", (moment + offset).isoformat()[:19] + suffix


class Cells:
    """What an export writes the same way many times: each event's first cells, parties, emails.

    Found once per export (a few thousand events, parties and recorders at
    most), so each line defuses only the text typed for its own record.
    """

    def __init__(self):
        self.stamps = Stamps()
        self.events: dict[int, tuple[str, str, str, str]] = {}
        self.texts: dict[object, str] = {}

    def event(self, event_id: int, title: str, code: str, stop_id: int) -> tuple[str, ...]:
        """The event's id, title, region code and stop as cells."""
        cells = self.events.get(event_id)
        if cells is None:
            cells = self.events[event_id] = (str(event_id), written_cell(title), code, str(stop_id))
        return cells

    def text(self, value) -> str:
        """A repeated value (a party's abbreviation, a recorder's email) as its cell."""
        cell = self.texts.get(value)
        if cell is None:
            cell = self.texts[value] = written_cell(value)
        return cell

    def texts_of(self, first, second) -> tuple[str, str]:
        """Two repeated values as their cells (one call where a line has two)."""
        texts = self.texts
        one, two = texts.get(first), texts.get(second)
        return (
            one if one is not None else self.text(first),
            two if two is not None else self.text(second),
        )


# Rows fetched from the database's cursor at a time: the export holds one batch, never all
# (a few MB); fewer, larger batches cost fewer round trips and chunks.
EXPORT_BATCH = 5000
# The times as stored (naive UTC): no aware value is made for each of the rows.
stored_time = partial(type_coerce, type_=DateTime())
# The columns an export reads, in the order ``export_row`` takes them: values, no objects.
recorder = aliased(User)
EXPORT_COLUMNS = (
    Event.id, Event.title, Region.code, Event.stop_id, AttendanceRecord.name,
    AttendanceRecord.category, AttendanceRecord.party_number, Party.abbreviation,
    AttendanceRecord.party_self_declared, AttendanceRecord.organisation,
    AttendanceRecord.contact, AttendanceRecord.method, stored_time(AttendanceRecord.recorded_at),
    Region.timezone, recorder.email,
)  # fmt: skip


# The columns of a headcount's row, in the order ``headcount_row`` takes them.
HEADCOUNT_COLUMNS = (
    Event.id, Event.title, Region.code, Event.stop_id, HeadcountTally.category,
    stored_time(HeadcountTally.recorded_at), Region.timezone, recorder.email,
    HeadcountTally.counter, HeadcountTally.count,
)  # fmt: skip


def of_events(statement, event_id):
    """``statement`` joined to the events of ``event_id``, their stops, offices and regions.

    Export conditions name events and stops (``Event.id``, ``Event.stop_id``),
    so they select the same events' records and tallies.
    """
    return (
        statement.join(Event, Event.id == event_id)
        .join(Stop, Stop.id == Event.stop_id)
        .join(Office, Office.id == Stop.office_id)
        .join(Region, Region.code == Office.region_code)
    )


def export_query(*conditions):
    """Rows of attendance (with event, region, party, recorder) in a stable order."""
    return (
        of_events(select(*EXPORT_COLUMNS).select_from(AttendanceRecord), AttendanceRecord.event_id)
        .outerjoin(Party, Party.number == AttendanceRecord.party_number)
        .outerjoin(recorder, recorder.id == AttendanceRecord.recorded_by_id)
        .where(Event.deleted_at.is_(None), *conditions)
        .order_by(
            Event.starts_at,
            Event.id,
            AttendanceRecord.recorded_at,
            AttendanceRecord.name_key,
            AttendanceRecord.affiliation_key,
        )
    )


def headcount_query(*conditions):
    """Every headcount tally of the events, by event, then time, post and category."""
    return (
        of_events(select(*HEADCOUNT_COLUMNS).select_from(HeadcountTally), HeadcountTally.event_id)
        .outerjoin(recorder, recorder.id == HeadcountTally.recorded_by_id)
        .where(Event.deleted_at.is_(None), *conditions)
        .order_by(
            Event.starts_at,
            Event.id,
            HeadcountTally.recorded_at,
            HeadcountTally.counter_key,
            HeadcountTally.category,
            HeadcountTally.id,
        )
    )


def export_row(row, cells: Cells | None = None) -> tuple[str, ...]:
    """One database row (a tuple of ``EXPORT_COLUMNS``) as the cells of a CSV line, as written.

    Numbers, times and the fixed words (region code, category, method, zone)
    are written as they are; only the typed text is defused against formulas
    and quoted where it holds a comma, a quote or a line break
    (``written_cell``), so the line is its cells joined by commas.
    """
    (event_id, title, code, stop_id, name, category, party_number, party, self_declared,
     organisation, contact, method, recorded_at, zone, recorder_email) = row  # fmt: skip
    cells = cells or Cells()
    status = number = ""
    if party_number is not None:
        status = SELF_DECLARED if self_declared else CONFIRMED
        number = str(party_number)
    utc, local = cells.stamps.pair(recorded_at, zone)
    party, recorder_email = cells.texts_of(party, recorder_email)
    first = cells.events.get(event_id) or cells.event(event_id, title, code, stop_id)
    # The region code, category and method are the database's own words (checked values).
    return (
        *first, written_cell(name), category, number, party, status, written_cell(organisation),
        written_cell(contact), method, utc, local, zone, recorder_email, PERSON, "", "",
    )  # fmt: skip


def headcount_row(row, cells: Cells | None = None) -> tuple[str, ...]:
    """One tally (a tuple of ``HEADCOUNT_COLUMNS``) as the cells of a CSV line."""
    (event_id, title, code, stop_id, category, recorded_at, zone, recorder_email, post,
     count) = row  # fmt: skip
    cells = cells or Cells()
    utc, local = cells.stamps.pair(recorded_at, zone)
    return (
        *cells.event(event_id, title, code, stop_id), "", category, "", "", "", "", "", "",
        utc, local, zone, cells.text(recorder_email), HEADCOUNT, written_cell(post), str(count),
    )  # fmt: skip


def export_batches(*conditions) -> Iterator[tuple[Sequence, object]]:
    """The export's rows in batches of EXPORT_BATCH, from server-side cursors.

    Each batch comes with the function that makes its CSV lines: the
    records' batches first, then the tallies'. Plain tuples through the
    session's connection: no ORM objects are made or kept, and only one
    batch is in memory at a time.
    """
    connection = db.session.connection()
    for query, make_row in ((export_query, export_row), (headcount_query, headcount_row)):
        if connection.dialect.name == "postgresql":
            batches = _server_cursor_batches(connection, query(*conditions))
        else:
            batches = _result_batches(connection, query(*conditions))
        for batch in batches:
            yield batch, make_row


def fetch_batch(rows, size: int) -> Sequence:
    """The next ``size`` rows of a result or a database cursor (empty at the end)."""
    return rows.fetchmany(size)


def _result_batches(connection, statement) -> Iterator[Sequence]:
    """Batches of rows through SQLAlchemy's result (which turns SQLite's text into times)."""
    # Closed however the export ends (done, failed, the client gone): the cursor goes too.
    with connection.execute(statement.execution_options(yield_per=EXPORT_BATCH)) as result:
        while batch := fetch_batch(result, EXPORT_BATCH):
            yield batch


def _server_cursor_batches(connection, statement) -> Iterator[Sequence]:
    """Batches of plain tuples straight from a psycopg server-side cursor.

    psycopg already gives the values as the export writes them (naive UTC
    times, text, numbers), so no SQLAlchemy row is built for each of the
    hundreds of thousands of lines (a tenth of the export's time).
    """
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    raw = connection.connection.dbapi_connection
    # Closed however the export ends (done, failed, the client gone): the cursor goes too.
    with raw.cursor(name="kirab_export") as cursor:
        cursor.execute(compiled.string, compiled.params)
        while batch := fetch_batch(cursor, EXPORT_BATCH):
            yield batch


def export_rows(*conditions) -> Iterator[list[str]]:
    """The CSV rows, header first, read from the database in batches."""
    yield COLUMNS
    cells = Cells()
    for batch, make_row in export_batches(*conditions):
        yield from (make_row(row, cells) for row in batch)


def export_csv(*conditions) -> Iterator[str]:
    """The export as text chunks, one per batch: a byte order mark, the header, the rows.

    A failure midway gives a broken download (``csv_chunks``).
    """
    cells = Cells()
    batches = export_batches(*conditions)
    # Each line's cells are written already (``written_cell``): joined, not run through the
    # csv module, which took a third of a national export's time to quote what needs none.
    texts = (
        "".join([",".join(make_row(row, cells)) + "\r\n" for row in batch])
        for batch, make_row in batches
    )
    yield from text_chunks(COLUMNS, texts, "An attendance export", logger)


def csv_chunks(header: Sequence[str], batches, what: str, log: logging.Logger) -> Iterator[str]:
    """A CSV download as text chunks, one per batch of lines (lists of cells): ``text_chunks``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def written(lines) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(lines)
        return buffer.getvalue()

    return text_chunks(header, (written(lines) for lines in batches), what, log)


def text_chunks(header: Sequence[str], texts, what: str, log: logging.Logger) -> Iterator[str]:
    """A CSV download as text chunks: a byte order mark and ``header``, then each of ``texts``.

    ``texts`` are batches of finished CSV lines. When a batch fails to come
    (the database gone, a statement cancelled) the error is logged (``what``
    failed midway) and raised on: the server then ends the connection
    without the last chunk, so the client sees a broken download, never a
    file that looks whole.
    """
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(header)
    first = "\ufeff" + buffer.getvalue()
    try:
        for text in texts:
            if first:
                text, first = first + text, ""
            yield text
    except Exception:
        log.exception("%s failed midway; the download is cut short", what)
        raise
    if first:  # the header, when there were no rows
        yield first
