"""Recording people at an event once, whoever records them, and how many came."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from kirab import clock
from kirab.attendance.counts import kept_totals
from kirab.attendance.identity import (
    Outcome,
    affiliation_key,
    check_recordable,
    clean_person,
    find_by_idempotency_key,
    person_key,
    replay,
)
from kirab.attendance.models import (
    BY_ORGANIZER,
    BY_SELF,
    CONTACT_MAX,
    METHODS,
    AttendanceRecord,
)
from kirab.audit.services import record as audit
from kirab.auth.models import User
from kirab.database import db
from kirab.errors import DomainError
from kirab.events.models import Event
from kirab.i18n import local_datetime
from kirab.text import clean_text


class DuplicateAttendance(DomainError):
    """The person is already recorded for the event; ``existing`` is that record."""

    def __init__(self, message: str, existing: AttendanceRecord):
        super().__init__(message, "name")
        self.existing = existing


def when_recorded(record: AttendanceRecord) -> str:
    """When a record was made, in the event's local time."""
    return local_datetime(record.recorded_at, record.event.timezone)


def find_same_person(event: Event, name_key: str, affiliation: str) -> AttendanceRecord | None:
    """The record of the same person at the event, if any."""
    return db.session.execute(
        db.select(AttendanceRecord).where(
            AttendanceRecord.event_id == event.id,
            AttendanceRecord.name_key == name_key,
            AttendanceRecord.affiliation_key == affiliation,
        )
    ).scalar_one_or_none()


def duplicate_error(existing: AttendanceRecord, *, public: bool = False) -> DuplicateAttendance:
    """The message for a second attempt: who, and when the first was recorded.

    A public self check-in learns only that the person is checked in: who
    attended, and when, is not for anyone holding the event's link.
    """
    if public:
        return DuplicateAttendance(_("You are already checked in for this event."), existing)
    if existing.recorded_by is not None:
        # Two phones at one gate: the second is told who recorded the person, and when.
        who = existing.recorded_by.name or existing.recorded_by.email
        message = _(
            "%(name)s was already recorded for this event on %(when)s by %(who)s.",
            name=existing.name,
            when=when_recorded(existing),
            who=who,
        )
    else:
        message = _(
            "%(name)s was already recorded for this event on %(when)s.",
            name=existing.name,
            when=when_recorded(existing),
        )
    return DuplicateAttendance(message, existing)


def record_attendance(
    event: Event,
    *,
    name: str,
    category: str,
    actor: User | None,
    key: str | None,
    method: str = BY_ORGANIZER,
    party_number: int | None = None,
    organisation: str = "",
    contact: str = "",
    party_self_declared: bool = False,
    recorded_at: datetime | None = None,
    received_at: datetime | None = None,
) -> Outcome:
    """Record a person at an event once.

    A submission whose key was seen before gets the first answer again; a
    person already recorded (same name key and party or organisation) is
    refused with the time of the first record.
    """
    if method not in METHODS:
        raise DomainError(_("Unknown way of recording."), "method")
    if event.deleted_at is not None:
        raise DomainError(_("This event has been deleted."), None)
    if key is not None and (found := find_by_idempotency_key(AttendanceRecord, key)) is not None:
        return replay(event, found)
    check_recordable(event)
    person = clean_person(name, category, party_number, organisation)
    contact = clean_text(contact, "contact", CONTACT_MAX, plain=True)
    if (existing := find_same_person(event, person.name_key, person.affiliation_key)) is not None:
        if key is not None and existing.idempotency_key == key:
            # The first submission with this key was committed a moment ago.
            return replay(event, existing)
        raise duplicate_error(existing, public=method == BY_SELF)
    entry = AttendanceRecord(
        event=event,
        **person.columns(),
        party_self_declared=party_self_declared and person.party_number is not None,
        contact=contact,
        method=method,
        recorded_at=recorded_at or clock.now(),
        received_at=received_at,
        recorded_by=actor,
        idempotency_key=key,
    )
    db.session.add(entry)
    db.session.flush()
    # Names stay out of the audit log, so that deleting a person's records deletes them.
    audit(
        actor,
        "attendance.record",
        entry,
        event_id=event.id,
        method=method,
        category=person.category,
    )
    return Outcome(entry, created=True)


def resolve_conflict(
    event: Event, key: str, name: str, party_number, organisation, *, public: bool = False
) -> Outcome:
    """After the database refused a record another worker made first: answer as it did.

    Called on a fresh transaction; the same key is a retry (answered as the
    first submission was), the same person a duplicate (refused with the time).
    """
    if (found := find_by_idempotency_key(AttendanceRecord, key)) is not None:
        return replay(event, found)
    existing = find_same_person(
        event, person_key(name or ""), affiliation_key(party_number, organisation or "")
    )
    if existing is not None:
        raise duplicate_error(existing, public=public)
    raise DomainError(_("The record could not be saved. Please try again."), None)


def confirm_party(entry: AttendanceRecord, *, actor: User) -> None:
    """Confirm the party a person declared at self check-in."""
    if entry.party_number is None:
        raise DomainError(_("This record names no party."), None)
    if not entry.party_self_declared:
        raise DomainError(_("The party of this record is already confirmed."), None)
    entry.party_self_declared = False
    db.session.flush()
    audit(actor, "attendance.confirm_party", entry, event_id=entry.event_id)


def named_totals(event_ids: list[int]) -> dict[int, int]:
    """How many people are recorded by name at each event that has any (the kept totals)."""
    return {
        event_id: named for event_id, (named, _crowd) in kept_totals(event_ids).items() if named
    }


def attendance_totals(event_ids: list[int]) -> dict[int, int]:
    """People at each event: those recorded by name plus the crowd counted (one query)."""
    if not event_ids:
        return {}
    return {event_id: named + crowd for event_id, (named, crowd) in kept_totals(event_ids).items()}
