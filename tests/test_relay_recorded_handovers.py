"""A recorded handover is history: no planning change may undo it, and a refusal stores nothing."""

import io

import pytest

from kirab.audit.models import AuditEntry
from kirab.database import db
from kirab.events.models import Event
from kirab.relay.handovers import record_handover
from kirab.relay.models import Handover, Route, Stop
from kirab.relay.stops import ordered_stops, relink_handovers
from tests.conftest import csrf_token, login
from tests.factories import at, make_event, make_route, make_user
from tests.test_relay_planning import shift_form

ROUTE_CSV = """order,region_code,receives,hands_over,venue
1,32.08,2023-11-01 09:00,2023-11-07 09:00,Pendopo
2,32.15,2023-11-07 09:00,2023-11-13 09:00,Karawang
3,32.16,2023-11-13 09:00,2023-11-19 09:00,Plaza
4,RI,2023-11-26 09:00,,KPU RI
"""


@pytest.fixture
def recorded(client):
    """A route of four stops whose first handover took place at 10.00 instead of 09.00.

    Returns the route; the client is logged in as an admin.
    """
    admin = make_user("admin")
    route = make_route(
        [
            ("32.08", at("2023-11-01 09:00"), at("2023-11-07 09:00")),
            ("32.15", at("2023-11-07 09:00"), at("2023-11-13 09:00")),
            ("32.16", at("2023-11-13 09:00"), at("2023-11-19 09:00")),
            ("RI", at("2023-11-26 09:00"), None),
        ]
    )
    relink_handovers(route, ordered_stops(route))
    karawang = ordered_stops(route)[1]
    make_event(karawang, title="Pawai", starts_at=at("2023-11-08 09:00"))
    into_karawang = db.session.execute(
        db.select(Handover).where(Handover.to_stop_id == karawang.id)
    ).scalar_one()
    record_handover(
        into_karawang, actor=admin, actual_at=at("2023-11-07 10:00"), venue="Karawang",
        items={}, signatories={}, notes="",
    )  # fmt: skip
    db.session.commit()
    login(client, admin)
    return route


def state(route: Route) -> dict:
    """Everything a planning change could touch, read afresh from the database."""
    db.session.expire_all()
    stops = db.session.execute(
        db.select(Stop.id, Stop.position, Stop.receives_at, Stop.hands_over_at)
        .where(Stop.route_id == route.id)
        .order_by(Stop.id)
    ).all()
    handovers = db.session.execute(
        db.select(Handover.id, Handover.from_stop_id, Handover.to_stop_id, Handover.planned_at,
                  Handover.actual_at).order_by(Handover.id)
    ).all()  # fmt: skip
    events = db.session.execute(
        db.select(Event.id, Event.stop_id, Event.starts_at, Event.sequence).order_by(Event.id)
    ).all()
    audit = db.session.execute(db.select(db.func.count(AuditEntry.id))).scalar()
    return {"stops": stops, "handovers": handovers, "events": events, "audit": audit}


def stop(route: Route, code: str) -> Stop:
    """The route's stop hosted by the office of ``code``."""
    return next(s for s in ordered_stops(route) if s.region_code == code)


def test_removing_a_stop_may_not_undo_a_recorded_handover(client, recorded):
    before = state(recorded)
    # Kuningan handed over to Karawang; without Kuningan that handover would go.
    kuningan = stop(recorded, "32.08")
    url = f"/manage/stops/{kuningan.id}/remove"
    response = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "dari KPU Kabupaten Kuningan kepada KPU Kabupaten Karawang sudah dicatat" in page
    assert "perubahan ini akan membatalkannya" in page
    assert state(recorded) == before


def test_stops_whose_handover_was_recorded_cannot_change_places(client, recorded):
    before = state(recorded)
    bekasi = stop(recorded, "32.16")
    url = f"/manage/routes/{recorded.id}"
    response = client.post(
        f"/manage/stops/{bekasi.id}/move",
        data={"direction": "up", "csrf_token": csrf_token(client, url)},
        follow_redirects=True,
    )
    assert "keduanya tidak dapat bertukar tempat" in response.get_data(as_text=True)
    assert state(recorded) == before


def test_a_stop_whose_handover_was_recorded_cannot_be_shifted(client, recorded):
    before = state(recorded)
    response = shift_form(client, stop(recorded, "32.15"), "1", action="confirm")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Serah terima kepada KPU Kabupaten Karawang tercatat pada" in page
    assert "tidak dapat digeser" in page
    assert state(recorded) == before


def test_an_import_may_not_move_a_recorded_handover_time(client, recorded):
    """The file still has Karawang receiving at 09.00; the handover took place at 10.00."""
    before = state(recorded)
    url = f"/manage/routes/{recorded.id}/import"
    response = client.post(
        url,
        data={"csrf_token": csrf_token(client, url),
              "file": (io.BytesIO(ROUTE_CSV.encode()), "jalur.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Serah terima dari KPU Kabupaten Kuningan kepada KPU Kabupaten Karawang" in page
    assert "berkas tidak dapat mengubah waktu tersebut" in page
    assert state(recorded) == before
