"""One new-event form sent at once by several clients to a running server: one event comes out.

As the attendance races (tests/test_attendance_concurrency.py): a threaded
server on the test database, SQLite in WAL mode or PostgreSQL in its pass.
"""

from __future__ import annotations

import pytest

from kirab.database import db
from kirab.events.models import Event
from tests.conftest import TEST_PASSWORD, served_over_http
from tests.factories import at, make_route, make_user
from tests.test_attendance_concurrency import Browser, all_at_once, database_kind

CLIENTS = 4


@pytest.fixture
def served(app, migrated):
    """The app on a free local port."""
    with served_over_http(migrated, FIXED_NOW=at("2023-11-13 09:30")) as url:
        yield url


def test_one_new_event_form_sent_at_once_from_several_tabs_makes_one_event(served, app):
    route = make_route([("32.16", at("2023-11-13 09:00"), at("2023-11-19 09:00"))])
    organizer = make_user("organizer", regions=["32.16"])
    db.session.commit()
    stop_id = route.stops[0].id

    def log_in(browser: Browser):
        token = browser.csrf(f"{served}/login")
        form = {"csrf_token": token, "email": organizer.email, "password": TEST_PASSWORD}
        assert browser.post(f"{served}/login", form)[0] == 302

    url = f"{served}/manage/stops/{stop_id}/events/new"
    form = {"kind": "outreach", "title": "Sosialisasi sekali", "starts_at": "2023-11-16T13:00",
            "ends_at": "2023-11-16T15:00", "venue_name": "", "venue_address": "", "dapil_id": "",
            "latitude": "", "longitude": "", "capacity": "",
            "idempotency_key": "race-" + "r" * 27}  # fmt: skip
    results = all_at_once(url, [form] * CLIENTS, prepare=log_in)
    statuses = [status for status, _text in results]
    assert 500 not in statuses, database_kind()
    assert statuses == [302] * CLIENTS, statuses
    db.session.rollback()
    made = db.session.execute(db.select(Event).where(Event.title == "Sosialisasi sekali")).all()
    assert len(made) == 1
