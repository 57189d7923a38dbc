"""Planning stops: insert, remove, reorder and shift, through the services and the web."""

from datetime import timedelta
from itertools import pairwise

import pytest

from kirab.audit.models import AuditEntry
from kirab.database import db
from kirab.errors import DomainError
from kirab.events.models import Event
from kirab.relay import planning
from kirab.relay.models import Handover, Relay, Route, Stop
from tests.conftest import csrf_token, login, opened_form
from tests.factories import at, make_event, make_jalur_vii, make_route, make_user

DAY = timedelta(days=1)


@pytest.fixture
def jalur(app) -> Route:
    """Jalur VII with its handovers and events, committed."""
    route = make_jalur_vii()
    db.session.commit()
    return route


def jalur_vii() -> Route:
    """The Jalur VII of the test."""
    return db.session.execute(db.select(Route).where(Route.name == "Jalur VII")).scalar_one()


def stop_of(code: str) -> Stop:
    """The Jalur VII stop hosted by the office of ``code``."""
    return next(stop for stop in jalur_vii().stops if stop.region_code == code)


def event_starts(stop: Stop) -> dict[int, object]:
    """The start of every event of a stop, by id."""
    rows = db.session.execute(db.select(Event.id, Event.starts_at).where(Event.stop_id == stop.id))
    return dict(rows.all())


def shift_form(client, stop: Stop, amount: str, unit: str = "days", **extra):
    """Post the shift form of a stop."""
    url = f"/manage/stops/{stop.id}/shift"
    return client.post(
        url,
        data={"amount": amount, "unit": unit, "csrf_token": csrf_token(client, url), **extra},
    )


def audit(action: str) -> list[AuditEntry]:
    """Audit entries of an action, oldest first."""
    return list(
        db.session.execute(
            db.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).scalars()
    )


def test_shifting_kabupaten_bekasi_by_one_day_moves_kota_bekasi_and_every_event(client, jalur):
    """Show 3: the shift, previewed then confirmed by an admin, moves everything after it."""
    admin = make_user("admin")
    db.session.commit()
    kab, kota, ri, karawang = stop_of("32.16"), stop_of("32.75"), stop_of("RI"), stop_of("32.15")
    before = {s.id: (s.receives_at, s.hands_over_at) for s in (kab, kota, ri, karawang)}
    kab_events, kota_events, ri_events = event_starts(kab), event_starts(kota), event_starts(ri)
    assert len(kab_events) == 10 and len(kota_events) == 1 and len(ri_events) == 1
    untouched = event_starts(karawang)
    sequences = dict(db.session.execute(db.select(Event.id, Event.sequence)).all())
    login(client, admin)

    preview = shift_form(client, kab, "1")
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "KPU Kota Bekasi" in page and "Pawai Kirab Pemilu Dapil 7" in page
    assert "Selasa, 14 November 2023, 09.00 WIB" in page  # Kabupaten Bekasi's new start
    # The preview's table has the page's width: it is not inside the narrow column of fields.
    narrow = page.split('<div class="narrow">', 1)[1].split("</div>", 1)[0]
    assert 'name="amount"' in narrow and 'class="preview"' not in narrow
    assert '<form method="post" novalidate class="narrow">' not in page
    # The preview changed nothing.
    db.session.expire_all()
    assert stop_of("32.16").receives_at == before[kab.id][0]
    basis = page.split('name="basis" type="hidden" value="')[1].split('"')[0]

    confirmed = shift_form(client, kab, "1", action="confirm", basis=basis)
    assert confirmed.status_code == 302, confirmed.get_data(as_text=True)
    db.session.expire_all()
    for stop in (kab, kota, ri):
        fresh = db.session.get(Stop, stop.id)
        old_receives, old_hands = before[stop.id]
        assert fresh.receives_at == old_receives + DAY
        assert fresh.hands_over_at == (old_hands + DAY if old_hands else None)
    # Karawang keeps the flags a day longer; its events stay.
    assert db.session.get(Stop, karawang.id).hands_over_at == at("2023-11-14 09:00")
    assert event_starts(karawang) == untouched
    for starts in (kab_events, kota_events, ri_events):
        for event_id, start in starts.items():
            event = db.session.get(Event, event_id)
            assert event.starts_at == start + DAY and event.sequence == sequences[event_id] + 1
    handover = db.session.execute(
        db.select(Handover).where(Handover.to_stop_id == kota.id)
    ).scalar_one()
    assert handover.planned_at == at("2023-11-20 09:00")

    [entry] = audit("stop.shift")
    assert entry.user_id == admin.id and entry.object_id == str(kab.id)
    assert entry.details["hours"] == 24
    assert {move["region"] for move in entry.details["stops"]} == {"32.15", "32.16", "32.75", "RI"}
    assert sorted(entry.details["events"]) == sorted([*kab_events, *kota_events, *ri_events])
    assert len(audit("event.shift")) == 12


