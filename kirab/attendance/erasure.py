"""Deleting a person's records at their request, and finding them by name."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import joinedload

from kirab.attendance.identity import person_key
from kirab.attendance.models import AttendanceRecord
from kirab.audit.services import record as audit
from kirab.auth.models import User
from kirab.database import db
from kirab.events.models import Event
from kirab.permissions import in_scope
from kirab.text import clean_text


def delete_records(entries: Iterable[AttendanceRecord], *, actor: User, reason: str = "") -> int:
    """Delete a person's records on their request; the log keeps that it happened, not who."""
    reason = clean_text(reason, "reason", 200, plain=True)
    count = 0
    for entry in entries:
        audit(
            actor,
            "attendance.delete",
            entry,
            event_id=entry.event_id,
            method=entry.method,
            reason=reason,
        )
        db.session.delete(entry)
        count += 1
    db.session.flush()
    return count


def records_of_person(name: str, scope: list[str] | None) -> list[AttendanceRecord]:
    """Every record whose name matches ``name`` (as the duplicate rule compares names).

    ``scope`` (from ``permissions.region_scope``) limits them to events of
    those regions; None means all.
    """
    key = person_key(name or "")
    if not key:
        return []
    entries = db.session.execute(
        db.select(AttendanceRecord)
        .join(AttendanceRecord.event)
        # Deleted drafts included: a person's records must be erasable wherever they are.
        .where(AttendanceRecord.name_key == key)
        .options(
            # The page shows each event's local date: its stop, office and region come along.
            joinedload(AttendanceRecord.event).joinedload(Event.stop),
            joinedload(AttendanceRecord.party),
        )
        .order_by(AttendanceRecord.recorded_at, AttendanceRecord.id)
    ).scalars()
    return [entry for entry in entries if in_scope(entry.event.region.code, scope)]
