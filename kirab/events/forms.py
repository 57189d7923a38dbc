"""Forms with which organizers plan events."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from kirab.editing import VersionedForm
from kirab.events.labels import KIND_LABELS
from kirab.events.scheduling import EventData, ProgrammeSpec
from kirab.forms import KirabForm
from kirab.submissions import SubmissionForm

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def kind_choices() -> list[SelectChoice]:
    """Every event kind with its translated name."""
    return [SelectChoice(kind, label) for kind, label in KIND_LABELS.items()]


def aware(value: datetime | None, timezone: str) -> datetime | None:
    """A local time typed in a form, in the stop's zone."""
    return value.replace(tzinfo=ZoneInfo(timezone)) if value else None


class EventForm(KirabForm):
    """An event's details; times are typed in the host region's local time."""

    kind = SelectField(_l("Kind"), choices=kind_choices)
    title = StringField(
        _l("Title"), validators=[DataRequired(_l("Enter a title.")), Length(max=200)]
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    starts_at = DateTimeLocalField(
        _l("Starts"), format=LOCAL_FORMAT,
        validators=[InputRequired(_l("Enter when the event starts."))],
    )  # fmt: skip
    ends_at = DateTimeLocalField(
        _l("Ends"), format=LOCAL_FORMAT,
        validators=[InputRequired(_l("Enter when the event ends."))],
    )  # fmt: skip
    venue_name = StringField(_l("Venue"), validators=[Optional(), Length(max=200)])
    venue_address = StringField(_l("Address"), validators=[Optional(), Length(max=255)])
    latitude = FloatField(_l("Latitude"), validators=[Optional()])
    longitude = FloatField(_l("Longitude"), validators=[Optional()])
    dapil_id = SelectField(_l("Dapil"), validators=[Optional()])
    district_codes = CheckboxesField(_l("Kecamatan served"), validators=[Optional()])
    party_numbers = CheckboxesField(_l("Invited parties"), validators=[Optional()])
    capacity = IntegerField(_l("Capacity"), validators=[Optional()])

    def to_data(self, timezone: str) -> EventData:
        """The entered event, with times in ``timezone``."""
        return EventData(
            kind=self.kind.data,
            title=self.title.data or "",
            description=self.description.data or "",
            starts_at=aware(self.starts_at.data, timezone),
            ends_at=aware(self.ends_at.data, timezone),
            venue_name=self.venue_name.data or "",
            venue_address=self.venue_address.data or "",
            latitude=self.latitude.data,
            longitude=self.longitude.data,
            dapil_id=int(self.dapil_id.data) if self.dapil_id.data else None,
            district_codes=list(self.district_codes.data or []),
            party_numbers=[int(number) for number in self.party_numbers.data or []],
            capacity=self.capacity.data,
        )

    def fill(self, data: EventData, timezone: str) -> None:
        """Show an event's data in the form, in local time."""
        zone = ZoneInfo(timezone)
        self.kind.data = data.kind
        self.title.data = data.title
        self.description.data = data.description
        self.starts_at.data = data.starts_at.astimezone(zone).replace(tzinfo=None)
        self.ends_at.data = data.ends_at.astimezone(zone).replace(tzinfo=None)
        self.venue_name.data = data.venue_name
        self.venue_address.data = data.venue_address
        self.latitude.data = data.latitude
        self.longitude.data = data.longitude
        self.dapil_id.data = str(data.dapil_id or "")
        self.district_codes.data = list(data.district_codes)
        self.party_numbers.data = [str(number) for number in data.party_numbers]
        self.capacity.data = data.capacity


class NewEventForm(SubmissionForm, EventForm):
    """A new event: created once however often the form is sent."""


class EventEditForm(VersionedForm, EventForm):
    """An existing event's details, with the version they were opened at."""


class ProgrammeForm(SubmissionForm):
    """One event per chosen dapil, spread over days of the stop."""

    kind = SelectField(_l("Kind"), choices=kind_choices, default="parade")
    title = StringField(
        _l("Title"),
        default="Pawai Kirab Pemilu",
        description=_l("Each event is called this, followed by its dapil."),
        validators=[DataRequired(_l("Enter a title.")), Length(max=180)],
    )
    dapil_ids = CheckboxesField(_l("Dapil"))
    first_day = IntegerField(_l("From day"), default=2,
                             validators=[InputRequired(), NumberRange(1, 60)])  # fmt: skip
    last_day = IntegerField(_l("To day"), default=6,
                            validators=[InputRequired(), NumberRange(1, 60)])  # fmt: skip
    start = TimeField(_l("Starting at"), default=datetime(2000, 1, 1, 8).time(),
                      validators=[InputRequired()])  # fmt: skip
    duration_hours = FloatField(_l("Hours each"), default=3,
                                validators=[InputRequired(), NumberRange(0.25, 24)])  # fmt: skip
    pause_hours = FloatField(
        _l("Hours between two events on one day"), default=2,
        validators=[InputRequired(), NumberRange(0, 12)],
    )  # fmt: skip

    def to_spec(self) -> ProgrammeSpec:
        """The programme the form describes."""
        return ProgrammeSpec(
            dapil_ids=[int(value) for value in self.dapil_ids.data or []],
            first_day=self.first_day.data,
            last_day=self.last_day.data,
            start=self.start.data,
            duration=timedelta(hours=self.duration_hours.data),
            pause=timedelta(hours=self.pause_hours.data),
            kind=self.kind.data,
            title=self.title.data.strip(),
        )


class CancelForm(KirabForm):
    """The reason an event is cancelled, told to everyone who follows it."""

    reason = TextAreaField(
        _l("Reason"),
        description=_l("Shown on the event page and in calendars."),
        validators=[DataRequired(_l("Give a reason.")), Length(max=1000)],
    )


class ActionForm(KirabForm):
    """A button that changes something: only the CSRF token."""


class DuplicateForm(SubmissionForm):
    """The duplicate button: one copy however often it is pressed."""


class DeleteForm(KirabForm):
    """Deleting a draft cannot be undone: a ticked box confirms it, without script."""

    confirm = BooleanField(
        _l("Yes, delete this draft"),
        validators=[InputRequired(message=_l("Tick the box to confirm the deletion."))],
    )
