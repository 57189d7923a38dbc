"""The attendance pages over HTTP: recording, ticking off, headcounts, self check-in, erasure."""

from __future__ import annotations

import re

import pytest

from kirab.attendance.checkin import checkin_token
from kirab.attendance.models import AttendanceRecord, ExpectedGuest, HeadcountTally
from kirab.audit.models import AuditEntry
from kirab.database import db
from kirab.regions.models import Party
from tests.conftest import CSRF_FIELD, csrf_token, login
from tests.factories import at, make_event, make_route, make_user


@pytest.fixture
def world(app):
    """A Bekasi event (13 Nov 2023, 09.00-11.00 WIB) inviting parties 1 and 2, and its people."""
    route = make_route([("32.16", at("2023-11-13 09:00"), None)])
    parties = list(db.session.execute(db.select(Party).where(Party.number.in_([1, 2]))).scalars())
    event = make_event(route.stops[0], title="Serah terima", starts_at=at("2023-11-13 09:00"),
                       invited_parties=parties)  # fmt: skip
    other = make_event(route.stops[0], title="Pawai", starts_at=at("2023-11-14 09:00"))
    draft = make_event(route.stops[0], title="Draf", status="draft")
    people = {
        "organizer": make_user("organizer", regions=["32.16"], name="Panitia Bekasi"),
        "outsider": make_user("organizer", regions=["35"]),
        "observer": make_user("observer"),
        "rep": make_user("party_rep", party=1, regions=["32.16"], name="Ahmad Wakil"),
        "far_rep": make_user("party_rep", party=2, regions=["35"], name="Jauh"),
        "uninvited_rep": make_user("party_rep", party=3, regions=["32"], name="Tak Diundang"),
    }
    app.config["FIXED_NOW"] = at("2023-11-13 09:30")
    db.session.commit()
    return event, other, draft, people


def without_csrf(response) -> str:
    """A page's text with its CSRF tokens blanked: a new token may be issued between two pages."""
    return CSRF_FIELD.sub('name="csrf_token" value=""', response.get_data(as_text=True))


def records(event=None) -> list[AttendanceRecord]:
    """Attendance records, of one event or all."""
    query = db.select(AttendanceRecord).order_by(AttendanceRecord.id)
    if event is not None:
        query = query.where(AttendanceRecord.event_id == event.id)
    db.session.expire_all()
    return list(db.session.execute(query).scalars())


def key(n: int) -> str:
    """A well-formed submission key."""
    return f"browser-key-{n:012d}"


def post(client, path, data, page):
    """POST a form with a CSRF token read from ``page``."""
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data})


def person(**fields) -> dict:
    """Walk-in form data."""
    return {"name": "Budi Santoso", "category": "public", "party": "", "organisation": "",
            "contact": "", "idempotency_key": key(1), **fields}  # fmt: skip


@pytest.fixture
def organizer_client(client, world):
    """A client logged in as the organizer of the event's region."""
    login(client, world[3]["organizer"])
    return client


def test_the_page_lists_the_party_representatives_who_follow_the_region(organizer_client, world):
    event, *_rest = world
    page = organizer_client.get(f"/events/{event.id}/attendance").get_data(as_text=True)
    assert "Ahmad Wakil" in page
    assert "Jauh" not in page  # follows another region
    assert "Tak Diundang" not in page  # party not invited


def test_an_organizer_records_a_walk_in_once(organizer_client, world):
    event, *_rest, people = world
    path, page = f"/events/{event.id}/attendance/people", f"/events/{event.id}/attendance"
    response = post(organizer_client, path, person(contact="+62812"), page)
    assert response.status_code == 302
    [entry] = records(event)
    assert (entry.name, entry.method, entry.recorded_by_id) == (
        "Budi Santoso",
        "organizer",
        people["organizer"].id,
    )
    assert entry.recorded_at == at("2023-11-13 09:30")
    # A retry of the same submission (same key) is answered the same way and records nothing.
    again = post(organizer_client, path, person(contact="+62812"), page)
    assert (again.status_code, again.location) == (response.status_code, response.location)
    assert len(records(event)) == 1
    # Someone else typing the same person differently is told when the first was recorded.
    second = post(organizer_client, path, person(name="BUDI santoso.", idempotency_key=key(2)),
                  page)  # fmt: skip
    assert second.status_code == 422
    text = second.get_data(as_text=True)
    assert "Budi Santoso" in text and "09.30 WIB" in text
    assert len(records(event)) == 1


