"""Attendance rules without HTTP: duplicates, retries, headcounts, self check-in codes."""

from __future__ import annotations

import pytest
from itsdangerous import URLSafeSerializer

from kirab.attendance import checkin, headcounts, identity, services
from kirab.attendance.checkin import (
    CheckinRefused,
    checkin_token,
    self_check_in,
    verify_checkin_token,
)
from kirab.attendance.headcounts import headcount_totals, record_headcount
from kirab.attendance.identity import affiliation_key, person_key
from kirab.attendance.models import BY_SELF, AttendanceRecord, HeadcountTally
from kirab.attendance.services import DuplicateAttendance, attendance_totals, record_attendance
from kirab.audit.models import AuditEntry
from kirab.database import db
from kirab.errors import DomainError
from tests.factories import at, make_event, make_route, make_user


@pytest.fixture
def setting(app):
    """A Bekasi event on 13 November 2023 (09.00-11.00 WIB) and its organizer."""
    route = make_route([("32.16", at("2023-11-13 09:00"), None)])
    event = make_event(route.stops[0], starts_at=at("2023-11-13 09:00"), hours=2)
    other = make_event(route.stops[0], title="Lain", starts_at=at("2023-11-14 09:00"))
    organizer = make_user("organizer", regions=["32.16"], name="Panitia")
    app.config["FIXED_NOW"] = at("2023-11-13 09:30")
    db.session.commit()
    return event, other, organizer


def count(model=AttendanceRecord) -> int:
    """Rows of a table."""
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def key(n: int) -> str:
    """A well-formed idempotency key."""
    return f"key-{n:020d}"


@pytest.mark.parametrize(
    "variant",
    ["Budi Santoso", "budi santoso", "BUDI  SANTOSO", " Budi-Santoso. ", "Budi\tSantoso",
     "BudiSantoso",
     "Búdi Santoso"],
)  # fmt: skip
def test_name_variants_share_one_key(variant):
    assert person_key(variant) == person_key("Budi Santoso") == "budisantoso"


def test_a_person_is_recorded_once_whatever_the_spelling(setting):
    event, _other, organizer = setting
    first = record_attendance(event, name="Budi Santoso", category="public", actor=organizer,
                              key=key(1), organisation="Karang Taruna")  # fmt: skip
    db.session.commit()
    for n, variant in enumerate(["budi santoso", "BUDI  SANTOSO.", "Budi-Santoso"], start=2):
        with pytest.raises(DuplicateAttendance) as caught:
            record_attendance(event, name=variant, category="public", actor=organizer,
                              key=key(n), organisation="karang-taruna")  # fmt: skip
        assert caught.value.existing.id == first.record.id
        assert caught.value.field == "name"
        # The message says when the first was recorded (09.30 WIB, the pinned now).
        assert "09.30 WIB" in caught.value.message or "09:30 WIB" in caught.value.message
    assert count() == 1


def test_namesakes_of_different_parties_or_organisations_are_two_people(setting):
    event, _other, organizer = setting
    record_attendance(event, name="Siti", category="party_rep", party_number=1,
                      actor=organizer, key=key(1))  # fmt: skip
    record_attendance(event, name="Siti", category="party_rep", party_number=2,
                      actor=organizer, key=key(2))  # fmt: skip
    record_attendance(event, name="Siti", category="student", organisation="UPB",
                      actor=organizer, key=key(3))  # fmt: skip
    assert count() == 3
    assert affiliation_key(1, "whatever") == "p1"
    assert affiliation_key(None, "U.P.B.") == "oupb"


def test_the_same_person_at_another_event_is_a_new_record(setting):
    event, other, organizer = setting
    record_attendance(event, name="Ani", category="public", actor=organizer, key=key(1))
    record_attendance(other, name="Ani", category="public", actor=organizer, key=key(2))
    assert count() == 2


def test_a_retry_with_the_same_key_records_once_and_answers_the_same(setting):
    event, _other, organizer = setting
    first = record_attendance(event, name="Ani", category="public", actor=organizer, key=key(1))
    db.session.commit()
    again = record_attendance(event, name="Ani", category="public", actor=organizer, key=key(1))
    assert first.created and not again.created
    assert again.record.id == first.record.id
    assert count() == 1
    logged = db.select(db.func.count()).where(AuditEntry.action == "attendance.record")
    assert db.session.execute(logged).scalar_one() == 1


def test_a_key_of_another_event_is_refused(setting):
    event, other, organizer = setting
    record_attendance(event, name="Ani", category="public", actor=organizer, key=key(1))
    with pytest.raises(DomainError):
        record_attendance(other, name="Ani", category="public", actor=organizer, key=key(1))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   ...  "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": "<script>alert(1)</script>"}, "name"),
        ({"name": "Ani\x00"}, "name"),
        ({"category": "alien"}, "category"),
        ({"category": "party_rep"}, "party"),
        ({"category": "party_rep", "party_number": 99}, "party"),
        ({"organisation": "o" * 161}, "organisation"),
        ({"contact": "<b>0812</b>"}, "contact"),
    ],
)  # fmt: skip
def test_bad_values_are_refused_with_the_field(setting, fields, field):
    event, _other, organizer = setting
    values = {"name": "Ani", "category": "public", **fields}
    with pytest.raises(DomainError) as caught:
        record_attendance(event, actor=organizer, key=key(1), **values)
    assert caught.value.field == field
    assert caught.value.message
    assert count() == 0


def test_malformed_idempotency_keys_are_refused_and_missing_ones_are_made():
    with pytest.raises(DomainError):
        identity.idempotency_key("<bad key>")
    made = identity.idempotency_key("")
    assert identity.IDEMPOTENCY_KEY.match(made)


