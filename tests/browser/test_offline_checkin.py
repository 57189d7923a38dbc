"""A self check-in made on a phone without signal, sent later: accepted within limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from kirab.attendance.checkin import checkin_token
from kirab.attendance.models import AttendanceRecord
from kirab.database import db
from kirab.events.models import Event
from tests.browser.audit import audit
from tests.conftest import extra_app, serving
from tests.factories import at

pytestmark = pytest.mark.browser

HANDOVER = "Serah terima bendera dari KPU Kabupaten Karawang"  # 13 Nov 2023, 09.00 WIB


@pytest.fixture
def served(app, migrated, west_java):
    """The app served with a clock the test moves, and the handover's check-in path."""
    event_id = db.session.execute(db.select(Event.id).where(Event.title == HANDOVER)).scalar_one()
    with extra_app(migrated, FIXED_NOW=at("2023-11-13 09:30")) as served_app:
        event = db.session.get(Event, event_id)
        path = f"/events/{event.id}/check-in/{checkin_token(event)}"
        closes = event.ends_at + timedelta(hours=2)
        with serving(served_app) as url:
            yield served_app, url + path, closes


def check_in_offline(phone, url: str, name: str) -> None:
    """Open the check-in page, lose the signal, fill it in and press the button."""
    phone.goto(url)
    audit(phone)
    phone.context.set_offline(True)
    phone.get_by_label("Nama").fill(name)
    phone.get_by_label("Saya telah membaca", exact=False).check()
    phone.get_by_role("button", name="Isi daftar hadir").click()
    expect(phone.locator("#waiting-items li")).to_contain_text("menunggu sinkron")


def records() -> list[AttendanceRecord]:
    """The event's records, as stored."""
    db.session.expire_all()
    return list(db.session.execute(db.select(AttendanceRecord)).scalars())


def test_an_offline_check_in_synced_an_hour_later_keeps_both_times(phone, served):
    served_app, url, _closes = served
    phone.clock.set_fixed_time(at("2023-11-13 10:00"))
    served_app.config["FIXED_NOW"] = at("2023-11-13 09:30")
    check_in_offline(phone, url, "Rina Marlina")
    assert records() == []

    served_app.config["FIXED_NOW"] = at("2023-11-13 11:00")
    phone.context.set_offline(False)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Terima kasih, Rina Marlina")
    (entry,) = records()
    assert (entry.recorded_at, entry.received_at) == (
        at("2023-11-13 10:00"),
        at("2023-11-13 11:00"),
    )


def test_an_offline_check_in_synced_more_than_12_hours_after_closing_is_refused(phone, served):
    served_app, url, closes = served
    phone.clock.set_fixed_time(closes - timedelta(minutes=10))
    served_app.config["FIXED_NOW"] = closes - timedelta(minutes=20)
    check_in_offline(phone, url, "Sari Wulandari")

    served_app.config["FIXED_NOW"] = closes + timedelta(hours=12, minutes=5)
    phone.context.set_offline(False)
    refused = phone.locator("#waiting-items li")
    expect(refused).to_contain_text("tidak tercatat")
    expect(refused).to_contain_text("lebih dari 12 jam setelah check-in ditutup")
    assert records() == []


def test_an_offline_check_in_stating_a_time_before_the_page_was_served_is_refused(phone, served):
    served_app, url, _closes = served
    phone.clock.set_fixed_time(at("2023-11-13 09:00"))
    served_app.config["FIXED_NOW"] = at("2023-11-13 09:30")
    check_in_offline(phone, url, "Tono Wijaya")

    served_app.config["FIXED_NOW"] = at("2023-11-13 10:00")
    phone.context.set_offline(False)
    expect(phone.locator("#waiting-items li")).to_contain_text(
        "sebelum halaman check-in ini dibuka"
    )
    assert records() == []
