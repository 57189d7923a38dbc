"""An organizer schedules a dapil programme; the public sees it."""

import re

import pytest
from playwright.sync_api import expect

from kirab.database import db
from tests.browser.audit import audit
from tests.conftest import TEST_PASSWORD
from tests.factories import make_user

pytestmark = pytest.mark.browser

ORGANIZER = "organizer.jabar@kirab.example"


def test_organizer_programmes_parades_and_the_public_sees_them(open_page, live_server, west_java):
    make_user("organizer", email=ORGANIZER, regions=["32"])
    db.session.commit()
    page = open_page(viewport={"width": 1024, "height": 800})
    page.goto(live_server + "/login")
    audit(page)
    page.get_by_label("Email").fill(ORGANIZER)
    page.get_by_label("Kata sandi").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(re.compile(r"/manage$"))
    audit(page)

    page.get_by_role("link", name="KPU Kota Bekasi").click()
    expect(page.get_by_text("Belum ada pawai di", exact=False)).to_be_visible()
    audit(page)
    page.get_by_role("link", name="Program untuk setiap dapil").click()
    audit(page)
    page.get_by_role("button", name="Pratinjau").click()
    preview = page.get_by_role("table")
    expect(preview).to_contain_text("Pawai Kirab Pemilu Dapil 5")
    expect(preview).to_contain_text("Senin, 20 November 2023")
    audit(page)
    page.get_by_role("button", name="Buat draf ini").click()
    expect(page.get_by_text("5 draf dibuat.")).to_be_visible()
    audit(page)
    page.get_by_role("button", name="Terbitkan semua draf").click()
    expect(page.get_by_text("5 draf diterbitkan.")).to_be_visible()
    audit(page)

    visitor = open_page(viewport={"width": 390, "height": 800})
    visitor.goto(live_server + "/agenda?region=32.75&kind=parade")
    expect(visitor.locator("html")).to_have_attribute("lang", "id")
    expect(visitor.get_by_text("5 kegiatan")).to_be_visible()
    expect(visitor.get_by_role("heading", name="Senin, 20 November 2023")).to_be_visible()
    first = visitor.locator(".event-card").first
    expect(first).to_contain_text("Pawai Kirab Pemilu Dapil 1")
    expect(first).to_contain_text("08.00 WIB")
    audit(visitor)
