"""The berita acara's number, letterhead and place-and-date line."""

import re

import pytest

from kirab.database import db
from kirab.regions.models import Region
from kirab.regions.places import letterhead_lines, seat_of
from kirab.relay.models import Handover
from tests.conftest import login
from tests.factories import at, make_user
from tests.test_relay_handovers import handover_into, jalur  # noqa: F401 (a fixture)

NUMBER = re.compile(
    r"(\d+)/BA/KIRAB/(KPU|KIP)-(RI|\d{2}|\d{4})/(I|II|III|IV|V|VI|VII|VIII|IX|X|XI|XII)/(\d{4})"
)


def minutes(client, handover: Handover) -> str:
    """The printable minutes of ``handover`` as an observer sees them (asked in English)."""
    response = client.get(f"/manage/handovers/{handover.id}/berita-acara?lang=en")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def observer(client, jalur):  # noqa: F811
    """A logged-in observer."""
    user = make_user("observer")
    db.session.commit()
    login(client, user)
    return user


def region(code: str) -> Region:
    """The region of ``code``."""
    return db.session.get(Region, code)


def test_the_number_is_in_the_official_format(client, observer):
    handover = handover_into("32.16")
    page = minutes(client, handover)
    assert f"Nomor: {handover.id}/BA/KIRAB/KPU-3216/XI/2023" in page


def test_every_handover_has_its_own_number_and_keeps_it(client, observer):
    handovers = db.session.execute(db.select(Handover).order_by(Handover.id)).scalars().all()
    numbers = []
    for handover in handovers:
        found = re.search(r"Nomor: (\S+)</p>", minutes(client, handover))[1]
        assert NUMBER.fullmatch(found), found
        numbers.append(found)
    assert len(handovers) >= 4 and len(set(numbers)) == len(numbers)
    assert numbers[-1].split("/")[3] == "KPU-RI"  # the last handover is into KPU RI
    # Printed again, each reads the same.
    assert re.search(r"Nomor: (\S+)</p>", minutes(client, handovers[0]))[1] == numbers[0]


def test_the_number_follows_the_recorded_date(client, observer):
    handover = handover_into("32.16")
    handover.actual_at = at("2023-11-13 09:00")
    db.session.commit()
    assert f"{handover.id}/BA/KIRAB/KPU-3216/XI/2023" in minutes(client, handover)


def test_the_letterhead_names_the_receiving_office_in_capitals(client, observer):
    handover = handover_into("32.16")
    handover.to_stop.office.address = "Jl. Rukun Cikarang Baru, Cikarang Pusat"
    db.session.commit()
    page = minutes(client, handover)
    head = re.search(r'<header class="letterhead">(.*?)</header>', page, re.S)[1]
    assert '<p class="kop-body">KOMISI PEMILIHAN UMUM</p>' in head
    assert '<p class="kop-region">KABUPATEN BEKASI</p>' in head
    assert "Jl. Rukun Cikarang Baru, Cikarang Pusat" in head
    # The rule under it is drawn by the print style sheet.
    assert "border-bottom: 3px double" in client.get("/static/css/print.css").get_data(as_text=True)


def test_the_place_and_date_line_comes_before_the_signatures(client, observer):
    page = minutes(client, handover_into("32.16"))
    assert '<p class="place-date">Cikarang, 13 November 2023</p>' in page
    assert page.index('class="place-date"') < page.index('class="signatures"')
    kota = minutes(client, handover_into("32.75"))
    assert '<p class="place-date">Bekasi, 19 November 2023</p>' in kota


def test_the_place_and_date_line_takes_the_local_date(client, observer):
    handover = handover_into("32.16")
    handover.actual_at = at("2023-10-11 23:30")  # 16.30 UTC: still 11 October in Cikarang
    db.session.commit()
    page = minutes(client, handover)
    assert "Cikarang, 11 Oktober 2023" in page
    assert f"{handover.id}/BA/KIRAB/KPU-3216/X/2023" in page


@pytest.mark.parametrize(
    ("code", "lines", "seat"),
    [
        ("RI", ("KOMISI PEMILIHAN UMUM", "REPUBLIK INDONESIA"), "Jakarta"),
        ("32", ("KOMISI PEMILIHAN UMUM", "PROVINSI JAWA BARAT"), "Bandung"),
        ("32.16", ("KOMISI PEMILIHAN UMUM", "KABUPATEN BEKASI"), "Cikarang"),
        ("32.15", ("KOMISI PEMILIHAN UMUM", "KABUPATEN KARAWANG"), "Karawang"),
        ("32.75", ("KOMISI PEMILIHAN UMUM", "KOTA BEKASI"), "Bekasi"),
        ("31.71", ("KOMISI PEMILIHAN UMUM", "KOTA ADMINISTRASI JAKARTA PUSAT"), "Jakarta Pusat"),
        ("11", ("KOMISI INDEPENDEN PEMILIHAN", "ACEH"), "Banda Aceh"),
        ("11.01", ("KOMISI INDEPENDEN PEMILIHAN", "KABUPATEN ACEH SELATAN"), "Tapaktuan"),
    ],
)
def test_letterheads_and_seats_of_each_level(app, code, lines, seat):
    assert letterhead_lines(region(code)) == lines
    assert seat_of(region(code)) == seat
