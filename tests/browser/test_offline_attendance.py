"""Offline-first attendance in Chromium: kept on the phone without signal, recorded once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kirab.attendance.models import AttendanceRecord, HeadcountTally
from kirab.auth.models import LoginSession
from kirab.database import db, utcnow
from kirab.events.models import Event
from tests.browser.audit import audit
from tests.conftest import TEST_PASSWORD
from tests.factories import at, make_user

pytestmark = pytest.mark.browser

HANDOVER = "Serah terima bendera dari KPU Kabupaten Karawang"


@pytest.fixture
def server_config():
    """The handover morning in Kabupaten Bekasi (13 Nov 2023, 09.30 WIB)."""
    return {"FIXED_NOW": at("2023-11-13 09:30")}


@pytest.fixture
def people(west_java):
    """Two organizers of Kabupaten Bekasi and two party representatives expected there."""
    make_user("organizer", email="gate.north@kirab.example", regions=["32.16"], name="Ani Utara")
    make_user("organizer", email="gate.south@kirab.example", regions=["32.16"], name="Budi Selatan")
    make_user("party_rep", party=1, regions=["32.16"], name="Perwakilan Satu")
    make_user("party_rep", party=2, regions=["32.16"], name="Perwakilan Dua")
    db.session.commit()
    event = db.session.execute(db.select(Event).where(Event.title == HANDOVER)).scalar_one()
    return event.id


@pytest.fixture
def other_phone(open_page):
    """A second organizer's phone."""
    return open_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)


