"""The one cleaner of free text that services accept from people."""

from __future__ import annotations

import re

from flask_babel import gettext as _

from kirab.errors import DomainError

# Control characters other than line breaks and tabs (those end a one-line value anyway).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The same and line breaks, which no one-line input of a browser sends: only a forged
# request does, to split a header or a line of a file the value ends up in.
ONE_LINE_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
MARKUP = re.compile(r"[<>]")


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    """Whether a value typed by someone holds control characters (NUL, escapes...).

    Tabs are allowed everywhere (a cell pasted from a spreadsheet brings one),
    line breaks only in a ``multiline`` value.
    """
    return (CONTROL if multiline else ONE_LINE_CONTROL).search(value) is not None


def clean_text(
    value: str | None,
    field: str,
    maximum: int,
    *,
    required: bool = False,
    multiline: bool = False,
    plain: bool = False,
) -> str:
    """Trim a text value and check it; a DomainError on ``field`` says what is wrong.

    A one-line value has its runs of spaces, tabs and line breaks collapsed to
    one space; a multi-line value (notes, descriptions) keeps its lines and is
    only trimmed. ``plain`` refuses ``<`` and ``>``, for values that travel to
    places (spreadsheets, certificates) where nobody escapes them.
    """
    text = (value or "").strip() if multiline else " ".join((value or "").split())
    if CONTROL.search(text) or (plain and MARKUP.search(text)):
        message = (
            _("Use letters, digits and punctuation only, without < or >.")
            if plain
            else _("Use letters, digits and punctuation only.")
        )
        raise DomainError(message, field)
    if required and not text:
        raise DomainError(_("This field is required."), field)
    if len(text) > maximum:
        raise DomainError(_("Use at most %(n)d characters.", n=maximum), field)
    return text
