"""The audit log as CSV, streamed in batches like the attendance exports.

Each line is an entry as the page tells it, in the reader's language: its
time in its zone (with offset, and the zone's name) and in UTC, who, the
action's name and its code (kept for spreadsheets to filter on), the
sentence, and the object's kind, number and name. Names are read in bulk
once per batch; typed text is defused against spreadsheet formulas with the
attendance export's ``safe_cell``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from kirab.attendance.csv_export import EXPORT_BATCH, Stamps, csv_chunks, safe_cell
from kirab.auth.models import User
from kirab.database import db
from kirab.i18n import tz_abbr
from kirab.manage.audit_labels import action_name, object_type_name
from kirab.manage.audit_log import AuditFilter, audit_query, describe

logger = logging.getLogger("kirab.manage")

COLUMNS = [
    "at_local", "zone", "at_utc", "person", "action_name", "action", "description",
    "object_type_name", "object_type", "object_id", "object",
]  # fmt: skip


def audit_rows(audit_filter: AuditFilter, reader_id: int) -> Iterator[list[list[str]]]:
    """The CSV lines of the filtered log, newest first, one list per batch of entries.

    The reader is loaded here by id: the stream runs after the request's
    commit, when the request's own user object has been expired.
    """
    reader = db.session.get(User, reader_id)
    statement = audit_query(audit_filter).execution_options(yield_per=EXPORT_BATCH)
    stamps = Stamps()
    for batch in db.session.execute(statement).scalars().partitions():
        lines = []
        for item in describe(batch, reader, links=False):
            utc, local = stamps.pair(item.at, item.zone)
            lines.append([
                local, tz_abbr(item.zone), utc, safe_cell(item.actor.text),
                action_name(item.action), safe_cell(item.action), safe_cell(item.text),
                object_type_name(item.object_type), safe_cell(item.object_type),
                safe_cell(item.object_id), safe_cell(item.subject.text),
            ])  # fmt: skip
        # Each batch's entries are done with: the session need not keep them.
        for entry in batch:
            db.session.expunge(entry)
        yield lines


def audit_csv(audit_filter: AuditFilter, reader_id: int) -> Iterator[str]:
    """The export as text chunks, one per batch: a byte order mark, the header, the rows.

    A failure midway is logged and raised on, so the download is cut short
    rather than looking whole (as the attendance exports do).
    """
    return csv_chunks(COLUMNS, audit_rows(audit_filter, reader_id), "An audit log export", logger)