@pytest.mark.parametrize("regions", [["32.16"], ["32"], ["32.75"]])
def test_organizers_cannot_shift_stops_even_their_own(client, jalur, regions):
    organizer = make_user("organizer", regions=regions)
    db.session.commit()
    kab = stop_of("32.16")
    login(client, organizer)
    assert client.get(f"/manage/stops/{kab.id}/shift").status_code == 403
    token = csrf_token(client, "/manage/relays")
    response = client.post(
        f"/manage/stops/{kab.id}/shift",
        data={"amount": "1", "unit": "days", "action": "confirm", "csrf_token": token},
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert stop_of("32.16").receives_at == at("2023-11-13 09:00")
    assert audit("stop.shift") == []


def test_a_stale_preview_is_not_applied(client, jalur):
    admin = make_user("admin")
    db.session.commit()
    kab = stop_of("32.16")
    login(client, admin)
    page = shift_form(client, kab, "1").get_data(as_text=True)
    basis = page.split('name="basis" type="hidden" value="')[1].split('"')[0]
    planning.apply_shift(stop_of("32.75"), timedelta(hours=2), actor=admin)
    db.session.commit()
    response = shift_form(client, kab, "1", action="confirm", basis=basis)
    assert response.status_code == 422
    assert "berubah" in response.get_data(as_text=True)
    db.session.expire_all()
    assert stop_of("32.16").receives_at == at("2023-11-13 09:00")


@pytest.mark.parametrize(
    ("amount", "unit", "message"),
    [
        ("", "days", "bilangan bulat"),
        ("abc", "days", ""),
        ("0", "days", "selain nol"),
        ("-7", "days", "Karawang akan menyerahkan bendera sebelum menerimanya"),
        ("100", "days", "90"),
        ("1", "weeks", ""),
    ],
)
def test_bad_shifts_are_refused_and_change_nothing(client, jalur, amount, unit, message):
    admin = make_user("admin")
    db.session.commit()
    kab = stop_of("32.16")
    login(client, admin)
    response = shift_form(client, kab, amount, unit, action="confirm")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert stop_of("32.16").receives_at == at("2023-11-13 09:00")
    assert stop_of("32.75").receives_at == at("2023-11-19 09:00")


def test_shift_is_all_or_nothing(app, jalur):
    admin = make_user("admin")
    kota = stop_of("32.75")
    before = [(s.receives_at, s.hands_over_at) for s in jalur_vii().stops]
    with pytest.raises(DomainError):
        planning.apply_shift(kota, -timedelta(days=7), actor=admin)  # overlaps Kabupaten Bekasi
    db.session.rollback()
    db.session.expire_all()
    assert [(s.receives_at, s.hands_over_at) for s in jalur_vii().stops] == before


def test_insert_remove_and_reorder_keep_positions_and_handovers_contiguous(app):
    admin = make_user("admin")
    route = make_route(
        [
            ("32.08", at("2023-11-01 09:00"), at("2023-11-07 09:00")),
            ("32.15", at("2023-11-07 09:00"), at("2023-11-10 09:00")),
            ("RI", at("2023-11-26 09:00"), None),
        ]
    )
    planning.relink_handovers(route, planning.ordered_stops(route))

    def codes():
        stops = planning.ordered_stops(route)
        assert [s.position for s in stops] == list(range(1, len(stops) + 1))
        links = {(h.from_stop_id, h.to_stop_id) for h in planning.route_handovers(route)}
        assert links == {(a.id, b.id) for a, b in pairwise(stops)}
        return [s.region_code for s in stops]

    planning.insert_stop(route, actor=admin, region_code="32.16", position=3,
                         receives_at=at("2023-11-13 09:00"),
                         hands_over_at=at("2023-11-19 09:00"))  # fmt: skip
    assert codes() == ["32.08", "32.15", "32.16", "RI"]
    planning.insert_stop(route, actor=admin, region_code="32.75", position=4,
                         receives_at=at("2023-11-19 09:00"),
                         hands_over_at=at("2023-11-25 09:00"))  # fmt: skip
    assert codes() == ["32.08", "32.15", "32.16", "32.75", "RI"]

    kab = planning.ordered_stops(route)[2]
    event = make_event(kab, starts_at=at("2023-11-14 09:00"))
    planning.move_stop(kab, "up", actor=admin)
    assert codes() == ["32.08", "32.16", "32.15", "32.75", "RI"]
    # Kabupaten Bekasi (six days) now starts when Karawang did; Karawang follows after the transit.
    assert (kab.receives_at, kab.hands_over_at) == (at("2023-11-07 09:00"), at("2023-11-13 09:00"))
    karawang = planning.ordered_stops(route)[2]
    assert (karawang.receives_at, karawang.hands_over_at) == (
        at("2023-11-16 09:00"), at("2023-11-19 09:00"))  # fmt: skip
    assert event.starts_at == at("2023-11-08 09:00")

    with pytest.raises(DomainError, match="kegiatan"):
        planning.remove_stop(kab, actor=admin)
    planning.remove_stop(karawang, actor=admin)
    assert codes() == ["32.08", "32.16", "32.75", "RI"]
    assert [e.action for e in audit("stop.create")] == ["stop.create"] * 2
    assert len(audit("stop.move")) == 1 and len(audit("stop.delete")) == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (dict(region_code="32.16", receives=at("2023-11-12 09:00")), "tumpang tindih"),
        (dict(region_code="32.75", receives=at("2023-11-15 09:00")), "sudah menjadi persinggahan"),
        (dict(region_code="99.99", receives=at("2023-11-28 09:00")), "99.99"),
        (dict(region_code="32.16", receives=at("2023-11-20 09:00"),
              hands_over=at("2023-11-20 08:00")), "setelah"),
    ],
)  # fmt: skip
def test_insert_refuses_bad_stops(app, fields, message):
    admin = make_user("admin")
    route = make_route([("32.75", at("2023-11-13 09:00"), at("2023-11-19 09:00"))])
    with app.test_request_context("/"), pytest.raises(DomainError, match=message):
        planning.insert_stop(
            route,
            actor=admin,
            region_code=fields["region_code"],
            receives_at=fields["receives"],
            hands_over_at=fields.get("hands_over", at("2023-11-21 09:00")),
        )


