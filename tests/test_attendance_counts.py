"""Attendance totals kept on write: every write path keeps them equal to a fresh count."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import IntegrityError

from kirab.attendance import counts, erasure, guests, headcounts, reports, services
from kirab.attendance.checkin import checkin_token, self_check_in
from kirab.attendance.csvio import import_attendance
from kirab.attendance.models import AttendanceRecord
from kirab.database import db
from kirab.events import scheduling
from kirab.events.filters import EventFilter
from kirab.events.labels import kind_label
from kirab.events.models import DRAFT
from tests.conftest import login
from tests.factories import at, make_event, make_route, make_user
from tests.test_attendance_reports import counting_queries

NOW = at("2023-11-13 09:30")


def key(n: int) -> str:
    """A well-formed idempotency key."""
    return f"counts-{n:020d}"


@pytest.fixture
def setting(app):
    """Two Bekasi events on 13 November 2023 and a draft, an organizer, a representative."""
    route = make_route([("32.16", at("2023-11-13 09:00"), None)])
    stop = route.stops[0]
    event = make_event(stop, starts_at=at("2023-11-13 09:00"), hours=2)
    other = make_event(stop, title="Lain", starts_at=at("2023-11-13 09:00"), hours=3)
    draft = make_event(stop, title="Rancangan", starts_at=at("2023-11-14 09:00"), status=DRAFT)
    organizer = make_user("organizer", regions=["32.16"], name="Panitia")
    rep = make_user("party_rep", party=2, regions=["32.16"], name="Wakil Dua")
    event.invited_parties = [rep.party]
    app.config["FIXED_NOW"] = NOW
    db.session.commit()
    return event, other, draft, organizer


def assert_kept():
    """The kept totals equal the totals counted afresh from the records and tallies."""
    db.session.flush()
    assert counts.all_kept() == counts.recount()


def write_through_every_path(event, other, draft, organizer):
    """Records and tallies made, changed and deleted by every service that writes them."""
    record = services.record_attendance
    record(event, name="Ani", category="public", actor=organizer, key=key(1))
    record(event, name="Siti", category="party_rep", party_number=1, actor=organizer, key=key(2))
    record(other, name="Joko", category="kpu", organisation="KPU Bekasi", actor=organizer,
           key=key(3))  # fmt: skip
    assert_kept()
    declared = self_check_in(event, checkin_token(event), NOW, name="Rina", category="public",
                             party_number=3, key=key(4))  # fmt: skip
    self_check_in(other, checkin_token(other), NOW, name="Dedi", category="student",
                  party_number=3, key=key(5))  # fmt: skip
    assert_kept()
    guest = guests.add_expected_guest(event, name="Bu Camat", category="government",
                                      organisation="Kecamatan Tambun", actor=organizer)  # fmt: skip
    guests.tick_off(event, f"g{guest.id}", actor=organizer, key=key(6))
    rep_ref = next(entry.tick_key for entry in guests.expected_guests(event) if entry.user)
    guests.tick_off(event, rep_ref, actor=organizer, key=key(7))
    assert_kept()
    tally = headcounts.record_headcount
    tally(event, counter="Utara", category="public", count=100, actor=organizer, key=key(8))
    tally(event, counter="Selatan", category="public", count=40, actor=organizer, key=key(9))
    # A later tally of the same post replaces the earlier one.
    tally(event, counter="utara", category="public", count=130, actor=organizer, key=key(10))
    tally(other, counter="Utara", category="student", count=7, actor=organizer, key=key(11))
    assert_kept()
    csv = (b"name,category,party_number,party_status,method\n"
           b"Wati,party_rep,2,self_declared,self_checkin\n"
           b"Budi,party_rep,1,confirmed,import\n"
           b"Ani,public,,,\n")  # fmt: skip
    assert import_attendance(event, csv, actor=organizer).added == 2
    assert_kept()
    services.confirm_party(declared.record, actor=organizer)
    assert_kept()
    gone = db.session.execute(
        db.select(AttendanceRecord).where(AttendanceRecord.name.in_(["Siti", "Dedi"]))
    ).scalars()
    assert erasure.delete_records(list(gone), actor=organizer, reason="diminta") == 2
    assert_kept()
    record(draft, name="Tono", category="media", party_number=4, actor=organizer, key=key(12))
    scheduling.delete_event(draft, actor=organizer, now=NOW)
    assert_kept()


def test_every_write_path_keeps_the_totals(setting):
    """Show the invariant: kept totals equal a fresh count after every kind of write."""
    event, other, draft, organizer = setting
    write_through_every_path(event, other, draft, organizer)
    db.session.commit()
    kept = counts.all_kept()
    # Ani, Rina, Bu Camat, Wakil Dua, Wati, Budi; the crowd 130 + 40.
    assert kept.events[event.id] == (6, 170)
    assert kept.events[other.id] == (1, 7)
    assert kept.parties[(event.id, 3)] == (1, 0)  # Rina's party, confirmed since
    assert kept.parties[(event.id, 2)] == (1, 1)  # the representative; Wati self-declared
    assert (other.id, 3) not in kept.parties  # Dedi's record was deleted
    # The deleted draft keeps its records and their totals; the reports leave it out.
    assert kept.events[draft.id] == (1, 0)
    rows = reports.by_kind(EventFilter(), kind_label)
    assert sum(row.named for row in rows) == 7 and sum(row.crowd for row in rows) == 177
    assert services.attendance_totals([event.id, other.id]) == {event.id: 176, other.id: 8}


def test_a_failed_write_moves_no_total(setting):
    """A record the database refuses rolls back; the totals stay as they were."""
    event, _other, _draft, organizer = setting
    services.record_attendance(event, name="Ani", category="public", actor=organizer, key=key(1))
    db.session.commit()
    before = counts.all_kept()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(AttendanceRecord(event_id=event.id, name="Ani", name_key="ani",
                                        category="public", method="organizer"))  # fmt: skip
        db.session.flush()
    db.session.commit()
    assert counts.all_kept() == before == counts.recount()


def test_the_migration_counts_the_rows_already_there(app, setting):
    """0010 fills the totals from existing records and tallies, equal to a fresh count."""
    event, other, draft, organizer = setting
    write_through_every_path(event, other, draft, organizer)
    db.session.commit()
    kept = counts.all_kept()
    db.session.remove()
    directory = app.extensions["migrate"].directory
    try:
        downgrade(directory=directory, revision="0009")
    finally:
        upgrade(directory=directory)
    assert counts.all_kept() == kept == counts.recount()


def add_attended_events(stop, number: int, organizer, first: int) -> None:
    """``number`` published events at ``stop``, each with a person of a party and a tally."""
    for index in range(first, first + number):
        event = make_event(stop, kind="parade", title=f"Pawai {index}",
                           starts_at=at("2023-11-13 09:00"))  # fmt: skip
        services.record_attendance(event, name=f"Orang {index}", category="party_rep",
                                   party_number=1 + index % 3, actor=organizer,
                                   key=key(1000 + index))  # fmt: skip
        headcounts.record_headcount(event, counter="Pos", category="public", count=index,
                                    actor=organizer, key=key(5000 + index))  # fmt: skip
    db.session.commit()


REPORTS = [f"/reports/attendance?by={by}" for by in reports.GROUPINGS] + [
    "/reports/attendance/parties"
]


def test_report_query_counts_do_not_grow_with_events(client, setting):
    """Every report asks the same number of queries for 3 events as for 60."""
    event, _other, _draft, organizer = setting
    stop = event.stop
    observer = make_user("observer")
    db.session.commit()
    login(client, observer)
    add_attended_events(stop, 3, organizer, 0)

    def statements():
        found = {}
        for url in REPORTS:
            client.get(url)  # compiled and cached before counting
            db.session.expunge_all()
            with counting_queries() as seen:
                assert client.get(url).status_code == 200
            found[url] = len(seen)
        return found

    few = statements()
    add_attended_events(db.session.merge(stop), 57, organizer, 3)
    assert statements() == few
    assert counts.all_kept() == counts.recount()
