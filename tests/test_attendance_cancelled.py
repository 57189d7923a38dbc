"""A cancelled event takes no new attendance; what was recorded before stays to read and erase."""

from __future__ import annotations

import pytest

from kirab.attendance import headcounts
from kirab.attendance.csvio import import_attendance
from kirab.attendance.guests import add_expected_guest
from kirab.attendance.models import ExpectedGuest, HeadcountTally
from kirab.database import db
from kirab.errors import DomainError
from kirab.events.models import CANCELLED
from tests.test_attendance_http import key, organizer_client, person, post, records, world

__all__ = ["organizer_client", "world"]  # fixtures, used by name

NOTICE = "Kegiatan ini dibatalkan: kehadiran tidak dapat dicatat lagi."
RECORDING_ACTIONS = ("/attendance/people", "/attendance/tick", "/attendance/headcount",
                     "/attendance/guests", "/attendance/import", "/attendance/qr")  # fmt: skip


def cancel(event) -> None:
    """Cancel the event, with a reason."""
    event.status = CANCELLED
    event.cancel_reason = "Hujan deras"
    db.session.commit()


def test_the_page_of_a_cancelled_event_says_so_and_offers_no_recording(organizer_client, world):
    event, *_rest = world
    page = f"/events/{event.id}/attendance"
    post(organizer_client, f"/events/{event.id}/attendance/people", person(), page)
    [entry] = records(event)
    before = organizer_client.get(page).get_data(as_text=True)
    assert NOTICE not in before
    assert all(f"/events/{event.id}{action}" in before for action in RECORDING_ACTIONS)
    cancel(event)
    after = organizer_client.get(page).get_data(as_text=True)
    assert NOTICE in after and "Alasan pembatalan: Hujan deras" in after
    assert not [action for action in RECORDING_ACTIONS if f"/events/{event.id}{action}" in after]
    # What was recorded before stays: read, exported, erasable.
    assert "Budi Santoso" in after
    assert f"/events/{event.id}/attendance.csv" in after
    assert f"/events/{event.id}/attendance/records/{entry.id}/delete" in after
    export = organizer_client.get(f"/events/{event.id}/attendance.csv")
    assert export.status_code == 200 and "Budi Santoso" in export.get_data(as_text=True)


def test_recording_at_a_cancelled_event_is_refused_and_records_nothing(organizer_client, world):
    event, *_rest, people = world
    page = f"/events/{event.id}/attendance"
    first = post(organizer_client, f"/events/{event.id}/attendance/people", person(), page)
    cancel(event)
    attempts = {
        "people": person(name="Siti Aminah", idempotency_key=key(2)),
        "tick": {"guest": f"u{people['rep'].id}", "idempotency_key": key(3)},
        "headcount": {"counter": "Utara", "category": "public", "count": "50",
                      "idempotency_key": key(4)},
        "guests": {"name": "Pj Bupati", "category": "government", "party": "",
                   "organisation": "Pemkab"},
    }  # fmt: skip
    for path, data in attempts.items():
        response = post(organizer_client, f"/events/{event.id}/attendance/{path}", data, page)
        assert response.status_code == 422, path
        assert NOTICE in response.get_data(as_text=True), path
    assert [entry.name for entry in records(event)] == ["Budi Santoso"]
    assert db.session.execute(db.select(db.func.count(HeadcountTally.id))).scalar_one() == 0
    assert db.session.execute(db.select(db.func.count(ExpectedGuest.id))).scalar_one() == 0
    # A phone sending again what it recorded before the cancellation is answered as before.
    again = post(organizer_client, f"/events/{event.id}/attendance/people", person(), page)
    assert (again.status_code, again.location) == (first.status_code, first.location)
    assert len(records(event)) == 1


def test_the_recording_services_refuse_a_cancelled_event(app, world):
    event, *_rest, people = world
    organizer = people["organizer"]
    cancel(event)
    attempts = [
        lambda: headcounts.record_headcount(event, counter="Utara", category="public", count=5,
                                            actor=organizer, key=key(7)),
        lambda: import_attendance(event, b"name,category\nAni,public\n", actor=organizer),
        lambda: add_expected_guest(event, name="Pj Bupati", category="government",
                                   actor=organizer),
    ]  # fmt: skip
    for attempt in attempts:
        with pytest.raises(DomainError, match=NOTICE):
            attempt()
    db.session.rollback()
    assert records(event) == []