def test_ticking_off_a_party_representative(organizer_client, world):
    event, *_rest, people = world
    rep = people["rep"]
    page = f"/events/{event.id}/attendance"
    response = post(organizer_client, f"/events/{event.id}/attendance/tick",
                    {"guest": f"u{rep.id}", "idempotency_key": key(5)}, page)  # fmt: skip
    assert response.status_code == 302
    [entry] = records(event)
    assert (entry.name, entry.party_number, entry.party_self_declared, entry.category) == (
        "Ahmad Wakil",
        1,
        False,
        "party_rep",
    )
    shown = organizer_client.get(page).get_data(as_text=True)
    assert "09.30 WIB" in shown


def test_listed_officials_are_ticked_off_too(organizer_client, world):
    event, *_rest = world
    page = f"/events/{event.id}/attendance"
    response = post(organizer_client, f"/events/{event.id}/attendance/guests",
                    {"name": "Pj Bupati Bekasi", "category": "government", "party": "",
                     "organisation": "Pemkab Bekasi"}, page)  # fmt: skip
    assert response.status_code == 302
    guest = db.session.execute(db.select(ExpectedGuest)).scalar_one()
    post(organizer_client, f"/events/{event.id}/attendance/tick",
         {"guest": f"g{guest.id}", "idempotency_key": key(6)}, page)  # fmt: skip
    [entry] = records(event)
    assert (entry.name, entry.organisation, entry.category) == (
        "Pj Bupati Bekasi",
        "Pemkab Bekasi",
        "government",
    )


@pytest.mark.parametrize(
    "guest", ["u{far_rep}", "u{uninvited_rep}", "u999999", "g999999", "x1", "", "u" + "9" * 30,
              "<script>"],
)  # fmt: skip
def test_ticking_off_someone_not_expected_changes_nothing(organizer_client, world, guest):
    event, *_rest, people = world
    ref = guest.format(far_rep=people["far_rep"].id, uninvited_rep=people["uninvited_rep"].id)
    response = post(
        organizer_client,
        f"/events/{event.id}/attendance/tick",
        {"guest": ref, "idempotency_key": key(1)},
        f"/events/{event.id}/attendance",
    )
    assert response.status_code == 422
    assert "not on the list" in response.get_data(as_text=True) or "tidak ada" in (
        response.get_data(as_text=True)
    )
    assert records() == []


def test_a_guest_of_another_event_cannot_be_ticked_off_here(organizer_client, world):
    event, other, *_rest = world
    guest = ExpectedGuest(event_id=other.id, name="Tamu", name_key="tamu", category="other")
    db.session.add(guest)
    db.session.commit()
    response = post(organizer_client, f"/events/{event.id}/attendance/tick",
                    {"guest": f"g{guest.id}", "idempotency_key": key(1)},
                    f"/events/{event.id}/attendance")  # fmt: skip
    assert response.status_code == 422
    assert records() == []
    removed = post(organizer_client, f"/events/{event.id}/attendance/guests/{guest.id}/remove",
                   {}, f"/events/{event.id}/attendance")  # fmt: skip
    assert removed.status_code == 404
    assert db.session.get(ExpectedGuest, guest.id) is not None


@pytest.mark.parametrize(
    "fields",
    [
        {"name": ""},
        {"name": "  "},
        {"name": "n" * 121},
        {"name": "<script>alert(1)</script>"},
        {"category": ""},
        {"category": "alien"},
        {"category": "party_rep", "party": ""},
        {"party": "99"},
        {"party": "abc"},
        {"organisation": "o" * 161},
        {"contact": "c" * 121},
        {"idempotency_key": "<bad>"},
    ],
)
def test_bad_walk_ins_change_nothing(organizer_client, world, fields):
    event, *_rest = world
    response = post(organizer_client, f"/events/{event.id}/attendance/people", person(**fields),
                    f"/events/{event.id}/attendance")  # fmt: skip
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="error"' in page or 'class="form-errors"' in page
    assert "<script>alert(1)</script>" not in page
    assert records() == []


