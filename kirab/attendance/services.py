"""The rules of attendance: recording people once, headcounts, self check-in, deletion."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func
from sqlalchemy.orm import joinedload

from kirab import clock
from kirab.attendance.models import (
    BY_ORGANIZER,
    BY_SELF,
    CATEGORIES,
    CONTACT_MAX,
    COUNTER_MAX,
    KEY_MAX,
    METHODS,
    NAME_MAX,
    ORGANISATION_MAX,
    PARTY_REP,
    AttendanceRecord,
    ExpectedGuest,
    HeadcountTally,
)
from kirab.audit.services import record as audit
from kirab.auth.models import PARTY_REP as PARTY_REP_ROLE
from kirab.auth.models import User, UserRegion
from kirab.database import db
from kirab.errors import DomainError
from kirab.events.models import CANCELLED, Event
from kirab.i18n import local_datetime
from kirab.params import whole_number
from kirab.permissions import region_in_scope
from kirab.regions.models import Party
from kirab.text import clean_text

# Self check-in is open from this long before an event starts to this long after it ends.
CHECKIN_OPENS_BEFORE = timedelta(hours=2)
CHECKIN_CLOSES_AFTER = timedelta(hours=2)
CHECKIN_SALT = "kirab.attendance.self-checkin"
MAX_HEADCOUNT = 1_000_000
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# Characters that have no place in a name: markup and control characters.


class DuplicateAttendance(DomainError):
    """The person is already recorded for the event; ``existing`` is that record."""

    def __init__(self, message: str, existing: AttendanceRecord):
        super().__init__(message, "name")
        self.existing = existing


class CheckinRefused(DomainError):
    """A self check-in link that is forged, for another event, or used outside its time."""

    def __init__(self, message: str, status: int):
        super().__init__(message, None)
        self.status = status


@dataclass(frozen=True)
class Outcome:
    """What a submission led to: the record, and whether this submission made it."""

    record: AttendanceRecord | HeadcountTally
    created: bool


# --- identities and clean values -------------------------------------------


def person_key(text: str) -> str:
    """A comparison key ignoring case, spacing, punctuation and accents.

    "Budi Santoso", "BUDI  santoso." and "Budi-Santoso" give the same key.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isalnum()).casefold()[:KEY_MAX]


def affiliation_key(party_number: int | None, organisation: str) -> str:
    """The party (preferred) or organisation that tells two namesakes apart."""
    if party_number is not None:
        return f"p{party_number}"
    key = person_key(organisation)
    return f"o{key}"[:KEY_MAX] if key else ""


def clean_name(value: str | None, field: str, maximum: int) -> str:
    """A person's name (or a counting post's): plain text with letters or digits."""
    text = clean_text(value, field, maximum, plain=True)
    if not person_key(text):
        raise DomainError(_("Enter a name with letters or digits."), field)
    return text


def check_category(category: str | None) -> str:
    """A known attendee category, or a DomainError on the category field."""
    if category not in CATEGORIES:
        raise DomainError(_("Choose a category from the list."), "category")
    return category


def check_party(party_number: int | None, category: str) -> int | None:
    """An existing party number (required for party representatives) or None."""
    if party_number is None:
        if category == PARTY_REP:
            raise DomainError(_("Choose the party this representative belongs to."), "party")
        return None
    if db.session.get(Party, party_number) is None:
        raise DomainError(_("Choose a party from the list."), "party")
    return party_number


def idempotency_key(value: str | None) -> str:
    """The key sent with a submission; one is made here when the browser sent none."""
    value = (value or "").strip()
    if not value:
        return secrets.token_urlsafe(24)
    if not IDEMPOTENCY_KEY.match(value):
        raise DomainError(
            _("The form was damaged on the way. Please reload the page and try again."), None
        )
    return value


def when_recorded(record: AttendanceRecord) -> str:
    """When a record was made, in the event's local time."""
    return local_datetime(record.recorded_at, record.event.timezone)


