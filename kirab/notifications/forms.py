"""The account page's form: how changes reach a person."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField
from wtforms.fields.choices import SelectChoice

from kirab.forms import KirabForm

EMAIL_CHOICES = [
    SelectChoice("immediate", _l("By e-mail, within minutes of each change")),
    SelectChoice("digest", _l("By e-mail, one daily digest")),
    SelectChoice("off", _l("No e-mail")),
]
HOUR_CHOICES = [SelectChoice("", _l("18.00 (the default)"))] + [
    SelectChoice(str(hour), f"{hour:02d}.00") for hour in range(24)
]
LANGUAGE_CHOICES = [SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")]


class NotificationForm(KirabForm):
    """E-mail immediately, as a digest or not at all; the digest's hour; the mails' language."""

    email_mode = RadioField(_l("Changes to the events you follow"), choices=EMAIL_CHOICES)
    digest_hour = SelectField(
        _l("Hour of the daily digest"),
        choices=HOUR_CHOICES,
        description=_l("In the local time of the first region you follow."),
    )
    lang = SelectField(_l("Language of the mails"), choices=LANGUAGE_CHOICES)


class UnsubscribeForm(KirabForm):
    """Nothing to fill in: the signed link names the person."""