def test_headcounts_add_up_across_counters(organizer_client, world, app):
    event, *_rest = world
    page = f"/events/{event.id}/attendance"
    path = f"/events/{event.id}/attendance/headcount"
    for n, (counter, count) in enumerate([("Utara", "120"), ("Selatan", "80"), ("Utara", "150")]):
        app.config["FIXED_NOW"] = at(f"2023-11-13 09:{30 + n}")
        response = post(
            organizer_client,
            path,
            {"counter": counter, "category": "public", "count": count, "idempotency_key": key(n)},
            page,
        )
        assert response.status_code == 302
    # The last tally sent twice (a double tap) counts once.
    post(organizer_client, path, {"counter": "Utara", "category": "public", "count": "150",
                                  "idempotency_key": key(2)}, page)  # fmt: skip
    shown = organizer_client.get(page).get_data(as_text=True)
    assert re.search(r'id="total-crowd">230<', shown)
    assert db.session.execute(db.select(db.func.count(HeadcountTally.id))).scalar_one() == 3


@pytest.mark.parametrize(
    "fields",
    [{"count": ""}, {"count": "-5"}, {"count": "lots"}, {"count": "99999999999"}, {"counter": ""},
     {"counter": "<b>x</b>"}, {"category": "crowd"}],
)  # fmt: skip
def test_bad_headcounts_change_nothing(organizer_client, world, fields):
    event, *_rest = world
    data = {"counter": "Utara", "category": "public", "count": "10", "idempotency_key": key(1),
            **fields}  # fmt: skip
    response = post(organizer_client, f"/events/{event.id}/attendance/headcount", data,
                    f"/events/{event.id}/attendance")  # fmt: skip
    assert response.status_code == 422
    assert db.session.execute(db.select(db.func.count(HeadcountTally.id))).scalar_one() == 0


def test_records_of_another_event_are_not_found_here(organizer_client, world):
    event, other, *_rest = world
    entry = AttendanceRecord(event_id=other.id, name="Ani", name_key="ani", category="public",
                             method="organizer")  # fmt: skip
    db.session.add(entry)
    db.session.commit()
    page = f"/events/{event.id}/attendance"
    for action in ("confirm", "delete"):
        response = post(organizer_client, f"/events/{event.id}/attendance/records/{entry.id}/"
                        f"{action}", {"reason": ""}, page)  # fmt: skip
        assert response.status_code == 404
    assert len(records(other)) == 1


def test_deleting_a_record_on_request_is_audited_without_the_name(organizer_client, world):
    event, *_rest = world
    page = f"/events/{event.id}/attendance"
    post(organizer_client, f"/events/{event.id}/attendance/people", person(), page)
    [entry] = records(event)
    response = post(organizer_client, f"/events/{event.id}/attendance/records/{entry.id}/delete",
                    {"reason": "Permintaan yang bersangkutan"}, page)  # fmt: skip
    assert response.status_code == 302
    assert records() == []
    logged = db.session.execute(
        db.select(AuditEntry).where(AuditEntry.action == "attendance.delete")
    ).scalar_one()
    assert logged.details["reason"] == "Permintaan yang bersangkutan"
    everything = " ".join(str(e.details) for e in db.session.execute(db.select(AuditEntry))
                          .scalars())  # fmt: skip
    assert "Budi" not in everything


def test_a_person_is_erased_across_events_in_the_organizer_s_regions(client, world):
    event, other, _draft, people = world
    outside_route = make_route([("35.78", at("2023-11-13 09:00"), None)])
    outside = make_event(outside_route.stops[0])
    for n, target in enumerate((event, other, outside)):
        db.session.add(AttendanceRecord(event_id=target.id, name="Siti Aminah",
                                        name_key="sitiaminah", category="public",
                                        method="organizer", idempotency_key=key(n)))  # fmt: skip
    db.session.commit()
    login(client, people["organizer"])
    found = client.get("/manage/attendance/erase?name=SITI%20aminah").get_data(as_text=True)
    ids = re.findall(r'name="record" value="(\d+)"', found)
    assert len(ids) == 2  # the third is in Jawa Timur, outside the organizer's regions
    outside_id = str(records(outside)[0].id)
    refused = post(client, "/manage/attendance/erase",
                   {"name": "Siti Aminah", "record": [*ids, outside_id], "reason": "x"},
                   "/manage/attendance/erase?name=Siti")  # fmt: skip
    assert refused.status_code == 422
    assert len(records()) == 3
    done = post(client, "/manage/attendance/erase",
                {"name": "Siti Aminah", "record": ids, "reason": "Permintaan"},
                "/manage/attendance/erase?name=Siti")  # fmt: skip
    assert done.status_code == 302
    assert [r.event_id for r in records()] == [outside.id]


