"""Reading numbers and dates from query strings without trusting them."""

from __future__ import annotations

import re
from datetime import date, datetime

WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
# Dates and moments outside these years are refused: nothing in Kirab is
# planned there, and far dates overflow when converted between zones.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def whole_number(text: str | None) -> int | None:
    """The value of one to nine ASCII digits, or None for anything else."""
    if text is None or not WHOLE_NUMBER.fullmatch(text):
        return None
    return int(text)


def plausible(value: date | datetime) -> bool:
    """Whether a date or moment lies in the years Kirab deals with."""
    return FIRST_YEAR <= value.year <= LAST_YEAR
