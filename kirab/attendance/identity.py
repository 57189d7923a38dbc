"""Who a person is for the duplicate rule, the values every recording checks, and replays.

Shared by the ways of recording (organizer, ticking off, self check-in,
import, headcounts), so that each compares names and answers a repeated
submission the same way.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _

from kirab.attendance.models import (
    CATEGORIES,
    KEY_MAX,
    NAME_MAX,
    ORGANISATION_MAX,
    PARTY_REP,
    AttendanceRecord,
    HeadcountTally,
)
from kirab.database import db
from kirab.errors import DomainError
from kirab.events.models import CANCELLED, Event
from kirab.regions.models import Party
from kirab.submissions import SUBMISSION_KEY as IDEMPOTENCY_KEY  # noqa: F401 (its rule)
from kirab.submissions import submission_key
from kirab.text import clean_text


@dataclass(frozen=True)
class Outcome:
    """What a submission led to: the record, and whether this submission made it."""

    record: AttendanceRecord | HeadcountTally
    created: bool


def check_recordable(event: Event) -> None:
    """Refuse new attendance at a cancelled event.

    Nobody attends an event that did not take place, so a record made after the
    cancellation would be a mistake in the reports; the records made before it
    stay, to read, export and delete. Repeated submissions are answered before
    this check, so a phone that recorded before the cancellation syncs as usual.
    """
    if event.status == CANCELLED:
        raise DomainError(_("This event is cancelled: attendance can no longer be recorded."), None)


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


@dataclass(frozen=True)
class Person:
    """A person as records and guest lists store them: clean values and identity keys."""

    name: str
    category: str
    party_number: int | None
    organisation: str

    @property
    def name_key(self) -> str:
        """The key the duplicate rule compares names by."""
        return person_key(self.name)

    @property
    def affiliation_key(self) -> str:
        """The key that tells this person from a namesake."""
        return affiliation_key(self.party_number, self.organisation)

    def columns(self) -> dict[str, str | int | None]:
        """The columns a record or an expected guest stores about the person."""
        return {
            "name": self.name,
            "name_key": self.name_key,
            "affiliation_key": self.affiliation_key,
            "category": self.category,
            "party_number": self.party_number,
            "organisation": self.organisation,
        }


def clean_person(
    name: str | None, category: str | None, party_number: int | None, organisation: str | None
) -> Person:
    """The person a form or file describes, checked and cleaned, or a DomainError."""
    # Checked in the order of the form's fields, so the first problem is shown first.
    name = clean_name(name, "name", NAME_MAX)
    category = check_category(category)
    return Person(
        name=name,
        category=category,
        party_number=check_party(party_number, category),
        organisation=clean_text(organisation, "organisation", ORGANISATION_MAX, plain=True),
    )


def idempotency_key(value: str | None) -> str:
    """The key sent with a submission; one is made here when the browser sent none."""
    return submission_key(value)


def find_by_idempotency_key(model, key: str):
    """The record or tally a submission with ``key`` made, if any."""
    return db.session.execute(
        db.select(model).where(model.idempotency_key == key)
    ).scalar_one_or_none()


def replay(event: Event, found: AttendanceRecord | HeadcountTally) -> Outcome:
    """Answer a repeated submission as the first one was answered."""
    if found.event_id != event.id:
        raise DomainError(
            _("The form was damaged on the way. Please reload the page and try again."), None
        )
    return Outcome(found, created=False)
