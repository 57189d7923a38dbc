"""The form that creates or resets a personal feed."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from kirab.submissions import SubmissionForm


class FeedTokenForm(SubmissionForm):
    """The CSRF token proves the person asked for it on this site, and the
    submission key that a repeated post does not reset the address again.

    Resetting ends every subscription to the old address, so a reset also
    needs the box ticked: a confirmation that works without script.
    """

    confirm = BooleanField(_l("Yes, stop every subscription to my current address"))
