"""Forms for planning the relay and recording handovers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from kirab.editing import VersionedForm
from kirab.forms import KirabForm
from kirab.relay.models import PHOTO, SCAN
from kirab.submissions import SubmissionForm


class NameForm(SubmissionForm):
    """The name of a new relay or route."""

    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=120)])


class StopForm(SubmissionForm):
    """A new stop: host office, position in the route and its window in local time."""

    region_code = StringField(
        _l("Region code of the host office"),
        description=_l(
            "e.g. 32.16 for KPU Kabupaten Bekasi, 32 for KPU Jawa Barat, RI for KPU RI."
        ),
        validators=[DataRequired(_l("Enter the region code of the host office.")), Length(max=16)],
    )
    position = IntegerField(
        _l("Position in the route"),
        description=_l("1 is the first stop; leave empty to add it at the end."),
        validators=[Optional(), NumberRange(min=1, max=9999)],
    )
    receives_date = DateField(
        _l("Receives the flags on"), validators=[InputRequired(_l("Enter a date."))]
    )
    receives_time = TimeField(
        _l("at (local time of the office)"), validators=[InputRequired(_l("Enter a time."))]
    )
    hands_over_date = DateField(
        _l("Hands the flags over on"),
        description=_l("Leave empty only for the last stop of the route."),
        validators=[Optional()],
    )
    hands_over_time = TimeField(_l("at (local time of the office)"), validators=[Optional()])
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])


class StopDetailsForm(VersionedForm):
    """The details a host office keeps up to date."""

    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    contacts = TextAreaField(
        _l("Contacts"),
        description=_l("Who to call at the office during the stop."),
        validators=[Optional(), Length(max=2000)],
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])


SHIFT_UNITS = [SelectChoice("days", _l("days")), SelectChoice("hours", _l("hours"))]


class ShiftForm(KirabForm):
    """A shift of a stop and everything after it, previewed before it is confirmed."""

    amount = IntegerField(
        _l("Shift by"),
        description=_l("A negative number moves the stops earlier."),
        validators=[InputRequired(_l("Enter a whole number.")), NumberRange(min=-2160, max=2160)],
    )
    unit = SelectField(_l("Unit"), choices=SHIFT_UNITS)
    basis = HiddenField()


class ImportForm(SubmissionForm):
    """A CSV file with the route's stops."""

    file = FileField(_l("CSV file"))


class HandoverForm(VersionedForm):
    """What happened at a handover; the checklist is read from the posted items."""

    extra_labels = {"items": _l("Items handed over")}

    actual_date = DateField(
        _l("Actual date"),
        description=_l("Leave empty until the handover has taken place."),
        validators=[Optional()],
    )
    actual_time = TimeField(_l("Actual time (local time of the receiving office)"),
                            validators=[Optional()])  # fmt: skip
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    giving_name = StringField(_l("Signed for the giving office by"),
                              validators=[Optional(), Length(max=120)])  # fmt: skip
    giving_title = StringField(_l("Position"), validators=[Optional(), Length(max=120)])
    receiving_name = StringField(_l("Signed for the receiving office by"),
                                 validators=[Optional(), Length(max=120)])  # fmt: skip
    receiving_title = StringField(_l("Position"), validators=[Optional(), Length(max=120)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])


class UploadForm(SubmissionForm):
    """The signed scan of the berita acara or a photo."""

    kind = SelectField(
        _l("Kind of file"),
        choices=[
            SelectChoice(SCAN, _l("Signed berita acara (scan)")),
            SelectChoice(PHOTO, _l("Photo")),
        ],
    )
    file = FileField(
        _l("File"), description=_l("An image (JPEG, PNG, WebP) or a PDF file, at most 5 MB.")
    )


class ConfirmForm(KirabForm):
    """A button that changes something: only the CSRF token."""
