"""The admins' form that registers a webhook endpoint."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from kirab.forms import KirabForm
from kirab.submissions import SubmissionForm


class EndpointForm(SubmissionForm):
    """The endpoint's URL and, optionally, the region codes it hears of.

    A submission form: a double post registers one endpoint with one secret.
    """

    url = StringField(
        _l("Endpoint URL"), validators=[DataRequired(_l("Enter the endpoint's address.")),
                                        Length(max=500)],
    )  # fmt: skip
    regions = StringField(
        _l("Regions"), validators=[Optional(), Length(max=500)],
        description=_l("Region codes separated by spaces, such as 32.16 32.75; empty for all."),
    )  # fmt: skip


class RedeliverForm(KirabForm):
    """Nothing to fill in: the button posts it."""