def test_the_web_form_inserts_a_stop_in_the_office_zone(client, app):
    admin = make_user("admin")
    route = make_route([("73.71", at("2023-05-01 09:00", "Asia/Makassar"), None)])
    db.session.commit()
    login(client, admin)
    url = f"/manage/routes/{route.id}/stops/new"
    response = client.post(url, data={
        "csrf_token": csrf_token(client, url), "region_code": "53", "position": "1",
        "receives_date": "2023-04-20", "receives_time": "09:00",
        "hands_over_date": "2023-05-01", "hands_over_time": "09:00", "venue": "Kantor KPU NTT",
    })  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    stops = planning.ordered_stops(route)
    assert stops[0].region_code == "53"
    assert stops[0].receives_at == at("2023-04-20 09:00", "Asia/Makassar")  # WITA
    page = client.get(f"/manage/routes/{route.id}").get_data(as_text=True)
    assert "Kamis, 20 April 2023, 09.00 WITA" in page


@pytest.mark.parametrize(
    "data",
    [
        {"region_code": "", "receives_date": "2023-04-20", "receives_time": "09:00"},
        {"region_code": "53", "receives_date": "2023-02-31", "receives_time": "09:00"},
        {"region_code": "53", "receives_date": "2023-04-20", "receives_time": "25:00"},
        {"region_code": "<script>alert(1)</script>", "receives_date": "2023-04-20",
         "receives_time": "09:00"},
        {"region_code": "53", "receives_date": "2023-04-20", "receives_time": "09:00",
         "hands_over_date": "2023-05-02", "hands_over_time": "09:00"},
        {"region_code": "53", "receives_date": "2023-04-20", "receives_time": "09:00",
         "venue": "x" * 201, "hands_over_date": "2023-04-21", "hands_over_time": "09:00"},
        {"region_code": "53", "receives_date": "2023-04-20", "receives_time": "09:00",
         "position": "0"},
    ],
)  # fmt: skip
def test_the_stop_form_refuses_bad_input(client, app, data):
    admin = make_user("admin")
    route = make_route([("73.71", at("2023-05-01 09:00", "Asia/Makassar"), None)])
    db.session.commit()
    login(client, admin)
    url = f"/manage/routes/{route.id}/stops/new"
    response = client.post(url, data={"csrf_token": csrf_token(client, url), **data})
    assert response.status_code == 422
    assert "<script>alert" not in response.get_data(as_text=True)
    assert len(planning.ordered_stops(route)) == 1


