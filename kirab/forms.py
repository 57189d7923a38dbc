"""The base of every form, and helpers shared by the forms of every area."""

from __future__ import annotations

from flask_babel import get_translations, lazy_ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields.choices import SelectFieldBase
from wtforms.widgets import HiddenInput, TextArea

from kirab.errors import DomainError
from kirab.text import has_control_characters

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


def carries_control_characters(field: Field) -> bool:
    """Whether any value posted for ``field`` holds control characters.

    Line breaks are allowed in text areas only. Files and other non-text
    values are not looked at.
    """
    multiline = isinstance(field.widget, TextArea)
    return any(
        isinstance(value, str) and has_control_characters(value, multiline=multiline)
        for value in field.raw_data or ()
    )


def forget_blank_choices(field: SelectFieldBase) -> None:
    """Read blank values posted for a choice (``party_numbers=``, ``dapil_id= ``) as none.

    WTForms' ``Optional`` lets a blank value through unchecked, and for a
    multiple choice looks only at the first value posted: a blank one first
    would let the values after it through too.
    """
    if not field.raw_data:
        return
    field.raw_data = [value for value in field.raw_data if not _blank(value)]
    if isinstance(field.data, list):
        field.data = [value for value in field.data if not _blank(value)]
    elif _blank(field.data):
        field.data = ""


def _blank(value) -> bool:
    """Whether a posted value is an empty or blank string."""
    return isinstance(value, str) and not value.strip()


class KirabForm(FlaskForm):
    """A form with CSRF protection whose built-in messages speak the visitor's language.

    Every form refuses control characters in any of its fields before a
    validator or a service sees them: PostgreSQL cannot store a NUL, and
    such characters only come from forged requests or broken files.
    """

    class Meta:
        def get_translations(self, form):
            return CatalogueTranslations()

    def validate(self, extra_validators=None) -> bool:
        """Validate the form; a field with control characters is refused and nothing else runs."""
        for field in self:
            if isinstance(field, SelectFieldBase):
                forget_blank_choices(field)
        refused = [field for field in self if carries_control_characters(field)]
        if not refused:
            return super().validate(extra_validators)
        self._errors = None
        message = str(_l("Use letters, digits and punctuation only."))
        for field in refused:
            field.errors = [message]
            # A hidden field shows no message of its own: the form tells it.
            if isinstance(field.widget, HiddenInput) and message not in self.form_errors:
                self.form_errors.append(message)
        return False


def show_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's error message on its field, or on the form as a whole."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        if not isinstance(field.errors, list):
            field.errors = list(field.errors)
        field.errors.append(error.message)
    else:
        form.form_errors.append(error.message)
