"""Expected guests: who the organizer ticks off on the day, and whether each is recorded.

An event expects the party representatives of its invited parties who
follow its region, and the officials its organizers list. Each is known to
the tick form by a key, ``u<user id>`` for a representative and
``g<guest id>`` for a listed official.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NoReturn

from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from kirab.attendance.identity import (
    Outcome,
    affiliation_key,
    check_recordable,
    clean_person,
    person_key,
)
from kirab.attendance.models import (
    PARTY_REP,
    AttendanceRecord,
    ExpectedGuest,
)
from kirab.attendance.services import record_attendance
from kirab.audit.services import record as audit
from kirab.auth.models import PARTY_REP as PARTY_REP_ROLE
from kirab.auth.models import User, UserRegion
from kirab.database import db
from kirab.errors import DomainError
from kirab.events.models import Event
from kirab.params import whole_number
from kirab.regions.models import Party

REPRESENTATIVE, LISTED = "u", "g"


@dataclass(frozen=True)
class ExpectedEntry:
    """One expected guest of an event, and their record there if they are recorded.

    Exactly one of ``user`` (a party representative) and ``guest`` (an
    official on the event's list) is set.
    """

    tick_key: str
    name: str
    category: str
    party_number: int | None
    party: Party | None
    organisation: str
    user: User | None = None
    guest: ExpectedGuest | None = None
    record: AttendanceRecord | None = None

    @property
    def recorded(self) -> bool:
        """Whether the guest is recorded as present."""
        return self.record is not None

    @property
    def listed(self) -> bool:
        """Whether the guest is an official on the list (whom organizers may take off it)."""
        return self.guest is not None

    @property
    def identity(self) -> tuple[str, str]:
        """The name and affiliation keys the duplicate rule compares."""
        return person_key(self.name), affiliation_key(self.party_number, self.organisation)


def representative_entry(user: User) -> ExpectedEntry:
    """A party representative who follows the event, as an expected guest."""
    return ExpectedEntry(
        tick_key=f"{REPRESENTATIVE}{user.id}",
        name=guest_name(user),
        category=PARTY_REP,
        party_number=user.party_number,
        party=user.party,
        organisation="",
        user=user,
    )


def listed_entry(guest: ExpectedGuest) -> ExpectedEntry:
    """An official on the event's list, as an expected guest."""
    return ExpectedEntry(
        tick_key=f"{LISTED}{guest.id}",
        name=guest.name,
        category=guest.category,
        party_number=guest.party_number,
        party=guest.party,
        organisation=guest.organisation,
        guest=guest,
    )


def expected_guests(event: Event) -> list[ExpectedEntry]:
    """The event's expected guests, representatives first, each with their record if any.

    A guest counts as recorded when a record of the event has the same name
    and party (or organisation), however that record was made.
    """
    guests = db.session.execute(
        db.select(ExpectedGuest)
        .where(ExpectedGuest.event_id == event.id)
        .options(joinedload(ExpectedGuest.party))
        .order_by(ExpectedGuest.category, ExpectedGuest.name)
    ).scalars()
    entries = [representative_entry(user) for user in expected_party_reps(event)]
    entries += [listed_entry(guest) for guest in guests]
    if not entries:
        return []
    rows = db.session.execute(
        db.select(AttendanceRecord).where(
            AttendanceRecord.event_id == event.id,
            AttendanceRecord.name_key.in_({entry.identity[0] for entry in entries}),
        )
    ).scalars()
    by_identity = {(row.name_key, row.affiliation_key): row for row in rows}
    return [replace(entry, record=by_identity.get(entry.identity)) for entry in entries]


def region_and_parents(codes: list[str]) -> set[str]:
    """Every code in ``codes`` and every region containing one (``32.16.01``: 32, 32.16)."""
    return {code[:end] for code in codes for end in range(len(code) + 1)
            if end == len(code) or code[end] == "."}  # fmt: skip


def _party_reps_query(event: Event, parties: list[int]):
    """Active representatives of ``parties`` following the event, found by the database.

    A region contains the host region or a served kecamatan exactly when it is
    one of their codes or a parent of one, so the regions are matched by
    equality (and an index) instead of loading every representative.
    """
    codes = [event.region.code] + [district.code for district in event.districts]
    following = db.select(UserRegion.user_id).where(
        UserRegion.region_code.in_(sorted(region_and_parents(codes)))
    )
    return (
        db.select(User)
        .where(
            User.role == PARTY_REP_ROLE,
            User.active.is_(True),
            User.party_number.in_(parties),
            User.id.in_(following),
        )
        .options(joinedload(User.party))
        .order_by(User.party_number, User.name, User.email)
    )


def expected_party_reps(event: Event, user_id: int | None = None) -> list[User]:
    """Active party representatives of the invited parties who follow the event's region.

    A representative follows the event when one of their regions contains
    the host region or a kecamatan the event serves. With ``user_id``, only
    that representative (when they follow it).
    """
    parties = [party.number for party in event.invited_parties]
    if not parties:
        return []
    query = _party_reps_query(event, parties)
    if user_id is not None:
        query = query.where(User.id == user_id)
    return list(db.session.execute(query).scalars().unique())


def guest_name(user: User) -> str:
    """The name under which a party representative is recorded."""
    return user.name or user.email


def expected_guest(event: Event, guest_ref: str) -> ExpectedEntry:
    """The expected guest of this event the tick form names by ``guest_ref``, or a DomainError.

    ``guest_ref`` is ``u<user id>`` for a party representative who follows the
    event, ``g<guest id>`` for an official on the event's list.
    """
    kind, number = (guest_ref or "")[:1], whole_number((guest_ref or "")[1:])
    if number is not None and kind == REPRESENTATIVE:
        found = expected_party_reps(event, user_id=number)
        if found:
            return representative_entry(found[0])
    elif number is not None and kind == LISTED:
        guest = db.session.get(ExpectedGuest, number)
        if guest is not None and guest.event_id == event.id:
            return listed_entry(guest)
    raise DomainError(_("This guest is not on the list of this event."), "guest")


def tick_off(event: Event, guest_ref: str, *, actor: User, key: str) -> Outcome:
    """Record the expected guest the tick form names by ``guest_ref`` as present."""
    entry = expected_guest(event, guest_ref)
    return record_attendance(
        event,
        name=entry.name,
        category=entry.category,
        party_number=entry.party_number,
        organisation=entry.organisation,
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
    check_recordable(event)
    person = clean_person(name, category, party_number, organisation)
    exists = db.session.execute(
        db.select(ExpectedGuest.id).where(
            ExpectedGuest.event_id == event.id,
            ExpectedGuest.name_key == person.name_key,
            ExpectedGuest.affiliation_key == person.affiliation_key,
        )
    ).first()
    if exists is not None:
        raise DomainError(_("%(name)s is already on the list.", name=person.name), "name")
    guest = ExpectedGuest(event_id=event.id, **person.columns(), created_by_id=actor.id)
    db.session.add(guest)
    db.session.flush()
    audit(actor, "attendance.guest_add", guest, event_id=event.id, category=person.category)
    return guest


def listed_meanwhile() -> NoReturn:
    """After the database refused a guest listed by another worker a moment before: say so."""
    raise DomainError(_("This guest is already on the list."), "name")


def remove_expected_guest(guest: ExpectedGuest, *, actor: User) -> None:
    """Take an expected guest off the list (records already made stay)."""
    audit(actor, "attendance.guest_remove", guest, event_id=guest.event_id)
    db.session.delete(guest)
    db.session.flush()
