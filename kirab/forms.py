"""The base of every form, and helpers shared by the forms of every area."""

from __future__ import annotations

from flask_babel import get_translations, lazy_ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from kirab.errors import DomainError

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
