"""Public pages read without signal; pages for a logged-in person are not kept."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kirab.database import db
from kirab.events.models import Event
from tests.browser.audit import audit
from tests.conftest import TEST_PASSWORD
from tests.factories import make_user

pytestmark = pytest.mark.browser


def controlled(page) -> None:
    """Wait for the service worker, then reload so that it serves this page."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller !== null")


def test_a_public_event_page_reads_offline_with_its_last_update(page, live_server, west_java):
    event = db.session.execute(db.select(Event).order_by(Event.id).limit(1)).scalar_one()
    path, title = f"/events/{event.id}", event.title
    page.goto(live_server + path)
    audit(page)
    note = page.locator("[data-offline-note]")
    expect(note).to_be_hidden()
    controlled(page)

    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(note).to_be_visible()
    expect(note).to_contain_text("Terakhir diperbarui")
    expect(note).to_contain_text("WIB")

    page.context.set_offline(False)
    page.reload()
    expect(note).to_be_hidden()


def test_a_page_for_a_logged_in_person_is_not_kept(page, live_server, west_java):
    make_user("organizer", email="organizer.kabbekasi@kirab.example", regions=["32.16"])
    db.session.commit()
    page.goto(live_server + "/login")
    audit(page)
    page.get_by_label("Email").fill("organizer.kabbekasi@kirab.example")
    page.get_by_label("Kata sandi").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dasbor panitia")
    audit(page)
    controlled(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dasbor panitia")

    page.context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anda sedang luring")
    expect(page.get_by_text("KPU Kabupaten Bekasi")).to_have_count(0)
    expect(page.get_by_text("organizer.kabbekasi@kirab.example")).to_have_count(0)
