"""Numbers and dates written out in Indonesian words, as official minutes need them.

A berita acara states its date in words ("Pada hari ini Senin tanggal tiga
belas bulan November tahun dua ribu dua puluh tiga"), so that it cannot be
altered by changing a digit.
"""

from __future__ import annotations

from datetime import date

UNITS = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]
DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
MONTHS = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
]  # fmt: skip
# Scales above a thousand, each a thousand times the one before.
SCALES = [(10**12, "triliun"), (10**9, "miliar"), (10**6, "juta")]


def _below_thousand(n: int) -> list[str]:
    """The words of 1..999; "se-" stands for one hundred and for ten to nineteen."""
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds == 1:
        words.append("seratus")
    elif hundreds:
        words += [UNITS[hundreds], "ratus"]
    if rest == 0:
        return words
    if rest < 10:
        words.append(UNITS[rest])
    elif rest == 10:
        words.append("sepuluh")
    elif rest == 11:
        words.append("sebelas")
    elif rest < 20:
        words += [UNITS[rest - 10], "belas"]
    else:
        tens, units = divmod(rest, 10)
        words += [UNITS[tens], "puluh"]
        if units:
            words.append(UNITS[units])
    return words


def number_in_words(n: int) -> str:
    """A whole number in Indonesian words: 2023 is "dua ribu dua puluh tiga"."""
    if n < 0:
        return "minus " + number_in_words(-n)
    if n == 0:
        return UNITS[0]
    if n >= 10**15:
        raise ValueError("numbers from a thousand trillion up are not written out")
    words: list[str] = []
    for scale, name in SCALES:
        count, n = divmod(n, scale)
        if count:
            words += [*_below_thousand(count), name]
    thousands, n = divmod(n, 1000)
    if thousands == 1:
        words.append("seribu")
    elif thousands:
        words += [*_below_thousand(thousands), "ribu"]
    if n:
        words += _below_thousand(n)
    return " ".join(words)


def date_in_words(day: date) -> str:
    """The opening of a berita acara: "Pada hari ini Senin tanggal tiga belas bulan ..."."""
    return (
        f"Pada hari ini {DAYS[day.weekday()]} tanggal {number_in_words(day.day)} "
        f"bulan {MONTHS[day.month - 1]} tahun {number_in_words(day.year)}"
    )
