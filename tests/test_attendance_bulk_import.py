"""Imports insert in bulk, all or nothing, with the same rules per row (Show 6 in part)."""

from __future__ import annotations

import time

import pytest

from kirab.attendance.models import AttendanceRecord
from kirab.audit.models import AuditEntry
from kirab.database import db
from tests.conftest import login
from tests.factories import at, make_event, make_route, make_user
from tests.test_attendance_csv import upload

ROWS = 5000


@pytest.fixture
def event(app):
    """An event in Kabupaten Bekasi and its organizer, logged in."""
    route = make_route([("32.16", at("2023-11-13 09:00"), None)])
    found = make_event(route.stops[0], starts_at=at("2023-11-13 09:00"))
    organizer = make_user("organizer", regions=["32.16"], email="panitia@kirab.example")
    db.session.commit()
    app.config["FIXED_NOW"] = at("2023-11-13 10:00")
    return found, organizer


def big_list(rows: int = ROWS) -> str:
    """A list of ``rows`` people of every category, some with a party or organisation."""
    lines = ["name,category,party_number,organisation,recorded_at_utc"]
    for n in range(rows):
        if n % 3 == 0:
            lines.append(f"Wakil Partai {n},party_rep,{n % 17 + 1},,2023-11-13T02:{n % 60:02d}:00Z")
        else:
            lines.append(f"Warga {n},public,,Karang Taruna {n % 7},")
    return "\r\n".join(lines) + "\r\n"


def count(event_id: int) -> int:
    """How many records the event has."""
    return db.session.execute(
        db.select(db.func.count()).where(AttendanceRecord.event_id == event_id)
    ).scalar()


def test_a_5000_row_import_completes_in_bulk_and_again_adds_nobody(client, event, capsys):
    found, organizer = event
    login(client, organizer)
    text = big_list()
    started = time.perf_counter()
    response = upload(client, found.id, text)
    took = time.perf_counter() - started
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    assert count(found.id) == ROWS
    with capsys.disabled():
        print(f"\n{ROWS} rows imported in {took:.2f} s: {ROWS / took:.0f} rows/s")
    party_rep = db.session.execute(
        db.select(AttendanceRecord).where(AttendanceRecord.name == "Wakil Partai 3")
    ).scalar_one()
    assert (party_rep.party_number, party_rep.method, party_rep.recorded_by_id) == (
        4, "import", organizer.id,
    )  # fmt: skip
    assert party_rep.recorded_at == at("2023-11-13 09:03")
    audit = db.session.execute(
        db.select(AuditEntry).where(AuditEntry.action == "attendance.import")
    ).scalar_one()
    assert (audit.details["added"], audit.details["skipped"]) == (ROWS, 0)

    again = upload(client, found.id, text)
    assert again.status_code == 200
    assert count(found.id) == ROWS


def test_one_bad_row_among_5000_imports_nothing(client, event):
    found, organizer = event
    login(client, organizer)
    text = big_list() + "Tanpa Kategori,,,,\r\n"
    response = upload(client, found.id, text)
    assert response.status_code == 422
    assert str(ROWS + 2) in response.get_data(as_text=True)  # the bad row's line
    assert count(found.id) == 0


def test_people_twice_in_the_file_or_already_recorded_are_skipped(client, event):
    found, organizer = event
    login(client, organizer)
    assert upload(client, found.id, big_list(10)).status_code == 200
    text = big_list(20) + "warga  1,public,,karang taruna 1,\r\n"
    response = upload(client, found.id, text)
    assert response.status_code == 200
    assert count(found.id) == 20
    page = response.get_data(as_text=True)
    assert "11 rows skipped" in page or "11 baris dilewati" in page
