"""The base of every form, and helpers shared by the forms of every area."""

from __future__ import annotations

from flask_babel import get_translations, lazy_ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from kirab.errors import DomainError

# WTForms' own messages that Kirab's forms can show. WTForms ships no
# Indonesian, so they are listed here to be extracted into Kirab's catalogue.
WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Not a valid choice."),
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
