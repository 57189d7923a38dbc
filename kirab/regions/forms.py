"""Form choices drawn from the reference data."""

from __future__ import annotations

from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from kirab.database import db
from kirab.regions.models import Party


def party_choices(*, blank: bool = True, full_names: bool = False) -> list[SelectChoice]:
    """Choices for a party field by ballot number: "(none)" first unless ``blank`` is False."""
    parties = db.session.execute(db.select(Party).order_by(Party.number)).scalars()
    choices = [
        SelectChoice(str(p.number), f"{p.number}. {p.name if full_names else p.abbreviation}")
        for p in parties
    ]
    return [SelectChoice("", _("(none)")), *choices] if blank else choices