# --- named attendance -----------------------------------------------------


def find_by_idempotency_key(model, key: str):
    """The record or tally a submission with ``key`` made, if any."""
    return db.session.execute(
        db.select(model).where(model.idempotency_key == key)
    ).scalar_one_or_none()


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
    return DuplicateAttendance(
        _(
            "%(name)s was already recorded for this event on %(when)s.",
            name=existing.name,
            when=when_recorded(existing),
        ),
        existing,
    )


def replay(event: Event, found: AttendanceRecord | HeadcountTally) -> Outcome:
    """Answer a repeated submission as the first one was answered."""
    if found.event_id != event.id:
        raise DomainError(
            _("The form was damaged on the way. Please reload the page and try again."), None
        )
    return Outcome(found, created=False)


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
    name = clean_name(name, "name", NAME_MAX)
    category = check_category(category)
    party_number = check_party(party_number, category)
    organisation = clean_text(organisation, "organisation", ORGANISATION_MAX, plain=True)
    contact = clean_text(contact, "contact", CONTACT_MAX, plain=True)
    name_key = person_key(name)
    affiliation = affiliation_key(party_number, organisation)
    if (existing := find_same_person(event, name_key, affiliation)) is not None:
        if key is not None and existing.idempotency_key == key:
            # The first submission with this key was committed a moment ago.
            return replay(event, existing)
        raise duplicate_error(existing, public=method == BY_SELF)
    entry = AttendanceRecord(
        event=event,
        name=name,
        name_key=name_key,
        affiliation_key=affiliation,
        category=category,
        party_number=party_number,
        party_self_declared=party_self_declared and party_number is not None,
        organisation=organisation,
        contact=contact,
        method=method,
        recorded_at=recorded_at or clock.now(),
        recorded_by=actor,
        idempotency_key=key,
    )
    db.session.add(entry)
    db.session.flush()
    # Names stay out of the audit log, so that deleting a person's records deletes them.
    audit(actor, "attendance.record", entry, event_id=event.id, method=method, category=category)
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


def expected_party_reps(event: Event) -> list[User]:
    """Active party representatives of the invited parties who follow the event's region.

    A representative follows the event when one of their regions contains
    the host region or a kecamatan the event serves.
    """
    parties = [party.number for party in event.invited_parties]
    if not parties:
        return []
    users = db.session.execute(
        db.select(User)
        .where(
            User.role == PARTY_REP_ROLE,
            User.active.is_(True),
            User.party_number.in_(parties),
            User.id.in_(db.select(UserRegion.user_id)),
        )
        .order_by(User.party_number, User.name, User.email)
    ).scalars()
    codes = [event.region.code] + [district.code for district in event.districts]
    return [user for user in users if any(region_in_scope(c, user.region_codes) for c in codes)]


def guest_name(user: User) -> str:
    """The name under which a party representative is recorded."""
    return user.name or user.email


def expected_guest(event: Event, guest_ref: str) -> tuple[str, str, int | None, str]:
    """Name, category, party and organisation of an expected guest of this event.

    ``guest_ref`` is ``u<user id>`` for a party representative who follows
    the event, ``g<guest id>`` for an official on the event's list.
    """
    kind, number = (guest_ref or "")[:1], (guest_ref or "")[1:]
    number = whole_number(number)
    if kind in ("u", "g") and number is not None:
        if kind == "u":
            user = next((u for u in expected_party_reps(event) if u.id == number), None)
            if user is not None:
                return guest_name(user), PARTY_REP, user.party_number, ""
        else:
            guest = db.session.get(ExpectedGuest, number)
            if guest is not None and guest.event_id == event.id:
                return guest.name, guest.category, guest.party_number, guest.organisation
    raise DomainError(_("This guest is not on the list of this event."), "guest")


