"""Stops never leave their events behind, and far-off or odd input is refused, not a 500."""

import io

import pytest

from kirab.database import db
from kirab.events.advisories import events_outside_stop
from kirab.events.models import Event
from kirab.relay.models import Route
from tests.conftest import csrf_token, login, opened_form
from tests.factories import at, handover_into, make_user, stop_of

ROUTE_CSV = "order,region_code,receives,hands_over,venue\n"


@pytest.fixture
def admin(app, client, west_java):
    """A client logged in as an admin, on the West Java route, once the relay is over.

    "Now" is pinned after the relay, so the handover times these tests record
    are in the past, whatever the day they run.
    """
    app.config["FIXED_NOW"] = at("2023-12-01 12:00")
    user = make_user("admin")
    db.session.commit()
    login(client, user)
    return user


def route() -> Route:
    """The West Java route, as the database has it now."""
    db.session.expire_all()
    return db.session.execute(db.select(Route).where(Route.name == "Jalur VII")).scalar_one()


def stop(code: str):
    """The stop of the West Java route hosted by the office of ``code``."""
    return stop_of(route(), code)


def nothing_outside() -> bool:
    """Whether every event of the route still lies within its stop."""
    return all(events_outside_stop(stop) == [] for stop in route().stops)


def shift_form(client, stop, amount: str, unit: str = "days"):
    """Post the shift form of a stop."""
    url = f"/manage/stops/{stop.id}/shift"
    return client.post(
        url, data={"amount": amount, "unit": unit, "csrf_token": csrf_token(client, url)}
    )


def post_handover(client, handover, **fields):
    """Post the handover form."""
    url = f"/manage/handovers/{handover.id}"
    return client.post(url, data={**opened_form(client, url), **fields})


def test_shifting_earlier_may_not_strand_the_previous_stop_s_events(client, admin):
    """Kota Bekasi a day earlier would end Kabupaten Bekasi's stay before its Dapil 7 parade."""
    kota = stop("32.75")
    response = shift_form(client, kota, "-1")
    assert response.status_code == 422
    assert "Pawai Kirab Pemilu Dapil 7" in response.get_data(as_text=True)
    assert stop("32.75").receives_at == at("2023-11-19 09:00")
    assert nothing_outside()


def test_an_early_actual_handover_is_recorded_and_warns_of_the_events_it_strands(client, admin):
    """Kota Bekasi's arrival on 17 November is history: the parades of 17-18 are warned of."""
    response = post_handover(
        client, handover_into(stop("32.75")), actual_date="2023-11-17", actual_time="10:00"
    )
    assert response.status_code == 302
    assert stop("32.16").hands_over_at == at("2023-11-17 10:00")
    outside = [event.title for event in events_outside_stop(stop("32.16"))]
    assert outside and all(title.startswith("Pawai Kirab Pemilu Dapil") for title in outside)
    page = client.get(f"/manage/stops/{stop('32.16').id}/events").get_data(as_text=True)
    assert "di luar masa persinggahan" in page


def test_clearing_an_actual_time_keeps_the_transit_gap(client, admin):
    """Kota Bekasi hands over on the 25th and KPU RI receives on the 26th: a day in transit."""
    handover = handover_into(stop("RI"))
    assert (
        post_handover(client, handover, actual_date="2023-11-26", actual_time="10:00").status_code
        == 302
    )
    assert stop("32.75").hands_over_at == at("2023-11-25 09:00")
    assert stop("RI").receives_at == at("2023-11-26 10:00")
    assert (
        post_handover(client, handover_into(stop("RI")), actual_date="", actual_time="").status_code
        == 302
    )
    assert stop("32.75").hands_over_at == at("2023-11-25 09:00")
    assert stop("RI").receives_at == at("2023-11-26 09:00")


def test_an_import_may_not_move_a_stop_away_from_its_events(client, admin):
    route_id = route().id
    rows = [
        "1,32.08,2023-11-01 09:00,2023-11-07 09:00,Pendopo",
        "2,32.15,2023-11-07 09:00,2023-11-20 09:00,Karawang",
        "3,32.16,2023-11-20 09:00,2023-11-26 09:00,Plaza",
        "4,32.75,2023-11-26 09:00,2023-11-27 09:00,Kota",
        "5,RI,2023-11-28 09:00,,KPU RI",
    ]
    url = f"/manage/routes/{route_id}/import"
    data = {
        "csrf_token": csrf_token(client, url),
        "file": (io.BytesIO((ROUTE_CSV + "\n".join(rows)).encode()), "r.csv"),
    }
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Kabupaten Bekasi" in response.get_data(as_text=True)
    assert stop("32.16").receives_at == at("2023-11-13 09:00")
    assert nothing_outside()


@pytest.mark.parametrize(
    "rows",
    [
        ["1,32.01,0001-01-01 00:00,0001-01-02 00:00,x"],
        ["1,32.01,2023-01-01 00:00,9999-12-31 23:59-05:00,x"],
        ["\u00b2,32.01,2023-01-01 00:00,2023-01-02 00:00,x"],
    ],
)
def test_odd_import_rows_are_refused_not_a_500(client, admin, rows):
    route_id = route().id
    url = f"/manage/routes/{route_id}/import"
    data = {
        "csrf_token": csrf_token(client, url),
        "file": (io.BytesIO((ROUTE_CSV + "\n".join(rows)).encode()), "r.csv"),
    }
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 422


def test_far_off_stop_dates_are_refused(client, admin):
    route_id = route().id
    url = f"/manage/routes/{route_id}/stops/new"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "region_code": "32.01",
            "receives_date": "0001-01-01",
            "receives_time": "00:00",
            "hands_over_date": "0001-01-01",
            "hands_over_time": "23:00",
            "position": "1",
        },
    )
    assert response.status_code == 422
    assert client.get(f"{url}?position=\u00b2").status_code == 200


def test_the_stop_page_warns_of_events_outside_the_stop(client, admin):
    event = db.session.execute(
        db.select(Event).where(Event.title == "Pawai Kirab Pemilu Dapil 7")
    ).scalar_one()
    event.stop.hands_over_at = at("2023-11-18 09:00")  # as an older version could leave it
    db.session.commit()
    page = client.get(f"/manage/stops/{event.stop_id}/events").get_data(as_text=True)
    assert "di luar masa persinggahan" in page
