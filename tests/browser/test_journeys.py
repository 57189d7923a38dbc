"""The main journeys as a person makes them, in a real browser."""

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
    """The served app's clock: 1 December 2023, after the relay reached KPU RI."""
    return {"FIXED_NOW": at("2023-12-01 12:00")}


def test_home_language_switch_login_and_dashboard(page, live_server, west_java):
    make_user("organizer", email="organizer.kabbekasi@kirab.example", regions=["32.16"])
    db.session.commit()
    page.goto(live_server + "/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kirab Pemilu 2024")
    expect(page.get_by_text("Kirab telah selesai", exact=False)).to_be_visible()
    audit(page)

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_text("The relay is over", exact=False)).to_be_visible()
    audit(page)

    page.get_by_role("link", name="Log in").click()
    audit(page)
    page.get_by_label("Email").fill("organizer.kabbekasi@kirab.example")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(r"/manage$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Committee dashboard")
    expect(page.get_by_role("cell", name="KPU Kabupaten Bekasi")).to_be_visible()
    audit(page)


def test_visitor_picks_a_moment_on_the_route_page(page, live_server, west_java):
    page.goto(live_server + "/route")
    audit(page)
    page.get_by_label(re.compile("Lihat kirab pada waktu lain")).fill("2023-11-15T12:00")
    page.get_by_role("button", name="Tampilkan").click()
    expect(page.locator("li.current")).to_contain_text("KPU Kabupaten Bekasi")
    expect(page.get_by_text("3 dari 5 persinggahan", exact=False)).to_be_visible()
    audit(page)


def test_agenda_on_a_phone(phone, live_server, west_java):
    phone.goto(live_server + "/agenda?region=32.16")
    expect(phone.get_by_role("heading", name="Senin, 13 November 2023")).to_be_visible()
    expect(phone.get_by_text("09.00 WIB", exact=False).first).to_be_visible()
    audit(phone)
    phone.get_by_role("link", name="Pawai Kirab Pemilu Dapil 3").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Pawai Kirab Pemilu Dapil 3")
    expect(phone.get_by_text("Tambun Selatan", exact=True)).to_be_visible()
    audit(phone)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, "the page scrolls sideways on a phone"


def test_the_month_on_a_phone_marks_the_days_and_lists_their_events(phone, live_server, west_java):
    phone.goto(live_server + "/agenda?view=month&region=32.16")
    expect(phone.get_by_role("heading", name="November 2023", exact=True)).to_be_visible()
    # The chips of the grid give way to a mark on the day and the list below.
    expect(phone.locator("a.chip").first).to_be_hidden()
    day = phone.get_by_role("link", name=re.compile(r"Senin, 13 November 2023: 2 kegiatan"))
    box = day.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44, box
    expect(phone.get_by_text("Berlangganan di aplikasi kalender Anda")).to_be_visible()
    audit(phone)
    day.click()
    expect(phone).to_have_url(re.compile(r"#day-2023-11-13$"))
    listed = phone.locator("#day-2023-11-13").get_by_role("link", name=re.compile("Serah terima"))
    assert listed.bounding_box()["height"] >= 44
    listed.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(HANDOVER)
    audit(phone)
