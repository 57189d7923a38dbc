"""Forms of the attendance pages; the rules themselves are checked by the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from kirab.attendance.models import (
    BAWASLU,
    BY_IMPORT,
    BY_ORGANIZER,
    BY_SELF,
    CATEGORIES,
    GOVERNMENT,
    KPU,
    MEDIA,
    OTHER,
    PARTY_REP,
    PUBLIC,
    STUDENT,
)
from kirab.forms import KirabForm
from kirab.params import whole_number
from kirab.submissions import SubmissionForm

CATEGORY_LABELS = {
    PARTY_REP: _l("Party representative"),
    KPU: _l("KPU"),
    BAWASLU: _l("Bawaslu"),
    GOVERNMENT: _l("Government or Forkopimda"),
    STUDENT: _l("Student"),
    MEDIA: _l("Media"),
    PUBLIC: _l("Public"),
    OTHER: _l("Other"),
}
METHOD_LABELS = {
    BY_ORGANIZER: _l("by an organizer"),
    BY_SELF: _l("self check-in"),
    BY_IMPORT: _l("import"),
}


def category_label(category: str) -> str:
    """The name of an attendee category in the current language."""
    return str(CATEGORY_LABELS.get(category, category))


def method_label(method: str) -> str:
    """How a record was made, in the current language."""
    return str(METHOD_LABELS.get(method, method))


def category_choices() -> list[SelectChoice]:
    """Every category, in the order of the product's list."""
    return [SelectChoice(category, CATEGORY_LABELS[category]) for category in CATEGORIES]


def chosen_number(value: str | None) -> int | None:
    """A party number from a select: None for none, -1 for anything not a number."""
    value = (value or "").strip()
    if not value:
        return None
    number = whole_number(value)
    return number if number is not None and number < 1000 else -1


class AttendeeForm(SubmissionForm):
    """A person added by an organizer (a walk-in)."""

    name = StringField(_l("Name"))
    # Walk-ins and crowds are mostly the public; party representatives are ticked off above.
    category = SelectField(
        _l("Category"), choices=category_choices, validate_choice=False, default=PUBLIC
    )
    party = SelectField(_l("Party"), validate_choice=False)
    organisation = StringField(_l("Organisation"))
    contact = StringField(
        _l("Phone or email"), description=_l("Optional; seen only by the committee and Bawaslu.")
    )


class SelfCheckinForm(AttendeeForm):
    """A person checking in with the event's QR code."""

    category = SelectField(
        _l("I attend as"), choices=category_choices, validate_choice=False, default=PUBLIC
    )
    party = SelectField(
        _l("Party"),
        description=_l("Only if you represent a party."),
        validate_choice=False,
    )
    organisation = StringField(_l("Organisation, campus or office"), description=_l("Optional."))
    consent = BooleanField(
        _l("I have read what is kept and why, and I agree."),
        validators=[DataRequired(_l("Please read the notice and tick the box to check in."))],
    )
    # The signed time the page was served, and the moment a phone that lost its signal
    # says the person pressed the button (set by script, empty otherwise).
    served = HiddenField()
    stated_at = HiddenField()


class GuestForm(SubmissionForm):
    """An official the organizer expects, listed before the event."""

    name = StringField(_l("Name"))
    category = SelectField(
        _l("Category"), choices=category_choices, validate_choice=False, default=GOVERNMENT
    )
    party = SelectField(_l("Party"), validate_choice=False)
    organisation = StringField(_l("Organisation or office"))


class TickForm(SubmissionForm):
    """Ticking off one expected guest."""

    guest = HiddenField()


class HeadcountForm(SubmissionForm):
    """A counter's current tally of one category of the crowd."""

    counter = StringField(
        _l("Post"),
        description=_l("Where it is counted, e.g. North gate. The phone keeps it for the next."),
    )
    category = SelectField(
        _l("Category"), choices=category_choices, validate_choice=False, default=PUBLIC
    )
    count = StringField(_l("People counted so far"))

    def count_value(self) -> int | None:
        """The tally as a number, or None when it is not a whole number."""
        text = (self.count.data or "").strip().replace(".", "").replace(",", "")
        return whole_number(text)


class ActionForm(KirabForm):
    """A button that changes one record (confirm a party, remove a guest)."""


class DeleteForm(KirabForm):
    """Deleting records on the person's request, with the reason for the log."""

    reason = StringField(_l("Reason (for the audit log)"))


class ImportForm(SubmissionForm):
    """A CSV file of attendance kept on paper or in a spreadsheet."""

    file = FileField(_l("CSV file"))
