"""Show 5: attendance on a phone, in Chromium: self check-in from the QR link, ticking off."""

import re

import pytest
from playwright.sync_api import expect

from kirab.database import db
from tests.browser.audit import audit
from tests.conftest import TEST_PASSWORD
from tests.factories import at, make_user

pytestmark = pytest.mark.browser

HANDOVER = "Serah terima bendera dari KPU Kabupaten Karawang"


@pytest.fixture
def server_config():
    """The served app's clock: the handover morning in Kabupaten Bekasi (13 Nov 2023, 09.30 WIB)."""
    return {"FIXED_NOW": at("2023-11-13 09:30")}


@pytest.fixture
def second_phone(open_page):
    """An attendee's phone: another small screen, with cookies of its own."""
    return open_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)


def fits_the_screen(page) -> None:
    """The page does not scroll sideways on a 360-pixel phone."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_organizer_ticks_off_and_an_attendee_checks_in_with_the_qr_link(
    phone, second_phone, live_server, west_java
):
    make_user("organizer", email="organizer.kabbekasi@kirab.example", regions=["32.16"])
    # The party representative who follows Kabupaten Bekasi, expected at its events.
    make_user("party_rep", party=1, regions=["32.16", "32.75"], name="Perwakilan Partai")
    db.session.commit()
    # The organizer logs in on a phone and opens the handover's attendance.
    phone.goto(live_server + "/login")
    audit(phone)
    phone.get_by_label("Email").fill("organizer.kabbekasi@kirab.example")
    phone.get_by_label("Kata sandi").fill(TEST_PASSWORD)
    phone.get_by_role("button", name="Masuk").click()
    expect(phone).to_have_url(re.compile(r"/manage$"))
    audit(phone)
    phone.goto(live_server + "/agenda?region=32.16")
    audit(phone)
    phone.get_by_role("link", name=HANDOVER).click()
    audit(phone)
    phone.get_by_role("link", name="Catat kehadiran").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Kehadiran")
    fits_the_screen(phone)
    audit(phone)

    # The party representative who follows Kabupaten Bekasi is expected; one tap ticks them off.
    phone.get_by_role("button", name="Tandai Perwakilan Partai hadir").click()
    expect(phone.get_by_text("Perwakilan Partai tercatat hadir (09.30 WIB).")).to_be_visible()
    expect(phone.get_by_text("Hadir sejak 09.30 WIB")).to_be_visible()
    expect(phone.locator("#total-named")).to_have_text("1")
    audit(phone)

    # The QR code page shows the code and the signed link it carries.
    phone.get_by_role("link", name="Kode QR daftar hadir mandiri").click()
    expect(phone.locator("svg.qr-code")).to_be_visible()
    link = phone.locator(".qr-link a").get_attribute("href")
    assert re.search(r"/events/\d+/check-in/[\w.-]+$", link)
    fits_the_screen(phone)
    audit(phone)

    # An attendee opens the link on their own phone (the base URL of the test config is
    # not this server's, so the path is followed on the live server).
    path = re.sub(r"^https?://[^/]+", "", link)
    second_phone.goto(live_server + path)
    expect(
        second_phone.get_by_role("heading", name="Data apa yang disimpan dan untuk apa")
    ).to_be_visible()
    expect(second_phone.get_by_text("Nomor 27 Tahun 2022", exact=False)).to_be_visible()
    fits_the_screen(second_phone)
    audit(second_phone)
    key = second_phone.locator("input[name=idempotency_key]").input_value()
    assert re.fullmatch(r"[0-9a-f-]{32,36}", key), "the browser made the submission key"
    second_phone.get_by_label("Nama").fill("Rina Marlina")
    second_phone.get_by_label("Saya hadir sebagai").select_option("party_rep")
    second_phone.get_by_label("Partai").select_option("2")
    second_phone.get_by_label("Saya telah membaca", exact=False).check()
    second_phone.get_by_role("button", name="Isi daftar hadir").click()
    expect(second_phone.get_by_role("heading", level=1)).to_have_text("Terima kasih, Rina Marlina")
    expect(second_phone.get_by_text("dinyatakan sendiri", exact=False)).to_be_visible()
    audit(second_phone)

    # Back on the organizer's phone: the self-declared party is confirmed with one tap.
    phone.goto(live_server + path.split("/check-in/")[0] + "/attendance")
    expect(phone.locator("#total-named")).to_have_text("2")
    audit(phone)
    phone.get_by_role("button", name="Konfirmasi partai Rina Marlina").click()
    expect(phone.get_by_text("Partai Rina Marlina telah dikonfirmasi.")).to_be_visible()
    expect(phone.get_by_role("button", name="Konfirmasi partai Rina Marlina")).to_have_count(0)
    audit(phone)