def test_organizers_edit_the_details_of_their_stops_only(client, jalur):
    organizer = make_user("organizer", regions=["32.16"])
    db.session.commit()
    kab, kota = stop_of("32.16"), stop_of("32.75")
    login(client, organizer)
    url = f"/manage/stops/{kab.id}"
    response = client.post(url, data={
        **opened_form(client, url), "venue": "Plaza Pemda",
        "contacts": "Sekretariat KPU Kabupaten Bekasi, 021-000", "notes": "<b>Siap</b>",
    })  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    assert (
        stop_of("32.16").contacts.startswith("Sekretariat")
        and stop_of("32.16").notes == "<b>Siap</b>"
    )
    assert "&lt;b&gt;Siap" in client.get(url).get_data(as_text=True)
    assert client.get(f"/manage/stops/{kota.id}").status_code == 403
    assert audit("stop.update")[0].details["venue"] == "Plaza Pemda"


def test_relays_and_routes_are_created_with_unique_names(client, app):
    admin = make_user("admin")
    db.session.commit()
    login(client, admin)
    token = csrf_token(client, "/manage/relays")
    assert (
        client.post("/manage/relays", data={"name": "Kirab 2029", "csrf_token": token}).status_code
        == 302
    )
    assert (
        client.post("/manage/relays", data={"name": "Kirab 2029", "csrf_token": token}).status_code
        == 422
    )
    assert client.post("/manage/relays", data={"name": " ", "csrf_token": token}).status_code == 422
    relay = db.session.execute(db.select(Relay)).scalar_one()
    url = f"/manage/relays/{relay.id}/routes"
    assert client.post(url, data={"name": "Jalur I", "csrf_token": token}).status_code == 302
    assert client.post(url, data={"name": "Jalur I", "csrf_token": token}).status_code == 422
    assert client.post(url, data={"name": "x" * 121, "csrf_token": token}).status_code == 422
    assert [route.name for route in relay.routes] == ["Jalur I"]


def test_the_route_page_warns_of_an_office_hosting_two_routes_at_once(client, jalur):
    admin = make_user("admin")
    relay = jalur_vii().relay
    other = make_route([("32.16", at("2023-11-15 09:00"), at("2023-11-16 09:00")),
                        ("RI", at("2023-11-26 09:00"), None)], relay=relay)  # fmt: skip
    db.session.commit()
    login(client, admin)
    page = client.get(f"/manage/routes/{other.id}").get_data(as_text=True)
    assert "KPU Kabupaten Bekasi" in page and "Jalur VII" in page
    assert page.count('class="notice"') == 1
    # Both routes ending at KPU RI on 26 November is the plan, not a warning.
    assert page.count("KPU RI") >= 1 and "KPU RI menjadi tuan rumah" not in page


