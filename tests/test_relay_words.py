"""Numbers and dates in Indonesian words, for the berita acara."""

from datetime import date, timedelta

import pytest
from num2words import num2words

from kirab.relay.words import DAYS, MONTHS, date_in_words, number_in_words

UNITS = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]


def below_hundred(n: int) -> str:
    """0..99 in words, spelt out by the rules of Indonesian (the reference for num2words)."""
    if n < 10:
        return UNITS[n]
    if n < 20:
        return {10: "sepuluh", 11: "sebelas"}.get(n, f"{UNITS[n - 10]} belas")
    tens, units = divmod(n, 10)
    return f"{UNITS[tens]} puluh" + (f" {UNITS[units]}" if units else "")


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "nol"),
        (1, "satu"),
        (9, "sembilan"),
        (10, "sepuluh"),
        (11, "sebelas"),
        (12, "dua belas"),
        (13, "tiga belas"),
        (19, "sembilan belas"),
        (20, "dua puluh"),
        (21, "dua puluh satu"),
        (30, "tiga puluh"),
        (99, "sembilan puluh sembilan"),
        (100, "seratus"),
        (101, "seratus satu"),
        (111, "seratus sebelas"),
        (200, "dua ratus"),
        (999, "sembilan ratus sembilan puluh sembilan"),
        (1000, "seribu"),
        (1001, "seribu satu"),
        (1100, "seribu seratus"),
        (2023, "dua ribu dua puluh tiga"),
        (2024, "dua ribu dua puluh empat"),
        (10_000, "sepuluh ribu"),
        (11_000, "sebelas ribu"),
        (100_000, "seratus ribu"),
        (115_000, "seratus lima belas ribu"),
        (1_000_000, "satu juta"),
        (2_200_209, "dua juta dua ratus ribu dua ratus sembilan"),
        (1_000_000_000, "satu miliar"),
        (1_000_001_000, "satu miliar seribu"),
        (2_000_000_000_000, "dua triliun"),
        (-5, "minus lima"),
    ],
)
def test_numbers_in_words(number, words):
    assert number_in_words(number) == words


def test_numbers_too_large_are_refused():
    with pytest.raises(ValueError):
        number_in_words(10**15)


def test_the_date_of_the_kabupaten_bekasi_handover_in_words():
    assert date_in_words(date(2023, 11, 13)) == (
        "Pada hari ini Senin tanggal tiga belas bulan November tahun dua ribu dua puluh tiga"
    )


def test_dates_with_every_weekday_and_single_digits():
    assert date_in_words(date(2023, 2, 14)).startswith(
        "Pada hari ini Selasa tanggal empat belas bulan Februari"
    )
    assert date_in_words(date(2023, 11, 19)) == (
        "Pada hari ini Minggu tanggal sembilan belas bulan November tahun dua ribu dua puluh tiga"
    )
    assert date_in_words(date(2024, 2, 1)).startswith("Pada hari ini Kamis tanggal satu bulan")


@pytest.mark.parametrize(
    "numbers",
    [range(1, 32), range(24), range(60)],
    ids=["days of a month", "hours", "minutes"],
)
def test_days_hours_and_minutes_are_num2words_own(numbers):
    for n in numbers:
        assert num2words(n, lang="id") == number_in_words(n) == below_hundred(n)


def test_the_years_of_the_relay_are_num2words_own():
    for year in range(2023, 2100):
        expected = "dua ribu" + (f" {below_hundred(year - 2000)}" if year > 2000 else "")
        assert num2words(year, lang="id") == number_in_words(year) == expected


@pytest.mark.parametrize(
    ("number", "words"),
    [(1_001_000, "satu juta seribu"), (21_000, "dua puluh satu ribu"),
     (3_000_001_000, "tiga miliar seribu"), (1_000_000_001_000, "satu triliun seribu")],
)  # fmt: skip
def test_a_lone_thousand_after_millions_is_seribu(number, words):
    """Where num2words writes "satu ribu", Indonesian writes "seribu" (as for 1000 alone)."""
    assert number_in_words(number) == words


def test_every_date_of_the_relay_years_opens_a_berita_acara():
    day = date(2023, 1, 1)
    while day.year < 2100:
        year = "dua ribu " + below_hundred(day.year - 2000)
        assert date_in_words(day) == (
            f"Pada hari ini {DAYS[day.weekday()]} tanggal {below_hundred(day.day)} "
            f"bulan {MONTHS[day.month - 1]} tahun {year}"
        )
        day += timedelta(days=1)