def test_confirming_a_self_declared_party(organizer_client, world):
    event, *_rest = world
    entry = AttendanceRecord(
        event_id=event.id,
        name="Rina",
        name_key="rina",
        category="party_rep",
        party_number=2,
        party_self_declared=True,
        method="self_checkin",
    )
    db.session.add(entry)
    db.session.commit()
    page = f"/events/{event.id}/attendance"
    response = post(organizer_client, f"/events/{event.id}/attendance/records/{entry.id}/confirm",
                    {}, page)  # fmt: skip
    assert response.status_code == 302
    assert records(event)[0].party_self_declared is False


# --- self check-in --------------------------------------------------------------


def checkin_data(**fields) -> dict:
    """Self check-in form data."""
    return {"name": "Rina Marlina", "category": "party_rep", "party": "2", "organisation": "",
            "contact": "", "consent": "y", "idempotency_key": key(9), **fields}  # fmt: skip


def test_self_check_in_from_the_qr_link(client, world):
    event, *_rest = world
    path = f"/events/{event.id}/check-in/{checkin_token(event)}"
    form = client.get(path)
    assert form.status_code == 200
    text = form.get_data(as_text=True)
    assert "27" in text and "2022" in text  # the personal data law is named
    response = post(client, path, checkin_data(), path)
    assert response.status_code == 200
    assert "Rina Marlina" in response.get_data(as_text=True)
    [entry] = records(event)
    assert (entry.method, entry.party_number, entry.party_self_declared, entry.recorded_by_id) == (
        "self_checkin",
        2,
        True,
        None,
    )
    # Sent again (a refresh, a retry on a bad network): the same answer, still one record.
    again = post(client, path, checkin_data(), path)
    assert again.status_code == 200
    assert without_csrf(again) == without_csrf(response)
    assert len(records(event)) == 1


def test_self_check_in_without_consent_records_nothing(client, world):
    event, *_rest = world
    path = f"/events/{event.id}/check-in/{checkin_token(event)}"
    response = post(client, path, checkin_data(consent=""), path)
    assert response.status_code == 422
    assert records() == []


@pytest.mark.parametrize(
    ("token_of", "moment", "status", "message"),
    [
        ("forged", "2023-11-13 09:30", 400, "tidak valid"),
        ("other", "2023-11-13 09:30", 400, "kegiatan lain"),
        ("event", "2023-11-13 13:30", 403, "ditutup"),
        ("event", "2023-11-13 06:00", 403, "dibuka"),
    ],
)
def test_refused_check_in_codes_say_why(client, world, app, token_of, moment, status, message):
    event, other, *_rest = world
    token = {"forged": "eyJldmVudCI6MX0.forged", "other": checkin_token(other),
             "event": checkin_token(event)}[token_of]  # fmt: skip
    app.config["FIXED_NOW"] = at(moment)
    path = f"/events/{event.id}/check-in/{token}"
    response = client.get(path)
    assert response.status_code == status
    assert message in response.get_data(as_text=True).lower()
    posted = client.post(path, data=checkin_data())
    assert posted.status_code in (status, 400)
    assert records() == []


def test_drafts_take_no_self_check_in(client, world):
    _event, _other, draft, _people = world
    assert client.get(f"/events/{draft.id}/check-in/{checkin_token(draft)}").status_code == 404


def test_self_check_in_is_rate_limited(client, world, app):
    event, *_rest = world
    app.config["SELF_CHECKIN_LIMIT"] = "3 per minute"
    path = f"/events/{event.id}/check-in/{checkin_token(event)}"
    token = csrf_token(client, path)
    statuses = [
        client.post(path, data={"csrf_token": token, **checkin_data(name=f"Orang {n}",
                                category="public", party="", idempotency_key=key(n))}).status_code
        for n in range(5)
    ]  # fmt: skip
    assert statuses == [200, 200, 200, 429, 429]


def test_the_qr_page_carries_the_signed_link(organizer_client, world):
    event, *_rest = world
    page = organizer_client.get(f"/events/{event.id}/attendance/qr").get_data(as_text=True)
    assert "<svg" in page
    assert f"https://kirab.test.example/events/{event.id}/check-in/{checkin_token(event)}" in page