def tick_off(event: Event, guest_ref: str, *, actor: User, key: str) -> Outcome:
    """Record an expected guest as present."""
    name, category, party_number, organisation = expected_guest(event, guest_ref)
    return record_attendance(
        event,
        name=name,
        category=category,
        party_number=party_number,
        organisation=organisation,
        actor=actor,
        key=key,
    )


def add_expected_guest(
    event: Event,
    *,
    name: str,
    category: str,
    actor: User,
    party_number: int | None = None,
    organisation: str = "",
) -> ExpectedGuest:
    """List an official the organizer expects, to tick off on the day."""
    name = clean_name(name, "name", NAME_MAX)
    category = check_category(category)
    party_number = check_party(party_number, category)
    organisation = clean_text(organisation, "organisation", ORGANISATION_MAX, plain=True)
    name_key, affiliation = person_key(name), affiliation_key(party_number, organisation)
    exists = db.session.execute(
        db.select(ExpectedGuest.id).where(
            ExpectedGuest.event_id == event.id,
            ExpectedGuest.name_key == name_key,
            ExpectedGuest.affiliation_key == affiliation,
        )
    ).first()
    if exists is not None:
        raise DomainError(_("%(name)s is already on the list.", name=name), "name")
    guest = ExpectedGuest(
        event_id=event.id,
        name=name,
        name_key=name_key,
        affiliation_key=affiliation,
        category=category,
        party_number=party_number,
        organisation=organisation,
        created_by_id=actor.id,
    )
    db.session.add(guest)
    db.session.flush()
    audit(actor, "attendance.guest_add", guest, event_id=event.id, category=category)
    return guest


def remove_expected_guest(guest: ExpectedGuest, *, actor: User) -> None:
    """Take an expected guest off the list (records already made stay)."""
    audit(actor, "attendance.guest_remove", guest, event_id=guest.event_id)
    db.session.delete(guest)
    db.session.flush()


def confirm_party(entry: AttendanceRecord, *, actor: User) -> None:
    """Confirm the party a person declared at self check-in."""
    if entry.party_number is None:
        raise DomainError(_("This record names no party."), None)
    if not entry.party_self_declared:
        raise DomainError(_("The party of this record is already confirmed."), None)
    entry.party_self_declared = False
    db.session.flush()
    audit(actor, "attendance.confirm_party", entry, event_id=entry.event_id)


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


def records_of_person(name: str, region_codes: list[str] | None) -> list[AttendanceRecord]:
    """Every record whose name matches ``name`` (as the duplicate rule compares names).

    ``region_codes`` limits them to events of those regions; None means all.
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
    return [
        entry
        for entry in entries
        if region_codes is None or region_in_scope(entry.event.region.code, region_codes)
    ]


# --- headcounts -----------------------------------------------------------


def record_headcount(
    event: Event, *, counter: str, category: str, count: int | None, actor: User, key: str
) -> Outcome:
    """Keep a counter's new tally of a category; a repeated submission records once."""
    if (found := find_by_idempotency_key(HeadcountTally, key)) is not None:
        return replay(event, found)
    counter = clean_name(counter, "counter", COUNTER_MAX)
    category = check_category(category)
    if count is None or not 0 <= count <= MAX_HEADCOUNT:
        raise DomainError(
            _("Enter a whole number from 0 to %(max)s.", max=f"{MAX_HEADCOUNT:,}"), "count"
        )
    tally = HeadcountTally(
        event_id=event.id,
        counter=counter,
        counter_key=person_key(counter),
        category=category,
        count=count,
        recorded_at=clock.now(),
        recorded_by_id=actor.id,
        idempotency_key=key,
    )
    db.session.add(tally)
    db.session.flush()
    audit(actor, "attendance.headcount", tally, event_id=event.id, category=category, count=count)
    return Outcome(tally, created=True)


