"""Numbers and dates in Indonesian words, for the berita acara."""

from datetime import date

import pytest

from kirab.relay.words import date_in_words, number_in_words


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
