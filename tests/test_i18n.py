"""Indonesian-first formatting and a complete translation catalogue."""

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po
from flask_babel import force_locale

from kirab.i18n import local_date, local_datetime, local_time, number, number_formatter, tz_abbr
from tests.factories import at

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "kirab" / "translations" / "id" / "LC_MESSAGES" / "messages.po"


def test_indonesian_dates_times_and_numbers(app):
    with app.test_request_context("/"):
        moment = at("2023-11-13 09:00")
        assert local_date(moment, "Asia/Jakarta") == "Senin, 13 November 2023"
        assert local_time(moment, "Asia/Jakarta") == "09.00 WIB"
        assert local_time(moment, "Asia/Makassar") == "10.00 WITA"
        assert local_time(moment, "Asia/Jayapura") == "11.00 WIT"
        assert local_datetime(moment, "Asia/Jakarta") == "Senin, 13 November 2023, 09.00 WIB"
        assert number(2200209) == "2.200.209"


def test_english_formatting_on_request(app):
    with app.test_request_context("/?lang=en"):
        moment = at("2023-11-13 09:00")
        assert local_date(moment, "Asia/Jakarta") == "Monday, 13 November 2023"
        assert local_time(moment, "Asia/Jakarta") == "09:00 WIB"
        assert number(2200209) == "2,200,209"


def test_zone_abbreviations():
    assert [tz_abbr(zone) for zone in ("Asia/Jakarta", "Asia/Pontianak")] == ["WIB", "WIB"]
    assert (tz_abbr("Asia/Makassar"), tz_abbr("Asia/Jayapura")) == ("WITA", "WIT")


def test_date_near_midnight_is_local(app):
    """23.30 WIT on 10 January is still 10 January there, and 21.30 WIB."""
    with app.test_request_context("/"):
        late = at("2024-01-10 23:30", "Asia/Jayapura")
        assert local_date(late, "Asia/Jayapura") == "Rabu, 10 Januari 2024"
        assert local_date(late, "Asia/Jakarta") == "Rabu, 10 Januari 2024"  # 21.30 WIB


def test_every_interface_text_is_translated(tmp_path):
    """Extract the messages afresh: each must have an Indonesian translation."""
    template = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-k", "lazy_ngettext:1,2", "-o", str(template), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with template.open("rb") as handle:
        wanted = {message.id for message in read_po(handle) if message.id}
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    translated = {
        message.id
        for message in catalogue
        if message.id
        and not message.fuzzy
        and (all(message.string) if isinstance(message.string, tuple) else message.string)
    }
    missing = sorted(str(m) for m in wanted - translated)
    assert missing == [], "run `make extract-messages` and translate these"


def test_an_event_is_a_kegiatan_throughout_the_catalogue():
    """One word for one thing: "acara" is left only in "berita acara" (and "upacara")."""
    with CATALOGUE.open("rb") as po:
        catalog = read_po(po)
    mixed = []
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if re.search(r"(?<![Bb]erita )\bacara", text or "", re.IGNORECASE):
                mixed.append(text)
    assert mixed == []


def test_the_number_formatter_writes_each_language_as_number_does(app):
    with app.test_request_context("/"):
        indonesian = number_formatter()
        with force_locale("en"):
            english = number_formatter()
            assert english(2200209) == number(2200209) == "2,200,209"
        assert indonesian(2200209) == number(2200209) == "2.200.209"
        assert indonesian(0.5) == "0,5"