def latest_tallies(event_ids=None):
    """A select of the tallies that count: the latest per event, counter and category."""
    rank = (
        func.row_number()
        .over(
            partition_by=(
                HeadcountTally.event_id,
                HeadcountTally.counter_key,
                HeadcountTally.category,
            ),
            order_by=(HeadcountTally.recorded_at.desc(), HeadcountTally.id.desc()),
        )
        .label("rank")
    )
    ranked = db.select(HeadcountTally.id, rank)
    if event_ids is not None:
        ranked = ranked.where(HeadcountTally.event_id.in_(event_ids))
    ranked = ranked.subquery()
    return (
        db.select(HeadcountTally)
        .join(ranked, ranked.c.id == HeadcountTally.id)
        .where(ranked.c.rank == 1)
    )


def latest_tallies_of(event: Event) -> list[HeadcountTally]:
    """The tallies that count for one event, by counter and category."""
    return list(
        db.session.execute(
            latest_tallies([event.id]).order_by(HeadcountTally.counter, HeadcountTally.category)
        ).scalars()
    )


def headcount_totals(event_ids=None) -> dict[int, int]:
    """The crowd of each event: its counters' latest tallies added up."""
    counted = latest_tallies(event_ids).subquery()
    rows = db.session.execute(
        db.select(counted.c.event_id, func.sum(counted.c.count)).group_by(counted.c.event_id)
    ).all()
    return {event_id: int(total or 0) for event_id, total in rows}


def named_totals(event_ids=None) -> dict[int, int]:
    """How many people are recorded by name at each event."""
    query = db.select(AttendanceRecord.event_id, func.count(AttendanceRecord.id)).group_by(
        AttendanceRecord.event_id
    )
    if event_ids is not None:
        query = query.where(AttendanceRecord.event_id.in_(event_ids))
    return dict(db.session.execute(query).all())


def attendance_totals(event_ids: list[int]) -> dict[int, int]:
    """People at each event: those recorded by name plus the crowd counted (two queries)."""
    if not event_ids:
        return {}
    named, crowd = named_totals(event_ids), headcount_totals(event_ids)
    return {event_id: named.get(event_id, 0) + crowd.get(event_id, 0) for event_id in event_ids}


# --- self check-in ----------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    """Signs self check-in links with the app's secret, salted for this purpose only."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=CHECKIN_SALT)


def checkin_token(event: Event) -> str:
    """The signed token of an event's self check-in link (its QR code)."""
    return _serializer().dumps({"event": event.id})


def checkin_window(event: Event) -> tuple[datetime, datetime]:
    """When an event's self check-in link works."""
    return event.starts_at - CHECKIN_OPENS_BEFORE, event.ends_at + CHECKIN_CLOSES_AFTER


def verify_checkin_token(event: Event, token: str, now: datetime) -> None:
    """Refuse a forged token, another event's token, or one used outside the event's time."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        raise CheckinRefused(
            _("This check-in code is not valid. Please scan the code the committee shows."), 400
        ) from None
    if not isinstance(payload, dict) or payload.get("event") != event.id:
        raise CheckinRefused(_("This check-in code belongs to another event."), 400)
    if event.status == CANCELLED:
        raise CheckinRefused(_("This event has been cancelled; check-in is closed."), 403)
    opens, closes = checkin_window(event)
    if now < opens:
        raise CheckinRefused(
            _("Check-in opens on %(when)s.", when=local_datetime(opens, event.timezone)), 403
        )
    if now > closes:
        raise CheckinRefused(
            _("Check-in closed on %(when)s.", when=local_datetime(closes, event.timezone)), 403
        )


def self_check_in(
    event: Event,
    token: str,
    now: datetime,
    *,
    name: str,
    category: str,
    key: str,
    party_number: int | None = None,
    organisation: str = "",
    contact: str = "",
) -> Outcome:
    """A person records themselves with the event's QR link; a party they give is self-declared."""
    verify_checkin_token(event, token, now)
    return record_attendance(
        event,
        name=name,
        category=category,
        actor=None,
        key=key,
        method=BY_SELF,
        party_number=party_number,
        organisation=organisation,
        contact=contact,
        party_self_declared=True,
        recorded_at=now,
    )
