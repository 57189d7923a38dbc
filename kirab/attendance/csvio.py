"""Attendance as CSV: the file's columns, and all-or-nothing imports of lists.

Exports (streamed from the database) are in csv_export.py.

An export imported into a database with the same events and no attendance,
then exported again, gives the same records: the import restores each
record's time, method and recorder. Its headcount rows are skipped: a
tally is a count made at the event, never one brought in from a file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NoReturn

from flask_babel import force_locale
from flask_babel import gettext as _

from kirab import clock
from kirab.attendance.counts import count_inserted
from kirab.attendance.forms import CATEGORY_LABELS
from kirab.attendance.identity import (
    affiliation_key,
    check_category,
    check_party,
    check_recordable,
    clean_name,
    person_key,
)
from kirab.attendance.models import (
    BY_IMPORT,
    BY_SELF,
    CATEGORIES,
    CONTACT_MAX,
    METHODS,
    NAME_MAX,
    ORGANISATION_MAX,
    AttendanceRecord,
    attendance_scopes,
)
from kirab.audit.services import record as audit
from kirab.auth.models import User
from kirab.csvtext import csv_reader, decode_csv
from kirab.database import db
from kirab.dataversions import bump
from kirab.errors import DomainError
from kirab.events.models import Event
from kirab.regions.models import Party
from kirab.text import clean_text

COLUMNS = [
    "event_id",
    "event_title",
    "region_code",
    "stop_id",
    "name",
    "category",
    "party_number",
    "party",
    "party_status",
    "organisation",
    "contact",
    "method",
    "recorded_at_utc",
    "recorded_at_local",
    "timezone",
    "recorded_by",
    # Added for headcounts; the columns above keep their names and order.
    "record_type",
    "post",
    "count",
]
CONFIRMED, SELF_DECLARED = "confirmed", "self_declared"
# What a row of an export holds: a person recorded by name, or a headcount tally.
PERSON, HEADCOUNT = "person", "headcount"
# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_IMPORT_ROWS = 50_000

# --- import ------------------------------------------------------------------


class ImportFailed(DomainError):
    """An import refused as a whole, with every bad row's line and reason (line 0: the file)."""

    def __init__(self, problems: list[tuple[int, str]]):
        self.problems = problems
        if len(problems) == 1 and problems[0][0] == 0:
            message = problems[0][1]
        else:
            message = _("Nothing was imported: %(n)d rows need correcting.", n=len(problems))
        super().__init__(message, "file")


@dataclass
class ImportResult:
    """What an import did: how many records it added, and which rows it skipped why."""

    added: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)


def uncell(text: str | None) -> str:
    """A cell's value without the quote an export put before a formula-like text."""
    text = (text or "").strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def category_names() -> dict[str, str]:
    """Category values and their names in both languages, lower case, to the value."""
    names = {category: category for category in CATEGORIES}
    for language in ("id", "en"):
        with force_locale(language):
            for category, label in CATEGORY_LABELS.items():
                names[str(label).casefold()] = category
    return names


def parse_time(text: str) -> datetime:
    """An ISO time with an offset (``Z`` for UTC); ValueError otherwise."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(text)
    return moment.astimezone(UTC)


def read_rows(data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and the rows (with their line numbers) of a CSV file."""
    text = decode_csv(data)
    if not text.strip():
        raise ImportFailed([(0, _("The file is empty."))])
    reader = csv_reader(text)
    try:
        header = [column.strip().lower() for column in next(reader)]
        rows = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                raise ImportFailed(
                    [(0, _("A file may hold at most %(n)d rows.", n=MAX_IMPORT_ROWS))]
                )
            rows.append((reader.line_num, dict(zip(header, cells, strict=False))))
    except csv.Error:
        raise ImportFailed([(0, _("The file is not a readable CSV file."))]) from None
    missing = [column for column in ("name", "category") if column not in header]
    if missing:
        raise ImportFailed(
            [(0, _("The first line must name the columns; missing: %(c)s.", c=", ".join(missing)))]
        )
    return header, rows


@dataclass
class Lookups:
    """What the rows refer to, loaded once per import."""

    categories: dict[str, str]
    parties: dict[str, int]
    users: dict[str, User]
    # The parties themselves, held so the session keeps them: checking a row's party
    # then finds it there instead of asking the database once per row.
    party_rows: list[Party] = field(default_factory=list)

    @classmethod
    def load(cls) -> Lookups:
        """Categories, parties (by number and abbreviation) and users (by email)."""
        parties: dict[str, int] = {}
        party_rows = list(db.session.execute(db.select(Party)).scalars())
        for party in party_rows:
            parties[str(party.number)] = party.number
            parties[party.abbreviation.casefold()] = party.number
        users = {user.email: user for user in db.session.execute(db.select(User)).scalars()}
        return cls(category_names(), parties, users, party_rows)


