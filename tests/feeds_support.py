"""Helpers shared by the feed tests: a relay across three zones, reading feeds as a client."""

from __future__ import annotations

from datetime import datetime, timedelta

from kirab.database import db
from kirab.events.models import PUBLISHED, Event
from kirab.relay.models import Route, Stop
from tests.factories import at, make_route
from tests.ics_checks import Checked, check_calendar

# Before the three-zone route's first stop: nothing has ended yet, and no window applies.
NOW = at("2023-11-10 12:00")
BASE_URL = "https://kirab.test.example"
CALENDAR_TYPE = "text/calendar; charset=utf-8"


def pin(app, moment: datetime) -> None:
    """Make ``moment`` the app's "now" (the feed's day, the window, cancellations)."""
    app.config["FIXED_NOW"] = moment


def three_zone_route() -> Route:
    """Kabupaten Bekasi (WIB), Kota Makassar (WITA), Kota Jayapura (WIT)."""
    wita, wit = "Asia/Makassar", "Asia/Jayapura"
    return make_route(
        [
            ("32.16", at("2023-11-13 09:00"), at("2023-11-19 09:00")),
            ("73.71", at("2023-11-20 09:00", wita), at("2023-11-26 09:00", wita)),
            ("91.71", at("2023-11-27 09:00", wit), None),
        ],
        name="Jalur Nusantara",
    )


def many_events(stop: Stop, count: int, first: datetime, every: timedelta, **fields) -> None:
    """``count`` published two-hour events of ``stop``, one every ``every`` from ``first``."""
    db.session.add_all(
        Event(
            stop=stop,
            kind=fields.get("kind", "outreach"),
            title=f"Sosialisasi {n + 1}",
            starts_at=first + n * every,
            ends_at=first + n * every + timedelta(hours=2),
            status=PUBLISHED,
        )
        for n in range(count)
    )
    db.session.flush()


def fetch(client, path: str, **headers) -> tuple:
    """GET a feed as a calendar app would; a 200 body is checked by every parser."""
    response = client.get(path, headers=headers)
    checked: Checked | None = None
    if response.status_code == 200:
        assert response.headers["Content-Type"] == CALENDAR_TYPE
        checked = check_calendar(response.data)
    return response, checked
