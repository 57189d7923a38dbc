"""The agenda's dapil follow its region, and date inputs say their value in the page's language."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.audit import audit

pytestmark = pytest.mark.browser


def open_filters(page) -> None:
    """Unfold the agenda's filter form."""
    page.locator("details.filters summary").click()


def test_changing_a_date_updates_its_hint_in_indonesian(phone, live_server, west_java):
    phone.goto(live_server + "/agenda?from=2023-11-13")
    open_filters(phone)
    hint = phone.locator("#f-from-hint")
    expect(hint).to_have_text("Senin, 13 November 2023")
    audit(phone)
    phone.locator("#f-from").fill("2023-10-11")
    expect(hint).to_have_text("Rabu, 11 Oktober 2023")
    phone.locator("#f-to").fill("2024-02-14")
    expect(phone.locator("#f-to-hint")).to_have_text("Rabu, 14 Februari 2024")
    phone.locator("#f-from").fill("")
    expect(hint).to_have_text("")
    # What is sent stays the input's own value.
    phone.get_by_role("button", name="Filter", exact=True).click()
    expect(phone).to_have_url(re.compile(r"[?&]from=&to=2024-02-14$"))
    expect(phone.locator("#f-to-hint")).to_have_text("Rabu, 14 Februari 2024")
    audit(phone)


def test_a_moment_updates_its_hint_with_the_zone(page, live_server, west_java):
    page.goto(live_server + "/?lang=en")
    page.locator("#at").fill("2023-11-14T13:05")
    expect(page.locator("#at-hint")).to_have_text("Tuesday, 14 November 2023, 13:05 WIB")
    audit(page)


def test_the_dapil_follow_the_region_chosen(page, live_server, west_java):
    page.goto(live_server + "/agenda?region=32.16&dapil=32.16-3")
    open_filters(page)
    dapil = page.locator("#f-dapil option")
    expect(dapil).to_have_count(8)  # "All dapil" and Bekasi 1 to 7
    audit(page)
    page.locator("#f-region").select_option("32.75")
    expect(dapil).to_have_count(6)
    expect(dapil.nth(1)).to_have_text("Kota Bekasi 1")
    # Bekasi 3 is no dapil of Kota Bekasi: the choice falls back to all dapil.
    expect(page.locator("#f-dapil")).to_have_value("")
    page.locator("#f-dapil").select_option("32.75-2")
    page.locator("#f-region").select_option("")
    expect(dapil).to_have_count(19)
    expect(page.locator("#f-dapil")).to_have_value("32.75-2")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page.locator("#f-dapil")).to_have_value("32.75-2")
    audit(page)
