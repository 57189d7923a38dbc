"""Dates written out in Indonesian words, as official minutes need them.

A berita acara states its date in words ("Pada hari ini Senin tanggal tiga
belas bulan November tahun dua ribu dua puluh tiga"), so that it cannot be
altered by changing a digit.

The numbers are num2words' Indonesian: it writes every day of a month,
every year of the relay and every hour and minute as Kirab always has (the
tests hold it to that). What stays here is what num2words does not write:
the names of days and months and the opening of the minutes, and the
spelling of a lone thousand after millions (below).
"""

from __future__ import annotations

import re
from datetime import date

from num2words import num2words

DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
MONTHS = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
]  # fmt: skip
LIMIT = 10**15
# num2words writes 1,001,000 as "satu juta satu ribu", though it writes 1,000
# alone as "seribu"; standard Indonesian says "seribu" in both places. Only
# right after a larger scale does "satu ribu" mean a lone thousand ("dua
# puluh satu ribu" is twenty-one thousand).
LONE_THOUSAND = re.compile(r"\b(juta|miliar|triliun) satu ribu\b")


def number_in_words(n: int) -> str:
    """A whole number in Indonesian words: 2023 is "dua ribu dua puluh tiga"."""
    if abs(n) >= LIMIT:
        raise ValueError("numbers from a thousand trillion up are not written out")
    if n < 0:
        return "minus " + number_in_words(-n)
    return LONE_THOUSAND.sub(r"\1 seribu", num2words(n, lang="id"))


def date_in_words(day: date) -> str:
    """The opening of a berita acara: "Pada hari ini Senin tanggal tiga belas bulan ..."."""
    return (
        f"Pada hari ini {DAYS[day.weekday()]} tanggal {number_in_words(day.day)} "
        f"bulan {MONTHS[day.month - 1]} tahun {number_in_words(day.year)}"
    )
