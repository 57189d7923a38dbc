"""The base of every form, and helpers shared by the forms of every area."""

from __future__ import annotations

import hashlib
import re

from flask_babel import get_translations, lazy_ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, ValidationError

from kirab.errors import DomainError, StaleEdit
from kirab.i18n import local_datetime

# WTForms' own messages that Kirab's forms can show: those of the field types
# (a value that does not parse) and of the validators Kirab uses, word for
# word as WTForms writes them. WTForms ships no Indonesian, so they are listed
# here to be extracted into Kirab's catalogue; tests/test_forms_i18n.py reads
# WTForms' source to check that none is missing.
WTFORMS_MESSAGES = (
    # validators: DataRequired, InputRequired, Email, EqualTo, Length, NumberRange
    _l("This field is required."),
    _l("Invalid email address."),
    _l("Field must be equal to %(other_name)s."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    lazy_ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        2,
    ),
    lazy_ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
        2,
    ),
    lazy_ngettext(
        "Field must be exactly %(max)d character long.",
        "Field must be exactly %(max)d characters long.",
        2,
    ),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    # fields: values that do not parse, choices that are not offered
    _l("Not a valid integer value."),
    _l("Not a valid float value."),
    _l("Not a valid decimal value."),
    _l("Not a valid date value."),
    _l("Not a valid time value."),
    _l("Not a valid datetime value."),
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Invalid choice(s): one or more data inputs could not be coerced."),
    lazy_ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        2,
    ),
)


class CatalogueTranslations:
    """Translate WTForms' messages through Kirab's own catalogue.

    WTForms fills in the placeholders itself, so the raw catalogue is used.
    """

    def gettext(self, string: str) -> str:
        """Translate one message."""
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate a message with a plural."""
        return get_translations().ungettext(singular, plural, n)


class KirabForm(FlaskForm):
    """A form with CSRF protection whose built-in messages speak the visitor's language."""

    class Meta:
        def get_translations(self, form):
            return CatalogueTranslations()


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's error message on its field, or on the form as a whole."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        if not isinstance(field.errors, list):
            field.errors = list(field.errors)
        field.errors.append(error.message)
    else:
        form.form_errors.append(error.message)


def fingerprint(value: object) -> str:
    """A short digest of a field's value, the same for a filled form and the same value posted.

    Whitespace is collapsed (browsers post line breaks as CR LF) and lists
    are sorted, so only a real change of the value changes the digest.
    """
    if isinstance(value, (list, tuple, set)):
        text = "\x1f".join(sorted(str(item) for item in value))
    else:
        text = " ".join(str(value).split()) if value is not None else ""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def parse_fingerprints(text: str | None) -> dict[str, str]:
    """The digests a form was opened with (``name:digest,...``); anything garbled is ignored."""
    pairs = (item.partition(":") for item in (text or "").split(",")[:100])
    return {name: digest for name, _colon, digest in pairs if name and digest}


class VersionedForm(KirabForm):
    """A form that edits a record, carrying the version it was opened at.

    ``version`` is checked by the service (a newer record is refused with
    409); ``opened`` holds a digest of each field as it was shown, so a
    refusal can tell which fields someone else changed meanwhile.
    """

    version = HiddenField()
    opened = HiddenField()
    # Values edited on the page outside WTForms fields (a checklist), with their names.
    extra_labels: dict[str, object] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra_values: dict[str, object] = {}

    def tracked(self) -> dict[str, object]:
        """The values the form edits, by name: its fields and its extra values."""
        fields = {
            name: field.data
            for name, field in self._fields.items()
            if name not in ("csrf_token", "version", "opened")
        }
        return {**fields, **self.extra_values}

    def labels(self) -> dict[str, str]:
        """The names people see for the tracked values."""
        labels = {name: str(field.label.text) for name, field in self._fields.items()}
        return {**labels, **{name: str(label) for name, label in self.extra_labels.items()}}

    def open_at(self, version: int) -> None:
        """Mark the form as showing the record at ``version``, with its values as filled."""
        self.version.data = str(version)
        self.opened.data = ",".join(
            f"{name}:{fingerprint(value)}" for name, value in self.tracked().items()
        )

    def validate_version(self, field) -> None:
        """A version that is not a positive number means the form was not opened here."""
        if not re.fullmatch(r"[0-9]{1,9}", field.data or "") or int(field.data) == 0:
            raise ValidationError(
                _l("This form is incomplete or out of date. Reload the page and try again.")
            )

    def validate(self, extra_validators=None) -> bool:
        """Validate; a bad version is shown for the form as a whole (the field is hidden)."""
        valid = super().validate(extra_validators)
        self.form_errors.extend(self.version.errors)
        return valid

    def expected_version(self) -> int:
        """The version the form was opened at (valid once the form validated)."""
        return int(self.version.data)

    def reconcile(self, current: VersionedForm, error: StaleEdit, timezone: str) -> None:
        """Answer a stale save: say what changed meanwhile, keep the person's own changes.

        ``current`` is filled from the record as it is now. A field the
        person left alone takes the newer value; one they changed keeps
        their input. The form then carries the newer version, so saving
        again after a look applies their changes over the others'.
        """
        opened, mine, now = parse_fingerprints(self.opened.data), self.tracked(), current.tracked()
        labels = self.labels()
        changed, refreshed = [], False
        for name, value in now.items():
            if name not in opened or opened[name] == fingerprint(value):
                continue
            changed.append(labels.get(name, name))
            if fingerprint(mine.get(name)) != opened[name]:
                continue
            refreshed = True
            if name in self._fields:
                self._fields[name].data = value
                self._fields[name].raw_data = []
            else:
                self.extra_values[name] = value
        self.form_errors.append(stale_message(error, changed, timezone, refreshed=refreshed))
        self.version.data, self.opened.data = current.version.data, current.opened.data


def stale_message(error: StaleEdit, changed: list[str], timezone: str, *, refreshed: bool) -> str:
    """Who saved meanwhile and when, what they changed, and what to do now."""
    parts = [error.message]
    if error.saved_by and error.saved_at:
        parts.append(_("Saved by %(name)s at %(time)s.", name=error.saved_by,
                       time=local_datetime(error.saved_at, timezone)))  # fmt: skip
    elif error.saved_at:
        parts.append(_("Saved at %(time)s.", time=local_datetime(error.saved_at, timezone)))
    if changed:
        parts.append(_("Changed meanwhile: %(fields)s.", fields=", ".join(changed)))
    if refreshed:
        parts.append(_("Fields you left alone now show the newer values; check and save again."))
    else:
        parts.append(_("Check the form and save again."))
    return " ".join(parts)