def parse_row(cells: dict[str, str], event: Event, actor: User, lookups: Lookups, now) -> dict:
    """One row as the fields of a record; raise DomainError with the reason."""
    event_id = uncell(cells.get("event_id"))
    if event_id and event_id != str(event.id):
        raise DomainError(
            _("This row is for event %(id)s, not for this event.", id=event_id[:12]), None
        )
    name = clean_name(uncell(cells.get("name")), "name", NAME_MAX)
    category_text = uncell(cells.get("category")).casefold()
    category = check_category(lookups.categories.get(category_text, category_text or None))
    party_text = uncell(cells.get("party_number")) or uncell(cells.get("party"))
    party_number = None
    if party_text:
        party_number = lookups.parties.get(party_text.casefold())
        if party_number is None:
            raise DomainError(_("Unknown party: %(party)s.", party=party_text[:40]), "party")
    party_number = check_party(party_number, category)
    status = uncell(cells.get("party_status")) or CONFIRMED
    if status not in (CONFIRMED, SELF_DECLARED):
        raise DomainError(_("party_status must be confirmed or self_declared."), None)
    method = uncell(cells.get("method")) or BY_IMPORT
    if method not in METHODS:
        raise DomainError(_("method must be organizer, self_checkin or import."), None)
    when = uncell(cells.get("recorded_at_utc")) or uncell(cells.get("recorded_at_local"))
    try:
        recorded_at = parse_time(when) if when else now
    except ValueError:
        raise DomainError(
            _("The time must be written like 2023-11-13T09:30:00+07:00."), None
        ) from None
    email = uncell(cells.get("recorded_by")).lower()
    if email:
        recorder = lookups.users.get(email)
        if recorder is None:
            raise DomainError(_("No user has the email %(email)s.", email=email[:80]), None)
    else:
        recorder = None if method == BY_SELF else actor
    organisation = clean_text(
        uncell(cells.get("organisation")), "organisation", ORGANISATION_MAX, plain=True
    )
    return {
        "name": name,
        "name_key": person_key(name),
        "affiliation_key": affiliation_key(party_number, organisation),
        "category": category,
        "party_number": party_number,
        "party_self_declared": party_number is not None and status == SELF_DECLARED,
        "organisation": organisation,
        "contact": clean_text(uncell(cells.get("contact")), "contact", CONTACT_MAX, plain=True),
        "method": method,
        "recorded_at": recorded_at,
        "recorded_by": recorder,
    }


# Accepted rows are written with one INSERT per this many, so memory and a statement's
# size stay bounded whatever the file holds.
IMPORT_CHUNK = 1000


def record_row(event_id: int, values: dict) -> dict:
    """The columns of one accepted row's record, as ``insert_records`` writes them."""
    row = dict(values, event_id=event_id)
    recorder = row.pop("recorded_by")
    row["recorded_by_id"] = recorder.id if recorder is not None else None
    return row


def insert_records(rows: list[dict]) -> None:
    """Write accepted records in bulk: one INSERT per IMPORT_CHUNK rows (an executemany).

    No ORM objects are made; the database's unique constraint on a person
    per event still decides a race with someone recording at the same time
    (IntegrityError, as a flush would raise). The kept totals move once for
    the whole file, after the rows, as a flush would move them.
    """
    table = AttendanceRecord.__table__
    statement = table.insert()
    for start in range(0, len(rows), IMPORT_CHUNK):
        # One statement, many parameter sets: the drivers send them as one batch.
        db.session.execute(statement, rows[start : start + IMPORT_CHUNK])
    if not rows:
        return
    count_inserted(rows)
    # Written past the ORM: the flush listener does not see them, so say what changed.
    connection = db.session.connection()
    bump(attendance_scopes(connection, {row["event_id"] for row in rows}), connection)


def import_attendance(event: Event, data: bytes, *, actor: User) -> ImportResult:
    """Add the people of a CSV file to an event, all or nothing.

    Every bad row is reported with its line; people already recorded (in
    the database or earlier in the file) are skipped, so a file imported
    twice adds nobody the second time.
    """
    if event.deleted_at is not None:
        raise DomainError(_("This event has been deleted."), None)
    check_recordable(event)
    _header, rows = read_rows(data)
    if not rows:
        raise ImportFailed([(0, _("The file has no rows below its first line."))])
    lookups, now = Lookups.load(), clock.now()
    existing = {
        (name_key, affiliation): recorded
        for name_key, affiliation, recorded in db.session.execute(
            db.select(
                AttendanceRecord.name_key,
                AttendanceRecord.affiliation_key,
                AttendanceRecord.recorded_at,
            ).where(AttendanceRecord.event_id == event.id)
        )
    }
    seen: dict[tuple[str, str], int] = {}
    problems: list[tuple[int, str]] = []
    result = ImportResult()
    new_records = []
    for line, cells in rows:
        if uncell(cells.get("record_type")).casefold() == HEADCOUNT:
            result.skipped.append((line, _("Headcount tallies are not imported.")))
            continue
        try:
            # Nothing is written until every row passed: checking a row need not flush.
            with db.session.no_autoflush:
                values = parse_row(cells, event, actor, lookups, now)
        except DomainError as error:
            problems.append((line, error.message))
            continue
        identity = (values["name_key"], values["affiliation_key"])
        if identity in existing:
            result.skipped.append((line, _("%(name)s is already recorded.", name=values["name"])))
        elif identity in seen:
            result.skipped.append(
                (line, _("%(name)s is already on line %(line)d.", name=values["name"],
                         line=seen[identity]))
            )  # fmt: skip
        else:
            seen[identity] = line
            new_records.append(record_row(event.id, values))
    if problems:
        raise ImportFailed(problems)
    insert_records(new_records)
    result.added = len(new_records)
    audit(actor, "attendance.import", event, added=result.added, skipped=len(result.skipped))
    return result


def recorded_meanwhile() -> NoReturn:
    """After the database refused an import because someone recorded a person meanwhile: say so."""
    raise DomainError(
        _("Someone recorded attendance at the same moment. Please import the file again."), "file"
    )
