"""The form that creates or resets a personal feed."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from kirab.forms import KirabForm


class FeedTokenForm(KirabForm):
    """The CSRF token proves the person asked for it on this site.

    Resetting ends every subscription to the old address, so a reset also
    needs the box ticked: a confirmation that works without script.
    """

    confirm = BooleanField(_l("Yes, stop every subscription to my current address"))