def log_in(page, server: str, email: str) -> None:
    """Log in through the form."""
    page.goto(server + "/login")
    audit(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Kata sandi").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(re.compile(r"/manage$"))
    audit(page)


def open_attendance(page, server: str, event_id: int) -> None:
    """Open the attendance page and let the service worker keep it."""
    page.goto(f"{server}/events/{event_id}/attendance")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kehadiran")
    audit(page)


def walk_in(page, name: str) -> None:
    """Add a person with the walk-in form."""
    form = page.locator("form[data-offline-queue=walk-in]")
    form.locator("[name=name]").fill(name)
    form.get_by_role("button", name="Catat").click()


def counts(event_id: int) -> tuple[int, int]:
    """Named records and tallies of the event, as stored."""
    db.session.expire_all()
    named = db.session.scalar(
        db.select(db.func.count()).where(AttendanceRecord.event_id == event_id)
    )
    tallies = db.session.scalar(
        db.select(db.func.count()).where(HeadcountTally.event_id == event_id)
    )
    return named, tallies


def waiting(page):
    """The items the page shows as waiting to sync."""
    return page.locator("#waiting-items li")


def test_a_phone_offline_keeps_ticks_walk_ins_and_a_tally_and_sends_each_once(
    phone, live_server, people
):
    event_id = people
    log_in(phone, live_server, "gate.north@kirab.example")
    open_attendance(phone, live_server, event_id)

    phone.context.set_offline(True)
    phone.get_by_role("button", name="Tandai Perwakilan Satu hadir").click()
    phone.get_by_role("button", name="Tandai Perwakilan Dua hadir").click()
    for name in ("Citra Lestari", "Dedi Kurniawan", "Eka Putri"):
        walk_in(phone, name)
    tally = phone.locator("form[data-offline-queue=tally]")
    tally.locator("[name=counter]").fill("Gerbang utara")
    tally.locator("[name=count]").fill("120")
    tally.get_by_role("button", name="Kirim hitungan").click()
    expect(waiting(phone)).to_have_count(6)
    expect(waiting(phone).first).to_contain_text("menunggu sinkron")
    expect(phone.locator(".site-header [data-waiting-count]")).to_have_text("6 menunggu sinkron")
    assert counts(event_id) == (0, 0)
    # Background Sync is asked for: the worker wakes the page when the connection returns.
    tags = phone.evaluate("navigator.serviceWorker.ready.then((r) => r.sync.getTags())")
    assert "kirab-waiting" in tags

    # Reloaded without signal: the page comes from the service worker, the six still wait.
    phone.reload()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Kehadiran")
    expect(waiting(phone)).to_have_count(6)

    phone.context.set_offline(False)
    expect(phone.get_by_text("Hadir sejak 09.30 WIB")).to_have_count(2)
    expect(waiting(phone)).to_have_count(0)
    expect(phone.locator("#total-named")).to_have_text("5")
    assert counts(event_id) == (5, 1)

    # Offline and online again: nothing more is sent.
    phone.context.set_offline(True)
    phone.context.set_offline(False)
    phone.reload()
    expect(phone.locator("#total-named")).to_have_text("5")
    assert counts(event_id) == (5, 1)


def test_two_phones_record_one_walk_in_and_the_offline_one_is_told_who(
    phone, other_phone, live_server, people
):
    event_id = people
    log_in(phone, live_server, "gate.north@kirab.example")
    open_attendance(phone, live_server, event_id)
    log_in(other_phone, live_server, "gate.south@kirab.example")
    open_attendance(other_phone, live_server, event_id)

    phone.context.set_offline(True)
    walk_in(phone, "Fajar Nugroho")
    expect(waiting(phone)).to_have_count(1)
    walk_in(other_phone, "Fajar Nugroho")
    expect(other_phone.locator("#total-named")).to_have_text("1")
    audit(other_phone)

    phone.context.set_offline(False)
    refused = waiting(phone).first
    expect(refused).to_contain_text("tidak tercatat")
    expect(refused).to_contain_text("sudah tercatat untuk kegiatan ini pada")
    expect(refused).to_contain_text("09.30 WIB oleh Budi Selatan")
    assert counts(event_id) == (1, 0)


def test_items_wait_for_a_new_login_and_logging_out_warns_and_clears_them(
    phone, live_server, people
):
    event_id = people
    log_in(phone, live_server, "gate.north@kirab.example")
    open_attendance(phone, live_server, event_id)
    phone.context.set_offline(True)
    walk_in(phone, "Gita Permata")
    expect(waiting(phone)).to_have_count(1)

    # The session ends while the phone is offline.
    db.session.execute(db.update(LoginSession).values(ended_at=utcnow()))
    db.session.commit()
    phone.context.set_offline(False)
    expect(phone.locator("#waiting-login")).to_be_visible()
    expect(waiting(phone)).to_have_count(1)
    assert counts(event_id) == (0, 0)

    log_in(phone, live_server, "gate.north@kirab.example")
    phone.goto(f"{live_server}/events/{event_id}/attendance")
    expect(phone.locator("#total-named")).to_have_text("1")
    assert counts(event_id) == (1, 0)

    # Another item that cannot be sent (the server is out of reach), then logging out.
    phone.context.set_offline(True)
    walk_in(phone, "Hadi Saputra")
    expect(waiting(phone)).to_have_count(1)
    phone.route("**/attendance/people", lambda route: route.abort())
    phone.context.set_offline(False)
    questions = []
    phone.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    phone.get_by_role("button", name="Keluar").click()
    expect(phone.get_by_role("link", name="Masuk")).to_be_visible()
    audit(phone)
    assert questions and "1 data di ponsel ini belum terkirim" in questions[0]
    left = phone.evaluate("window.KirabQueue.all().then((items) => items.length)")
    assert left == 0
    assert counts(event_id) == (1, 0)


def test_the_attendance_pages_first_load_is_light(browser, live_server, people):
    event_id = people
    # A first visit: nothing cached, no service worker answering for the network.
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, service_workers="block"
    )
    try:
        page = context.new_page()
        log_in(page, live_server, "gate.north@kirab.example")
        # Nothing from the login page's visit either: every file comes over the wire.
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        transfers = []

        def finished(request):
            sizes = request.sizes()
            transfers.append(
                (request.url, sizes["responseHeadersSize"] + sizes["responseBodySize"])
            )

        page.on("requestfinished", finished)
        page.goto(f"{live_server}/events/{event_id}/attendance")
        page.wait_for_load_state("networkidle")
        page.remove_listener("requestfinished", finished)
    finally:
        context.close()
    total = sum(size for _url, size in transfers)
    print(f"\nattendance page, first load: {total / 1024:.1f} KB over the wire in {len(transfers)} "
          f"requests: " + ", ".join(f"{url.rsplit('/', 1)[-1]} {size / 1024:.1f} KB"
                                    for url, size in transfers))  # fmt: skip
    assert any("/attendance" in url for url, _size in transfers)
    assert total < 150 * 1024


def test_another_person_logging_in_is_warned_and_the_previous_items_go(phone, live_server, people):
    event_id = people
    log_in(phone, live_server, "gate.north@kirab.example")
    open_attendance(phone, live_server, event_id)
    phone.context.set_offline(True)
    walk_in(phone, "Indra Lesmana")
    expect(waiting(phone)).to_have_count(1)
    db.session.execute(db.update(LoginSession).values(ended_at=utcnow()))
    db.session.commit()
    phone.context.set_offline(False)
    expect(phone.locator("#waiting-login")).to_be_visible()

    # The login page warns that this phone holds items not sent yet.
    phone.goto(live_server + "/login")
    warning = phone.locator(".site-header [data-waiting-count]")
    expect(warning).to_contain_text("1 data belum terkirim")
    expect(warning).to_contain_text("masuk sebagai orang lain akan menghapusnya")
    log_in(phone, live_server, "gate.south@kirab.example")
    phone.wait_for_function("async () => (await window.KirabQueue.all()).length === 0")
    phone.goto(f"{live_server}/events/{event_id}/attendance")
    audit(phone)
    expect(waiting(phone)).to_have_count(0)
    assert counts(event_id) == (0, 0)
