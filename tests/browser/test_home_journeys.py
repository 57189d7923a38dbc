"""The home page in a real browser: the answer above the picker, the day's events, the presets."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.audit import audit
from tests.factories import at

pytestmark = pytest.mark.browser


@pytest.fixture
def server_config():
    """The served app's clock: Wednesday 15 November 2023, Kabupaten Bekasi holds the flags."""
    return {"FIXED_NOW": at("2023-11-15 10:00")}


def top_of(page, selector: str) -> float:
    """Where the first element matching ``selector`` begins, from the top of the page."""
    return page.locator(selector).first.evaluate("e => e.getBoundingClientRect().top + scrollY")


def test_on_a_phone_the_answer_comes_above_the_picker(open_page, live_server, west_java):
    phone = open_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.goto(live_server + "/")
    card = phone.locator("article.card").first
    expect(card).to_contain_text("KPU Kabupaten Bekasi")
    expect(
        card.get_by_role("heading", name=re.compile("Hari ini di KPU Kabupaten Bekasi"))
    ).to_be_visible()
    # The answer starts within the first screen, the picker only after it and the presets.
    assert top_of(phone, "article.card") < 844
    assert (
        top_of(phone, "article.card")
        < top_of(phone, ".presets")
        < top_of(phone, "form.moment-form")
    )
    assert top_of(phone, ".day-events") < top_of(phone, "form.moment-form")
    audit(phone)

    card.get_by_role("link", name=re.compile("Pawai Kirab Pemilu Dapil 3")).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Pawai Kirab Pemilu Dapil 3")
    audit(phone)
    phone.go_back()

    phone.get_by_role("link", name=re.compile("Akhir kirab")).click()
    expect(phone).to_have_url(re.compile(r"at=2023-11-26T09:00"))
    expect(phone.locator(".position-finished")).to_contain_text("KPU RI")
    expect(phone.get_by_text("Serah terima bendera dari KPU Kota Bekasi")).to_be_visible()
    audit(phone)

    phone.get_by_role("link", name="Sen 20 Nov").click()
    expect(phone.locator("article.card").first).to_contain_text("KPU Kota Bekasi")
    expect(phone.get_by_role("link", name="Sen 20 Nov")).to_have_attribute("aria-current", "date")
    audit(phone)


def test_on_a_desktop_in_english_after_the_relay(open_page, live_server, west_java):
    page = open_page(viewport={"width": 1366, "height": 768})
    page.goto(live_server + "/?at=2023-12-01T12:00")
    expect(page.get_by_text("Kegiatan di KPU RI pada Jumat", exact=False)).to_be_visible()
    audit(page)
    page.get_by_role("button", name="English").click()
    expect(page.get_by_text("Finished", exact=False).first).to_be_visible()
    expect(
        page.get_by_role("heading", name=re.compile("Events at KPU RI on Friday"))
    ).to_be_visible()
    assert top_of(page, "article.card") < top_of(page, "form.moment-form")
    audit(page)
    page.get_by_role("link", name=re.compile("Start of the relay")).click()
    expect(page.locator("article.card").first).to_contain_text("KPU Kabupaten Kuningan")
    expect(page.get_by_role("link", name=re.compile("Next handover"))).to_contain_text("Karawang")
    audit(page)
