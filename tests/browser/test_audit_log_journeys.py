"""Bawaslu reads the audit log in a real browser: who shifted a stop, when, and the CSV of it."""

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kirab.audit.models import AuditEntry
from kirab.database import db
from kirab.relay.shifts import apply_shift
from tests.browser.audit import audit
from tests.browser.test_planning_journeys import log_in
from tests.factories import at, make_user, stop_of

pytestmark = pytest.mark.browser

SENTENCE = re.compile(
    r"Ani Organizer menggeser 3 persinggahan Jalur VII 1 hari lebih lambat, "
    r"mulai KPU Kabupaten Bekasi"
)


def shift_and_log(west_java) -> None:
    """An admin shifted Kabupaten Bekasi by a day on Friday 10 November 2023 at 14.30 WIB."""
    admin = make_user("admin", name="Ani Organizer")
    apply_shift(stop_of(west_java, "32.16"), timedelta(days=1), actor=admin)
    for entry in db.session.execute(db.select(AuditEntry)).scalars():
        entry.at = at("2023-11-10 14:30")
    db.session.commit()


def test_bawaslu_finds_who_shifted_a_stop_and_when_and_exports_it(page, live_server, west_java):
    """Show 4 of the field week: the observer filters the log and downloads what it found."""
    shift_and_log(west_java)
    log_in(page, live_server, "observer")
    page.get_by_role("link", name="Log audit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log audit")
    audit(page)

    page.get_by_label("Tindakan").select_option(label="Persinggahan digeser")
    page.get_by_label("Jenis objek").select_option(label="Persinggahan")
    page.get_by_label("Dari (WIB)").fill("2023-11-10")
    page.get_by_label("Sampai (WIB)").fill("2023-11-10")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page).to_have_url(re.compile(r"action=stop\.shift"))
    rows = page.locator("table.audit-log tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(SENTENCE)
    expect(rows.first).to_contain_text("Jumat, 10 November 2023, 14.30 WIB")
    # No code and no raw JSON in what the observer reads.
    assert "stop.shift" not in rows.first.inner_text()
    assert "{" not in page.locator("main").inner_text()
    audit(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Unduh entri ini sebagai CSV").click()
    download = download_info.value
    assert download.suggested_filename == "audit-log.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert SENTENCE.search(row["description"])
    assert row["at_local"] == "2023-11-10T14:30:00+07:00" and row["zone"] == "WIB"
    assert row["person"] == "Ani Organizer" and row["object"] == "KPU Kabupaten Bekasi"

    # The stop's link opens the stop's events, which the observer may read.
    rows.first.get_by_role("link", name="KPU Kabupaten Bekasi").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("KPU Kabupaten Bekasi")
    audit(page)


def test_the_audit_log_fits_a_phone(phone, live_server, west_java):
    """The filters and the entries fit 320 pixels; the table scrolls in its own frame."""
    shift_and_log(west_java)
    log_in(phone, live_server, "observer")
    phone.goto(live_server + "/manage/audit")
    expect(phone.locator("table.audit-log tbody tr").first).to_be_visible()
    audit(phone)
