"""Forms with which admins manage users."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from kirab.auth.models import ADMIN, OBSERVER, ORGANIZER, PARTY_REP
from kirab.editing import VersionedForm
from kirab.forms import KirabForm
from kirab.submissions import SubmissionForm

ROLE_LABELS = {
    ADMIN: _l("Admin"),
    ORGANIZER: _l("Organizer"),
    PARTY_REP: _l("Party representative"),
    OBSERVER: _l("Observer"),
}
ROLE_CHOICES = [SelectChoice(role, label) for role, label in ROLE_LABELS.items()]


def role_label(role: str) -> str:
    """The translated name of a role."""
    return str(ROLE_LABELS.get(role, role))


class UserForm(KirabForm):
    """A user's name, role, regions, party and whether the account is active."""

    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    regions = StringField(
        _l("Regions"),
        description=_l(
            "Region codes separated by spaces, e.g. 32.16 32.75; "
            "a code covers everything beneath it."
        ),
        validators=[Optional(), Length(max=500)],
    )
    party = SelectField(_l("Party"), coerce=str, validators=[Optional()])
    active = BooleanField(_l("Active"), default=True)

    def region_codes(self) -> list[str]:
        """The region codes typed in the regions field."""
        return (self.regions.data or "").replace(",", " ").split()

    def party_number(self) -> int | None:
        """The chosen party's number, or None."""
        return int(self.party.data) if self.party.data else None


class EditUserForm(VersionedForm, UserForm):
    """An existing user's details, with the version they were opened at."""


class NewUserForm(SubmissionForm, UserForm):
    """A new user: the email as well, and an optional first password."""

    email = EmailField(
        _l("Email"), validators=[DataRequired(_l("Enter an email address.")), Length(max=254)]
    )
    password = PasswordField(
        _l("Password"),
        description=_l("Leave empty to generate one; it is shown once."),
        validators=[Optional(), Length(max=128)],
    )


class SetPasswordForm(KirabForm):
    """A new password for another user; empty generates one."""

    password = PasswordField(
        _l("New password"),
        description=_l("Leave empty to generate one; it is shown once."),
        validators=[Optional(), Length(max=128)],
    )
