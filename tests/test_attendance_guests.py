"""Expected guests without HTTP: who is expected at an event, and whether each is recorded."""

from __future__ import annotations

import pytest

from kirab.attendance.guests import (
    ExpectedEntry,
    add_expected_guest,
    expected_guest,
    expected_guests,
    tick_off,
)
from kirab.attendance.services import record_attendance
from kirab.database import db
from kirab.errors import DomainError
from kirab.regions.models import Party
from tests.factories import at, make_event, make_route, make_user


@pytest.fixture
def setting(app):
    """A Bekasi event inviting parties 1 and 2, with representatives near and far."""
    route = make_route([("32.16", at("2023-11-13 09:00"), None)])
    parties = list(db.session.execute(db.select(Party).where(Party.number.in_([1, 2]))).scalars())
    event = make_event(route.stops[0], starts_at=at("2023-11-13 09:00"), invited_parties=parties)
    other = make_event(route.stops[0], starts_at=at("2023-11-14 09:00"))
    organizer = make_user("organizer", regions=["32.16"], name="Panitia")
    people = {
        "rep": make_user("party_rep", party=1, regions=["32.16"], name="Ahmad Wakil"),
        "province_rep": make_user("party_rep", party=2, regions=["32"], name="Bunga"),
        "far_rep": make_user("party_rep", party=2, regions=["35"], name="Jauh"),
        "uninvited_rep": make_user("party_rep", party=3, regions=["32.16"], name="Tak Diundang"),
    }
    app.config["FIXED_NOW"] = at("2023-11-13 09:30")
    db.session.commit()
    return event, other, organizer, people


def key(n: int) -> str:
    """A well-formed idempotency key."""
    return f"key-{n:020d}"


def test_representatives_who_follow_the_region_come_first_then_listed_officials(setting):
    event, _other, organizer, people = setting
    official = add_expected_guest(event, name="Pj Bupati", category="government",
                                  organisation="Pemkab Bekasi", actor=organizer)  # fmt: skip
    entries = expected_guests(event)
    assert all(isinstance(entry, ExpectedEntry) for entry in entries)
    assert [(e.tick_key, e.name, e.category, e.party_number) for e in entries] == [
        (f"u{people['rep'].id}", "Ahmad Wakil", "party_rep", 1),
        (f"u{people['province_rep'].id}", "Bunga", "party_rep", 2),
        (f"g{official.id}", "Pj Bupati", "government", None),
    ]
    rep, province_rep, listed = entries
    assert (rep.user, rep.guest, rep.listed) == (people["rep"], None, False)
    assert rep.party.number == 1 and province_rep.party.number == 2
    assert (listed.user, listed.guest, listed.listed) == (None, official, True)
    assert listed.organisation == "Pemkab Bekasi"
    assert not any(entry.recorded for entry in entries)
    assert all(entry.record is None for entry in entries)


def test_an_event_expecting_nobody_has_no_entries(setting):
    _event, other, _organizer, _people = setting
    assert expected_guests(other) == []


def test_a_guest_counts_as_recorded_however_the_record_was_made(setting):
    event, other, organizer, people = setting
    official = add_expected_guest(event, name="Pj Bupati", category="government",
                                  organisation="Pemkab Bekasi", actor=organizer)  # fmt: skip
    ticked = tick_off(event, f"u{people['rep'].id}", actor=organizer, key=key(1)).record
    # A walk-in record of the official, spelt differently, is the same person.
    walk_in = record_attendance(event, name="PJ  bupati", category="government",
                                organisation="pemkab-bekasi", actor=organizer,
                                key=key(2)).record  # fmt: skip
    # Bunga recorded at another event, or under another party, is not recorded here.
    record_attendance(other, name="Bunga", category="party_rep", party_number=2,
                      actor=organizer, key=key(3))  # fmt: skip
    record_attendance(event, name="Bunga", category="party_rep", party_number=1,
                      actor=organizer, key=key(4))  # fmt: skip
    db.session.commit()
    by_key = {entry.tick_key: entry for entry in expected_guests(event)}
    assert by_key[f"u{people['rep'].id}"].record == ticked
    assert by_key[f"g{official.id}"].record == walk_in
    assert by_key[f"g{official.id}"].recorded
    assert not by_key[f"u{people['province_rep'].id}"].recorded


def test_the_tick_key_names_one_expected_guest_of_this_event(setting):
    event, other, organizer, people = setting
    official = add_expected_guest(event, name="Pj Bupati", category="government",
                                  actor=organizer)  # fmt: skip
    elsewhere = add_expected_guest(other, name="Camat", category="government", actor=organizer)
    assert expected_guest(event, f"u{people['rep'].id}").user == people["rep"]
    assert expected_guest(event, f"g{official.id}").guest == official
    for refused in (f"u{people['far_rep'].id}", f"u{people['uninvited_rep'].id}",
                    f"g{elsewhere.id}", "u999999", "x1", "", "g"):  # fmt: skip
        with pytest.raises(DomainError) as caught:
            expected_guest(event, refused)
        assert caught.value.field == "guest"


def test_representatives_are_matched_by_the_database_as_by_region_scope(app):
    """The SQL match expects exactly the representatives whose regions contain the event's."""
    from kirab.attendance.guests import expected_party_reps, region_and_parents
    from kirab.permissions import region_in_scope
    from kirab.regions.models import Region

    assert region_and_parents(["32.16.01"]) == {"32", "32.16", "32.16.01"}
    route = make_route([("32.16", at("2023-11-13 09:00"), None)])
    party = db.session.get(Party, 1)
    district = db.session.get(Region, "32.16.01")
    event = make_event(route.stops[0], starts_at=at("2023-11-13 09:00"),
                       invited_parties=[party], districts=[district])  # fmt: skip
    scopes = [["32"], ["32.16"], ["32.16.01"], ["32.16.02"], ["32.10"], ["31"], ["35", "32.16.01"],
              ["32.11"], ["35"]]  # fmt: skip
    reps = [make_user("party_rep", party=1, regions=codes, name=f"Wakil {n}")
            for n, codes in enumerate(scopes)]  # fmt: skip
    gone = make_user("party_rep", party=1, regions=["32"], name="Nonaktif")
    gone.active = False
    db.session.commit()
    codes = [event.region.code] + [d.code for d in event.districts]
    by_python = [u for u in reps if any(region_in_scope(c, u.region_codes) for c in codes)]
    assert [u.name for u in expected_party_reps(event)] == [u.name for u in by_python]
    assert [u.name for u in by_python] == ["Wakil 0", "Wakil 1", "Wakil 2", "Wakil 6"]
    assert expected_party_reps(event, user_id=reps[3].id) == []
    assert expected_party_reps(event, user_id=reps[2].id) == [reps[2]]
