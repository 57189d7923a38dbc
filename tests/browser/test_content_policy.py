"""The main pages under the strict Content-Security-Policy: Chromium reports no violation."""

import re

import pytest
from playwright.sync_api import expect

from kirab.attendance.checkin import checkin_token
from kirab.attendance.guests import add_expected_guest
from kirab.database import db
from kirab.events.models import Event
from kirab.relay.models import Handover
from tests.browser.audit import audit
from tests.conftest import TEST_PASSWORD
from tests.factories import at, make_user

pytestmark = pytest.mark.browser

HANDOVER = "Serah terima bendera dari KPU Kabupaten Karawang"

# Every violation the page reports, kept where the test can read it.
LISTEN = """
window.kirabViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.kirabViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture
def server_config():
    """The served app's clock: the handover morning in Kabupaten Bekasi, so check-in is open."""
    return {"FIXED_NOW": at("2023-11-13 09:30")}


def watched(page) -> list[str]:
    """Listen on ``page`` for policy violations and the console errors they cause."""
    errors: list[str] = []

    def keep(message) -> None:
        if message.type == "error" and re.search(
            r"Content Security Policy|Refused to", message.text
        ):
            errors.append(message.text)

    page.add_init_script(LISTEN)
    page.on("console", keep)
    return errors


def visit(page, url: str, errors: list[str]) -> None:
    """Open ``url``, let its scripts run, fail on any reported violation, then audit it."""
    page.goto(url)
    page.wait_for_load_state("load")
    violations = page.evaluate("window.kirabViolations")
    assert violations == [] and errors == [], (url, violations, errors)
    audit(page)


def test_the_main_pages_break_no_content_security_policy(page, live_server, west_java):
    admin = make_user("admin", email="admin@kirab.example")
    event = db.session.execute(db.select(Event).where(Event.title == HANDOVER)).scalar_one()
    # A listed official, so the attendance page shows its "Hapus" button too.
    add_expected_guest(event, name="Camat Tambun Selatan", category="government", actor=admin)
    db.session.commit()
    handover = db.session.execute(db.select(Handover).order_by(Handover.id)).scalars().first()
    event_id, stop_id, handover_id = event.id, event.stop_id, handover.id
    route_id = event.stop.route_id
    token = checkin_token(event)
    errors = watched(page)

    public_pages = (
        "/",
        "/agenda?region=32.16",
        "/agenda?view=month&region=32.16",
        "/route",
        f"/events/{event_id}",
        "/reports/attendance/parties",
        "/login",
    )
    for path in public_pages:
        visit(page, live_server + path, errors)
    page.get_by_label("Email").fill("admin@kirab.example")
    page.get_by_label("Kata sandi").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(re.compile(r"/manage$"))
    audit(page)
    for path in (
        "/manage",
        "/manage/relays",
        f"/manage/routes/{route_id}",
        f"/manage/stops/{stop_id}/events",
        f"/manage/stops/{stop_id}/events/new",
        f"/manage/handovers/{handover_id}",
        f"/manage/handovers/{handover_id}/berita-acara",
        f"/events/{event_id}/attendance",
        f"/events/{event_id}/attendance/qr",
        "/reports/attendance",
        "/reports/attendance?by=event",
        "/reports/attendance/parties",
        "/manage/users",
        "/manage/audit",
        f"/events/{event_id}/check-in/{token}",
    ):
        visit(page, live_server + path, errors)
    # The scripts that moved out of the pages still work.
    page.goto(live_server + f"/events/{event_id}/check-in/{token}")
    audit(page)
    key = page.locator("input[data-submission-key]").first
    expect(key).to_have_value(re.compile(r"^[0-9a-f-]{32,36}$"))
    page.goto(live_server + f"/manage/stops/{stop_id}/events/new")
    audit(page)
    expect(page.locator("#venue_name")).to_have_attribute("list", "venues")
    assert page.evaluate("window.kirabViolations") == [] and errors == []
