"""Self check-ins kept on a phone without signal and sent later: accepted within limits."""

# ruff: noqa: F811 (the tests take the fixture imported from the attendance tests)

from __future__ import annotations

import re
from datetime import UTC

import pytest

from kirab.attendance.checkin import checkin_token
from tests.conftest import CSRF_FIELD
from tests.factories import at
from tests.test_attendance_http import checkin_data, key, records, world  # noqa: F401

SERVED_FIELD = re.compile(r'name="served"[^>]*value="([^"]+)"')


def opened(client, app, path: str, moment: str) -> dict[str, str]:
    """The check-in page as a phone opened it at ``moment``: its CSRF token and served time."""
    app.config["FIXED_NOW"] = at(moment)
    page = client.get(path).get_data(as_text=True)
    csrf = CSRF_FIELD.search(page)
    served = SERVED_FIELD.search(page)
    assert csrf and served, "the check-in page carries a CSRF token and its signed served time"
    return {"csrf_token": csrf.group(1) or csrf.group(2), "served": served.group(1)}


def stated(moment: str) -> str:
    """A moment as a browser states it (``Date.toISOString()``)."""
    return at(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def sync(client, app, path, fields, *, stated_at: str, at_moment: str, **extra):
    """Send a kept check-in at ``at_moment``."""
    app.config["FIXED_NOW"] = at(at_moment)
    data = {**fields, **checkin_data(idempotency_key=key(77)), "stated_at": stated_at, **extra}
    return client.post(path, data=data)


@pytest.fixture
def path(world):
    event, *_rest = world
    return f"/events/{event.id}/check-in/{checkin_token(event)}"


def test_a_check_in_synced_an_hour_later_keeps_both_times(client, app, world, path):
    fields = opened(client, app, path, "2023-11-13 09:30")
    response = sync(client, app, path, fields, stated_at=stated("2023-11-13 10:00"),
                    at_moment="2023-11-13 11:00")  # fmt: skip
    assert response.status_code == 200
    (entry,) = records(world[0])
    assert entry.recorded_at == at("2023-11-13 10:00")
    assert entry.received_at == at("2023-11-13 11:00")
    assert "10.00 WIB" in response.get_data(as_text=True)


def test_a_check_in_synced_after_check_in_closed_but_within_12_hours_counts(
    client, app, world, path
):
    fields = opened(client, app, path, "2023-11-13 12:40")
    response = sync(client, app, path, fields, stated_at=stated("2023-11-13 12:50"),
                    at_moment="2023-11-14 00:50")  # fmt: skip
    assert response.status_code == 200
    (entry,) = records(world[0])
    assert entry.recorded_at == at("2023-11-13 12:50")
    assert entry.received_at == at("2023-11-14 00:50")


def test_a_check_in_synced_more_than_12_hours_after_closing_is_refused(client, app, world, path):
    fields = opened(client, app, path, "2023-11-13 12:40")
    response = sync(client, app, path, fields, stated_at=stated("2023-11-13 12:50"),
                    at_moment="2023-11-14 01:01")  # fmt: skip
    assert response.status_code == 403
    assert "lebih dari 12 jam" in response.get_data(as_text=True)
    assert records() == []


@pytest.mark.parametrize(
    ("stated_at", "served", "status", "message"),
    [
        (stated("2023-11-13 09:20"), None, 400, "sebelum halaman"),  # before the page was served
        (stated("2023-11-13 11:30"), None, 400, "masa depan"),  # after the sync
        ("yesterday", None, 400, "bukan waktu yang valid"),
        ("2023-11-13T10:00:00", None, 400, "bukan waktu yang valid"),  # no zone
        (stated("2023-11-13 10:00"), "forged.token", 400, "tidak valid"),
        (stated("2023-11-13 10:00"), "", 400, "tidak valid"),
    ],
)
def test_a_stated_time_the_server_cannot_trust_is_refused(
    client, app, world, path, stated_at, served, status, message
):
    fields = opened(client, app, path, "2023-11-13 09:30")
    if served is not None:
        fields["served"] = served
    response = sync(client, app, path, fields, stated_at=stated_at, at_moment="2023-11-13 11:00")
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert records() == []


def test_another_events_served_time_is_refused(client, app, world):
    event, other, *_rest = world
    app.config["FIXED_NOW"] = at("2023-11-14 09:30")
    other_page = client.get(f"/events/{other.id}/check-in/{checkin_token(other)}")
    foreign = SERVED_FIELD.search(other_page.get_data(as_text=True)).group(1)
    path = f"/events/{event.id}/check-in/{checkin_token(event)}"
    fields = opened(client, app, path, "2023-11-13 09:30")
    fields["served"] = foreign
    response = sync(client, app, path, fields, stated_at=stated("2023-11-13 10:00"),
                    at_moment="2023-11-13 11:00")  # fmt: skip
    assert response.status_code == 400
    assert records() == []


def test_a_stated_time_outside_the_check_in_window_is_refused(client, app, world, path):
    fields = opened(client, app, path, "2023-11-13 12:50")
    response = sync(client, app, path, fields, stated_at=stated("2023-11-13 13:10"),
                    at_moment="2023-11-13 14:00")  # fmt: skip
    assert response.status_code == 403
    assert "ditutup" in response.get_data(as_text=True)
    assert records() == []


def test_a_check_in_sent_at_once_has_no_received_time(client, app, world, path):
    fields = opened(client, app, path, "2023-11-13 09:30")
    app.config["FIXED_NOW"] = at("2023-11-13 09:31")
    response = client.post(path, data={**fields, **checkin_data(idempotency_key=key(78))})
    assert response.status_code == 200
    (entry,) = records(world[0])
    assert (entry.recorded_at, entry.received_at) == (at("2023-11-13 09:31"), None)
