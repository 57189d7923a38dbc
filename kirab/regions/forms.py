"""Form choices drawn from the reference data."""

from __future__ import annotations

from flask import g, has_request_context
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from kirab.database import db
from kirab.regions.models import Party


def parties_in_order() -> list[tuple[int, str, str]]:
    """The parties' ballot numbers, names and abbreviations, read once per request.

    A page with several party fields (the attendance page has three forms)
    asks the database once, and a change shows on the next request.
    """
    in_request = has_request_context()  # a command's app context may outlive a change
    parties = g.get("_kirab_parties") if in_request else None
    if parties is None:
        statement = db.select(Party.number, Party.name, Party.abbreviation).order_by(Party.number)
        parties = [tuple(row) for row in db.session.execute(statement)]
        if in_request:
            g._kirab_parties = parties
    return parties


def party_choices(*, blank: bool = True, full_names: bool = False) -> list[SelectChoice]:
    """Choices for a party field by ballot number: "(none)" first unless ``blank`` is False."""
    choices = [
        SelectChoice(str(number), f"{number}. {name if full_names else abbreviation}")
        for number, name, abbreviation in parties_in_order()
    ]
    return [SelectChoice("", _("(none)")), *choices] if blank else choices