def test_the_web_moves_and_removes_stops(client, app):
    admin = make_user("admin")
    route = make_route(
        [
            ("32.08", at("2023-11-01 09:00"), at("2023-11-07 09:00")),
            ("32.15", at("2023-11-07 09:00"), at("2023-11-13 09:00")),
            ("RI", at("2023-11-26 09:00"), None),
        ]
    )
    planning.relink_handovers(route, planning.ordered_stops(route))
    db.session.commit()
    kuningan, karawang, kpu_ri = planning.ordered_stops(route)
    login(client, admin)
    token = csrf_token(client, f"/manage/routes/{route.id}")
    moved = client.post(f"/manage/stops/{karawang.id}/move",
                        data={"direction": "up", "csrf_token": token})  # fmt: skip
    assert moved.status_code == 302
    assert [s.region_code for s in planning.ordered_stops(route)] == ["32.15", "32.08", "RI"]
    # KPU RI keeps the flags: it cannot move up, and says why.
    refused = client.post(
        f"/manage/stops/{kpu_ri.id}/move",
        data={"direction": "up", "csrf_token": token},
        follow_redirects=True,
    )
    assert "memerlukan waktu penyerahan" in refused.get_data(as_text=True)
    assert client.post(f"/manage/stops/{kuningan.id}/move",
                       data={"direction": "up"}).status_code == 400  # no CSRF token  # fmt: skip
    removed = client.post(f"/manage/stops/{kuningan.id}/remove", data={"csrf_token": token})
    assert removed.status_code == 302
    assert [s.region_code for s in planning.ordered_stops(route)] == ["32.15", "RI"]
    [handover] = planning.route_handovers(route)
    assert (handover.from_stop.region_code, handover.to_stop.region_code) == ("32.15", "RI")
    page = client.get(f"/manage/routes/{route.id}").get_data(as_text=True)
    assert "Dalam perjalanan" in page


def test_moving_a_stop_moves_and_audits_each_of_its_events(app):
    """As a shift does: every event that moved has its own entry, and its SEQUENCE rose."""
    admin = make_user("admin")
    app.config["FIXED_NOW"] = at("2023-10-01 12:00")
    route = make_route(
        [
            ("32.08", at("2023-11-01 09:00"), at("2023-11-07 09:00")),
            ("32.15", at("2023-11-07 09:00"), at("2023-11-10 09:00")),
            ("RI", at("2023-11-26 09:00"), None),
        ]
    )
    planning.relink_handovers(route, planning.ordered_stops(route))
    kuningan, karawang, _kpu_ri = planning.ordered_stops(route)
    parade = make_event(karawang, title="Pawai", starts_at=at("2023-11-08 09:00"))
    talk = make_event(kuningan, title="Sosialisasi", starts_at=at("2023-11-02 09:00"))
    deleted = make_event(kuningan, title="Dihapus", starts_at=at("2023-11-03 09:00"))
    deleted.deleted_at = at("2023-10-01 09:00")

    planning.move_stop(karawang, "up", actor=admin)
    db.session.flush()

    # Karawang (three days) now starts on the 1st; Kuningan follows on the 4th.
    assert parade.starts_at == at("2023-11-02 09:00") and parade.sequence == 1
    assert talk.starts_at == at("2023-11-05 09:00") and talk.sequence == 1
    assert parade.updated_at == talk.updated_at == at("2023-10-01 12:00")
    assert deleted.starts_at == at("2023-11-03 09:00") and deleted.sequence == 0
    entries = {entry.object_id: entry for entry in audit("event.shift")}
    assert set(entries) == {str(parade.id), str(talk.id)}
    assert entries[str(parade.id)].user_id == admin.id
    assert entries[str(parade.id)].details == {
        "stop": karawang.id,
        "starts_at": ["2023-11-08T09:00:00+07:00", "2023-11-02T09:00:00+07:00"],
        "hours": -144,
        "cause": "stop.move",
    }
    assert entries[str(talk.id)].details["hours"] == 72
    assert len(audit("stop.move")) == 1
