"""What a berita acara carries besides its body: its number, letterhead and place-and-date line.

The minutes are issued by the receiving office, whose stop holds the
ceremony: its letterhead heads them, its seat is where they are signed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kirab.regions.places import KIP, letterhead_lines, seat_of
from kirab.relay.models import Handover
from kirab.relay.words import MONTHS

ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


@dataclass(frozen=True)
class Letterhead:
    """The kop surat of the issuing office: two lines in capitals and its address, if known."""

    body: str
    region: str
    address: str


def minutes_number(handover: Handover, day: date) -> str:
    """The document number, e.g. ``12/BA/KIRAB/KPU-3216/XI/2023``.

    Derived, not stored: the handover's id (unique, never reused, so the
    number is too), "BA" for berita acara, the relay, the issuing office
    (KPU or KIP with its region code, dots dropped), and the month in Roman
    numerals and year of the minutes' own date, as official letters number
    them. Printing again gives the same number; it changes only if the
    handover's recorded date moves to another month, along with the date
    the minutes state.
    """
    region = handover.to_stop.office.region
    body, _line = letterhead_lines(region)
    office = f"{'KIP' if body == KIP else 'KPU'}-{region.code.replace('.', '')}"
    return f"{handover.id}/BA/KIRAB/{office}/{ROMAN_MONTHS[day.month - 1]}/{day.year}"


def letterhead(handover: Handover) -> Letterhead:
    """The letterhead of the receiving office."""
    office = handover.to_stop.office
    body, region = letterhead_lines(office.region)
    return Letterhead(body, region, office.address)


def place_and_date(handover: Handover, day: date) -> str:
    """The line above the signatures: "Cikarang, 13 November 2023" (the seat, the local date)."""
    seat = seat_of(handover.to_stop.office.region)
    return f"{seat}, {day.day} {MONTHS[day.month - 1]} {day.year}"