def test_headcounts_merge_across_counters(setting, app):
    event, other, organizer = setting
    tally = 0

    def add(counter, category, number, target=event):
        nonlocal tally
        tally += 1
        return record_headcount(target, counter=counter, category=category, count=number,
                                actor=organizer, key=key(tally))  # fmt: skip

    add("Gerbang utara", "public", 120)
    add("Gerbang selatan", "public", 80)
    add("Gerbang utara", "student", 30)
    # Half an hour later the north gate counts again: its newer tally replaces the older one.
    app.config["FIXED_NOW"] = at("2023-11-13 10:00")
    add("gerbang  UTARA", "public", 150)
    add("Gerbang selatan", "public", 80, target=other)
    assert headcount_totals([event.id]) == {event.id: 150 + 80 + 30}
    assert headcount_totals() == {event.id: 260, other.id: 80}
    latest = {(t.counter_key, t.category): t.count for t in headcounts.latest_tallies_of(event)}
    assert latest == {
        ("gerbangutara", "public"): 150,
        ("gerbangselatan", "public"): 80,
        ("gerbangutara", "student"): 30,
    }
    # Every tally is kept.
    assert count(HeadcountTally) == 5


def test_a_headcount_retry_records_once(setting):
    event, _other, organizer = setting
    for _attempt in range(3):
        record_headcount(event, counter="A", category="public", count=10, actor=organizer,
                         key=key(7))  # fmt: skip
    assert count(HeadcountTally) == 1


@pytest.mark.parametrize("number", [None, -1, 1_000_001])
def test_bad_headcounts_are_refused(setting, number):
    event, _other, organizer = setting
    with pytest.raises(DomainError) as caught:
        record_headcount(event, counter="A", category="public", count=number, actor=organizer,
                         key=key(1))  # fmt: skip
    assert caught.value.field == "count"


def test_attendance_totals_add_named_people_and_crowds(setting):
    event, other, organizer = setting
    record_attendance(event, name="Ani", category="public", actor=organizer, key=key(1))
    record_attendance(event, name="Budi", category="public", actor=organizer, key=key(2))
    record_headcount(event, counter="A", category="public", count=40, actor=organizer, key=key(3))
    assert attendance_totals([event.id, other.id]) == {event.id: 42, other.id: 0}


# --- self check-in codes -----------------------------------------------------


def test_self_check_in_marks_the_party_self_declared(setting):
    event, _other, organizer = setting
    outcome = self_check_in(event, checkin_token(event), at("2023-11-13 09:40"), name="Rina",
                            category="party_rep", party_number=3, key=key(1))  # fmt: skip
    entry = outcome.record
    assert (entry.method, entry.recorded_by, entry.party_self_declared) == (BY_SELF, None, True)
    assert entry.recorded_at == at("2023-11-13 09:40")
    services.confirm_party(entry, actor=organizer)
    assert entry.party_self_declared is False


def test_a_forged_code_is_refused(setting):
    event, _other, _organizer = setting
    forged = URLSafeSerializer("another-secret", salt=checkin.CHECKIN_SALT).dumps(
        {"event": event.id}
    )
    for token in (forged, "garbage", checkin_token(event)[:-2] + "xx"):
        with pytest.raises(CheckinRefused) as caught:
            verify_checkin_token(event, token, at("2023-11-13 09:30"))
        assert caught.value.status == 400
        assert "tidak valid" in caught.value.message  # Indonesian, the default language


def test_a_code_signed_for_another_purpose_is_refused(setting, app):
    event, _other, _organizer = setting
    other_purpose = URLSafeSerializer(app.config["SECRET_KEY"], salt="another.purpose").dumps(
        {"event": event.id}
    )
    with pytest.raises(CheckinRefused):
        verify_checkin_token(event, other_purpose, at("2023-11-13 09:30"))


def test_the_code_of_another_event_is_refused(setting):
    event, other, _organizer = setting
    with pytest.raises(CheckinRefused) as caught:
        verify_checkin_token(event, checkin_token(other), at("2023-11-13 09:30"))
    assert caught.value.status == 400
    assert "kegiatan lain" in caught.value.message


@pytest.mark.parametrize(
    ("moment", "accepted"),
    [
        ("2023-11-13 06:59", False),  # more than two hours before the start
        ("2023-11-13 07:00", True),
        ("2023-11-13 13:00", True),   # two hours after the end
        ("2023-11-13 13:01", False),
        ("2023-11-20 09:00", False),
    ],
)  # fmt: skip
def test_the_code_works_only_around_the_event(setting, moment, accepted):
    event, _other, _organizer = setting
    token = checkin_token(event)
    if accepted:
        verify_checkin_token(event, token, at(moment))
        return
    with pytest.raises(CheckinRefused) as caught:
        verify_checkin_token(event, token, at(moment))
    assert caught.value.status == 403
    assert "Daftar hadir" in caught.value.message


def test_an_expired_code_records_nothing(setting):
    event, _other, _organizer = setting
    with pytest.raises(CheckinRefused):
        self_check_in(event, checkin_token(event), at("2023-11-14 09:00"), name="Rina",
                      category="public", key=key(1))  # fmt: skip
    assert count() == 0


def test_a_cancelled_event_takes_no_check_in(setting):
    event, _other, _organizer = setting
    event.status = "cancelled"
    with pytest.raises(CheckinRefused) as caught:
        verify_checkin_token(event, checkin_token(event), at("2023-11-13 09:30"))
    assert caught.value.status == 403
