"""A handover recorded late keeps its ceremony editable; other events outside are warned of."""

from __future__ import annotations

import pytest

from kirab.database import db
from kirab.errors import DomainError
from kirab.events.advisories import ceremony_window, events_outside_stop, is_outside_stop
from kirab.events.models import Event
from kirab.events.scheduling import EventData, update_event
from kirab.relay.models import Route
from tests.conftest import login, opened_form
from tests.factories import at, handover_into, make_event, make_user, stop_of
from tests.test_stale_edits import opened

CEREMONY = "Serah terima bendera dari KPU Kabupaten Bekasi"


@pytest.fixture
def late(app, client, west_java):
    """Kota Bekasi's handover, planned at 09:00 on 19 November, recorded at 09:30.

    A welcome at Kota Bekasi from 09:00 to 09:20 lies before the flags came.
    """
    app.config["FIXED_NOW"] = at("2023-12-01 12:00")
    admin = make_user("admin")
    kota = stop_of(west_java, "32.75")
    welcome = make_event(kota, title="Sambutan Wali Kota", starts_at=at("2023-11-19 09:00"),
                         hours=1 / 3)  # fmt: skip
    db.session.commit()
    login(client, admin)
    url = f"/manage/handovers/{handover_into(kota).id}"
    fields = {**opened_form(client, url), "actual_date": "2023-11-19", "actual_time": "09:30"}
    response = client.post(url, data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    db.session.expire_all()
    return admin, welcome.id


def event_titled(title: str) -> Event:
    """The event of that title, as the database has it now."""
    db.session.expire_all()
    return db.session.execute(db.select(Event).where(Event.title == title)).scalar_one()


def kota():
    """Kota Bekasi's stop, read afresh."""
    db.session.expire_all()
    route = db.session.execute(db.select(Route).where(Route.name == "Jalur VII")).scalar_one()
    return stop_of(route, "32.75")


def test_a_late_handover_is_recorded_and_moves_the_stop(late):
    assert kota().receives_at == at("2023-11-19 09:30")
    ceremony = event_titled(CEREMONY)
    # The ceremony starts before the flags came, but belongs to the handover.
    assert ceremony.starts_at < kota().receives_at
    assert ceremony_window(kota())[0] == at("2023-11-19 09:00")
    assert not is_outside_stop(ceremony)
    assert [event.title for event in events_outside_stop(kota())] == ["Sambutan Wali Kota"]


def test_the_ceremony_saved_unchanged_is_saved(client, late):
    ceremony = event_titled(CEREMONY)
    path = f"/manage/events/{ceremony.id}/edit"
    response = client.post(path, data=opened(client, path))
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    # Changed too: a new title, and a time still around the planned handover.
    form = {**opened(client, path), "title": "Serah terima bendera (Kota Bekasi)"}
    assert client.post(path, data=form).status_code == 302
    assert event_titled("Serah terima bendera (Kota Bekasi)").starts_at == at("2023-11-19 09:00")


def test_the_ceremony_still_may_not_leave_its_stop(late):
    ceremony = event_titled(CEREMONY)
    data = EventData.of(ceremony)
    data.starts_at, data.ends_at = at("2023-11-19 08:00"), at("2023-11-19 10:00")
    with pytest.raises(DomainError, match="selama persinggahan"):
        update_event(ceremony, data, actor=late[0], now=at("2023-12-01 12:00"))
    db.session.rollback()


def test_other_events_outside_are_warned_of_on_the_stop_and_event_pages(client, late):
    _admin, welcome_id = late
    stop_page = client.get(f"/manage/stops/{kota().id}/events").get_data(as_text=True)
    assert "di luar masa persinggahan" in stop_page
    assert "Sambutan Wali Kota" in stop_page.split("di luar masa persinggahan")[1][:300]
    assert CEREMONY not in stop_page.split("di luar masa persinggahan")[1][:300]
    event_page = client.get(f"/events/{welcome_id}").get_data(as_text=True)
    assert 'id="outside-stop"' in event_page
    ceremony_page = client.get(f"/events/{event_titled(CEREMONY).id}").get_data(as_text=True)
    assert 'id="outside-stop"' not in ceremony_page


def test_the_warning_is_for_planners_only(app, late):
    _admin, welcome_id = late
    anonymous = app.test_client()
    assert 'id="outside-stop"' not in anonymous.get(f"/events/{welcome_id}").get_data(as_text=True)
    observer = app.test_client()
    login(observer, make_user("observer"))
    db.session.commit()
    assert 'id="outside-stop"' not in observer.get(f"/events/{welcome_id}").get_data(as_text=True)


def test_an_event_outside_can_still_be_saved_but_not_moved_further_out(client, late):
    _admin, welcome_id = late
    path = f"/manage/events/{welcome_id}/edit"
    form = {**opened(client, path), "description": "Sambutan sebelum serah terima."}
    response = client.post(path, data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    assert event_titled("Sambutan Wali Kota").description == "Sambutan sebelum serah terima."
    # Moved, it must lie inside the stop again.
    moved = {"starts_at": "2023-11-19T08:30", "ends_at": "2023-11-19T08:50"}
    assert client.post(path, data={**opened(client, path), **moved}).status_code == 422
    inside = {"starts_at": "2023-11-19T10:00", "ends_at": "2023-11-19T10:20"}
    assert client.post(path, data={**opened(client, path), **inside}).status_code == 302
    welcome = event_titled("Sambutan Wali Kota")
    assert welcome.starts_at == at("2023-11-19 10:00") and not is_outside_stop(welcome)
    assert events_outside_stop(kota()) == []
