"""Reading query strings without trusting them: numbers, dates, and no control characters."""

from __future__ import annotations

import re
from datetime import date, datetime

from flask import Flask, has_request_context, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from kirab.errors import bad_request
from kirab.text import ONE_LINE_CONTROL, has_control_characters

WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
# Dates and moments outside these years are refused: nothing in Kirab is
# planned there, and far dates overflow when converted between zones.
FIRST_YEAR, LAST_YEAR = 2000, 2100
# A message about a bad value names the field by the label its form shows,
# not by the query parameter: "Dari harus berupa tanggal", never "from harus".
PARAMETER_LABELS = {
    "from": _l("From"),
    "to": _l("To"),
    "page": _l("Page number"),
    "per_page": _l("Results per page"),
    "at": _l("Chosen moment"),
    "relay": _l("Relay"),
    "route": _l("Route"),
    "region": _l("Region"),
    "dapil": _l("Dapil"),
    "kind": _l("Kind"),
    "action": _l("Action"),
    "person": _l("Person"),
    "type": _l("Kind of object"),
    "object": _l("Object number"),
}


def parameter_label(name: str) -> str:
    """The label of the field a query parameter comes from, or the name itself.

    The JSON API's readers are integrators writing query strings, not
    people filling in a form: its messages keep naming the parameter.
    """
    for_api = has_request_context() and request.blueprint == "api"
    label = None if for_api else PARAMETER_LABELS.get(name)
    return str(label) if label is not None else name


def whole_number(text: str | None) -> int | None:
    """The value of one to nine ASCII digits, or None for anything else."""
    if text is None or not WHOLE_NUMBER.fullmatch(text):
        return None
    return int(text)


def plausible(value: date | datetime) -> bool:
    """Whether a date or moment lies in the years Kirab deals with."""
    return FIRST_YEAR <= value.year <= LAST_YEAR


def refuse_control_characters() -> None:
    """Answer 400 when a query parameter or a part of the path holds control characters.

    Checked once for every request before any view reads its parameters, so
    no NUL reaches the database (PostgreSQL refuses it) and no line break a
    header or a link.
    """
    values = list(request.args.items(multi=True)) + list((request.view_args or {}).items())
    for name, value in values:
        if has_control_characters(name) or (
            isinstance(value, str) and has_control_characters(value)
        ):
            shown = parameter_label(ONE_LINE_CONTROL.sub("?", name)[:40])
            bad_request(_("Use letters, digits and punctuation only in %(name)s.", name=shown))


def register_parameter_checks(app: Flask) -> None:
    """Check the parameters of every request before its view runs."""
    app.before_request(refuse_control_characters)