def test_the_public_event_page_shows_the_total_only(client, world):
    event, *_rest = world
    db.session.add(AttendanceRecord(event_id=event.id, name="Rahasia Nama", name_key="rahasianama",
                                    category="public", method="organizer"))  # fmt: skip
    db.session.add(
        HeadcountTally(
            event_id=event.id,
            counter="A",
            counter_key="a",
            category="public",
            count=41,
            recorded_at=at("2023-11-13 09:40"),
        )
    )
    db.session.commit()
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert re.search(r'id="attendance-total">42<', page)
    assert "Rahasia" not in page
    api = client.get(f"/api/v1/events/{event.id}").get_json()
    assert api["attendance_total"] == 42
    assert "Rahasia" not in str(api)


@pytest.mark.parametrize(
    "fields",
    [{"name": ""}, {"name": "x" * 121}, {"name": "<i>Bupati</i>"}, {"category": "king"},
     {"category": "party_rep", "party": ""}, {"organisation": "o" * 161}],
)  # fmt: skip
def test_bad_expected_officials_change_nothing(organizer_client, world, fields):
    event, *_rest = world
    data = {"name": "Pj Bupati", "category": "government", "party": "", "organisation": "",
            **fields}  # fmt: skip
    response = post(organizer_client, f"/events/{event.id}/attendance/guests", data,
                    f"/events/{event.id}/attendance")  # fmt: skip
    assert response.status_code == 422
    assert "<i>Bupati</i>" not in response.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(ExpectedGuest.id))).scalar_one() == 0


@pytest.mark.parametrize(
    "fields",
    [{"name": ""}, {"name": "n" * 121}, {"name": "<script>alert(1)</script>"},
     {"category": "vip"}, {"party": "77"}, {"contact": "<img src=x>"},
     {"idempotency_key": "' OR 1=1 --"}],
)  # fmt: skip
def test_bad_self_check_ins_change_nothing(client, world, fields):
    event, *_rest = world
    path = f"/events/{event.id}/check-in/{checkin_token(event)}"
    response = post(client, path, checkin_data(**fields), path)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "<img src=x>" not in page
    assert records() == []


def test_a_second_self_check_in_learns_nothing_about_the_first(client, world):
    """Anyone holding the link could otherwise test who attended, and when."""
    event, *_rest = world
    path = f"/events/{event.id}/check-in/{checkin_token(event)}"
    assert post(client, path, checkin_data(), path).status_code == 200
    second = post(client, path, checkin_data(name="RINA marlina", idempotency_key=key(10)), path)
    assert second.status_code == 422
    text = second.get_data(as_text=True)
    assert "Anda sudah tercatat hadir" in text and "09.30" not in text
    # Said as it is, not as a form to correct.
    assert "Silakan perbaiki isian" not in text
    assert 'class="form-errors" role="alert"><p>Anda sudah tercatat hadir' in text.replace(
        "\n  ", ""
    )
    assert len(records(event)) == 1


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("check-in", {"party": "\u00b2"}),
        ("attendance/people", {"party": "\u00b2"}),
        ("attendance/headcount", {"count": "\u00b2", "category": "public", "counter": "A"}),
    ],
)
def test_odd_digits_are_refused_not_a_500(client, world, path, fields):
    event, _other, _draft, people = world
    if path == "check-in":
        url = f"/events/{event.id}/check-in/{checkin_token(event)}"
        data = checkin_data(**fields)
    else:
        login(client, people["organizer"])
        url = f"/events/{event.id}/{path}"
        data = (
            person(**fields) if path.endswith("people") else {"idempotency_key": key(3), **fields}
        )
    response = post(
        client, url, data, url if path == "check-in" else f"/events/{event.id}/attendance"
    )
    assert response.status_code == 422
    assert records(event) == []


def test_records_on_a_deleted_draft_can_still_be_erased(client, world):
    _event, _other, draft, people = world
    db.session.add(
        AttendanceRecord(
            event_id=draft.id,
            name="Zainab Hilang",
            name_key="zainabhilang",
            category="public",
            method="organizer",
            idempotency_key=key(7),
        )
    )
    draft.deleted_at = at("2023-11-13 10:00")
    db.session.commit()
    login(client, people["organizer"])
    found = client.get("/manage/attendance/erase?name=Zainab%20Hilang").get_data(as_text=True)
    ids = re.findall(r'name="record" value="(\d+)"', found)
    assert len(ids) == 1
    done = post(
        client,
        "/manage/attendance/erase",
        {"name": "Zainab Hilang", "record": ids, "reason": "Permintaan"},
        "/manage/attendance/erase?name=Zainab",
    )
    assert done.status_code == 302
    assert records(draft) == []
