"""Forms that create something do so once per submission key; identical events are warned of."""

from __future__ import annotations

import re

import pytest

from kirab.database import db
from kirab.events.models import Event
from kirab.submissions import Submission
from tests.conftest import csrf_token, login
from tests.factories import make_user
from tests.test_events_views import bekasi_stop, event_count, form_data

KEY = "k" * 32


@pytest.fixture
def organizer(client, west_java):
    """A client logged in as an organizer of Kabupaten Bekasi."""
    user = make_user("organizer", regions=["32.16"])
    db.session.commit()
    login(client, user)
    return user


def parades_of(stop_id: int) -> int:
    """How many live parades the stop has."""
    return len(
        db.session.execute(
            db.select(Event.id).where(
                Event.stop_id == stop_id, Event.kind == "parade", Event.deleted_at.is_(None)
            )
        ).all()
    )


def without_parades(stop) -> None:
    """Start from a stop without parades."""
    for old in db.session.execute(
        db.select(Event).where(Event.stop_id == stop.id, Event.kind == "parade")
    ).scalars():
        db.session.delete(old)
    db.session.commit()


def programme_data(client, path: str, **changes) -> dict:
    """A valid programme form for every dapil of the stop."""
    page = client.get(path).get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(client, path),
        "kind": "parade",
        "title": "Pawai Kirab Pemilu",
        "dapil_ids": re.findall(r'name="dapil_ids" type="checkbox" value="(\d+)"', page),
        "first_day": "2",
        "last_day": "6",
        "start": "08:00",
        "duration_hours": "3",
        "pause_hours": "2",
        "confirm": "1",
        "idempotency_key": KEY,
    }
    data.update(changes)
    return data


def test_the_forms_that_create_carry_a_key_and_the_edit_form_none(client, organizer):
    stop = bekasi_stop()
    for path in (f"/manage/stops/{stop.id}/events/new", f"/manage/stops/{stop.id}/programme"):
        page = client.get(path).get_data(as_text=True)
        assert re.search(r'name="idempotency_key" value="[A-Za-z0-9_-]{16,}"', page), path
    event = db.session.execute(db.select(Event).where(Event.stop_id == stop.id)).scalars().first()
    assert 'name="idempotency_key"' not in client.get(f"/manage/events/{event.id}/edit").text


def test_a_double_posted_programme_makes_one_set(client, organizer):
    stop = bekasi_stop()
    without_parades(stop)
    path = f"/manage/stops/{stop.id}/programme"
    data = programme_data(client, path)
    first = client.post(path, data=data)
    assert first.status_code == 302
    again = client.post(path, data=data)
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert parades_of(stop.id) == 7
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Formulir ini sudah pernah dikirim" in page
    assert "adalah kegiatan yang sama" not in page


def test_the_same_programme_sent_anew_is_warned_of(client, organizer):
    stop = bekasi_stop()
    without_parades(stop)
    path = f"/manage/stops/{stop.id}/programme"
    assert client.post(path, data=programme_data(client, path)).status_code == 302
    second = client.post(path, data=programme_data(client, path, idempotency_key="m" * 32))
    assert parades_of(stop.id) == 14
    assert second.status_code == 302  # allowed, a planner may mean it, but warned of
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "adalah kegiatan yang sama: jenis, dapil, dan waktunya sama" in page


def test_a_double_posted_new_event_makes_one_event_and_identical_ones_are_warned(client, organizer):
    stop = bekasi_stop()
    path = f"/manage/stops/{stop.id}/events/new"
    data = {**form_data(), "csrf_token": csrf_token(client, path), "idempotency_key": KEY}
    before = event_count()
    first = client.post(path, data=data)
    again = client.post(path, data=data)
    assert first.status_code == again.status_code == 302
    assert event_count() == before + 1
    assert db.session.get(Submission, KEY).kind == "event.new"
    twin = client.post(path, data={**data, "idempotency_key": "t" * 32})
    assert event_count() == before + 2
    page = client.get(twin.headers["Location"]).get_data(as_text=True)
    assert (
        "Sosialisasi pemilih pemula dan Sosialisasi pemilih pemula adalah kegiatan yang sama"
        in (page)
    )
    # The stop's page keeps warning of them.
    assert "adalah kegiatan yang sama" in client.get(f"/manage/stops/{stop.id}/events").text


def test_a_refused_post_keeps_its_key_free_for_the_corrected_one(client, organizer):
    stop = bekasi_stop()
    path = f"/manage/stops/{stop.id}/events/new"
    data = {**form_data(), "csrf_token": csrf_token(client, path), "idempotency_key": KEY}
    before = event_count()
    # Outside the stop: refused by the service, nothing kept, not even the key.
    refused = client.post(path, data={**data, "starts_at": "2023-12-30T10:00",
                                      "ends_at": "2023-12-30T11:00"})  # fmt: skip
    assert refused.status_code == 422
    assert db.session.get(Submission, KEY) is None
    assert client.post(path, data=data).status_code == 302
    assert event_count() == before + 1


@pytest.mark.parametrize("key", ["<script>alert(1)</script>", "k" * 65, "short", "a b" * 10])
def test_a_damaged_key_is_refused_with_a_message(client, organizer, key):
    stop = bekasi_stop()
    path = f"/manage/stops/{stop.id}/events/new"
    before = event_count()
    response = client.post(
        path, data={**form_data(), "csrf_token": csrf_token(client, path), "idempotency_key": key}
    )
    assert response.status_code == 422
    assert "Formulir rusak dalam perjalanan" in response.text
    assert "<script>alert(1)</script>" not in response.text
    assert event_count() == before


def test_another_persons_key_creates_nothing_and_tells_nothing(app, client, organizer):
    stop = bekasi_stop()
    path = f"/manage/stops/{stop.id}/events/new"
    data = {**form_data(), "csrf_token": csrf_token(client, path), "idempotency_key": KEY}
    assert client.post(path, data=data).status_code == 302
    before = event_count()
    other = make_user("organizer", regions=["32.16"])
    db.session.commit()
    second = app.test_client()
    login(second, other)
    response = second.post(
        path, data={**data, "csrf_token": csrf_token(second, path), "title": "Lain"}
    )
    assert response.status_code == 422
    assert event_count() == before
    # A key of the new-event form is no key of the programme either.
    programme = f"/manage/stops/{stop.id}/programme"
    response = client.post(programme, data=programme_data(client, programme))
    assert response.status_code == 422
    assert event_count() == before


def test_a_key_opens_no_door(app, client, west_java):
    stop = bekasi_stop()
    outsider = make_user("organizer", regions=["32.15"])
    db.session.commit()
    login(client, outsider)
    path = f"/manage/stops/{stop.id}/events/new"
    data = {**form_data(), "csrf_token": csrf_token(client, "/account/password"),
            "idempotency_key": KEY}  # fmt: skip
    assert client.post(path, data=data).status_code == 403
    assert db.session.get(Submission, KEY) is None


@pytest.fixture
def admin(client, app):
    """A client logged in as an admin."""
    user = make_user("admin")
    db.session.commit()
    login(client, user)
    return user


def twice(client, path: str, data: dict):
    """Post a form twice with one key; both answers."""
    data = {"csrf_token": csrf_token(client, path), "idempotency_key": KEY, **data}
    return client.post(path, data=data), client.post(path, data=data)


def count(model, *conditions) -> int:
    """How many rows of ``model`` match."""
    return len(db.session.execute(db.select(model.id).where(*conditions)).all())


def test_a_double_posted_relay_route_and_stop_are_made_once(client, admin):
    from kirab.relay.models import Relay, Route, Stop

    first, again = twice(client, "/manage/relays", {"name": "Kirab Uji"})
    assert first.status_code == again.status_code == 302
    assert count(Relay, Relay.name == "Kirab Uji") == 1
    relay = db.session.execute(db.select(Relay).where(Relay.name == "Kirab Uji")).scalar_one()
    path = f"/manage/relays/{relay.id}/routes"
    data = {"csrf_token": csrf_token(client, "/manage/relays"), "idempotency_key": "r" * 32,
            "name": "Jalur Uji"}  # fmt: skip
    first, again = client.post(path, data=data), client.post(path, data=data)
    assert first.headers["Location"] == again.headers["Location"]
    assert count(Route, Route.relay_id == relay.id) == 1
    route = db.session.execute(db.select(Route).where(Route.relay_id == relay.id)).scalar_one()
    path = f"/manage/routes/{route.id}/stops/new"
    data = {"csrf_token": csrf_token(client, path), "idempotency_key": "s" * 32,
            "region_code": "53", "position": "1", "receives_date": "2023-04-20",
            "receives_time": "09:00", "hands_over_date": "", "hands_over_time": "",
            "venue": "Kantor KPU NTT"}  # fmt: skip
    first, again = client.post(path, data=data), client.post(path, data=data)
    assert first.status_code == again.status_code == 302
    assert count(Stop, Stop.route_id == route.id) == 1
    assert "Formulir ini sudah pernah dikirim" in client.get(again.headers["Location"]).text


def test_a_double_posted_new_user_is_made_once_and_the_password_shown_once(client, admin):
    from kirab.auth.models import User

    first, again = twice(client, "/manage/users/new", {
        "email": "dua@kirab.example", "name": "Dua Kali", "role": "observer",
        "regions": "", "party": "", "password": ""})  # fmt: skip
    assert first.status_code == 200 and "<code>" in first.text
    assert again.status_code == 302 and "<code>" not in again.text
    assert count(User, User.email == "dua@kirab.example") == 1
    user = db.session.execute(db.select(User).where(User.email == "dua@kirab.example")).scalar_one()
    assert again.headers["Location"].endswith(f"/manage/users/{user.id}")


def test_the_forms_that_create_relays_routes_stops_and_users_carry_a_key(client, admin):
    from kirab.relay.models import Relay

    route = make_route_for_keys()
    for path in ("/manage/relays", f"/manage/routes/{route.id}/stops/new", "/manage/users/new"):
        page = client.get(path).text
        assert re.search(r'name="idempotency_key" value="[A-Za-z0-9_-]{16,}"', page), path
    # The relays page has two creating forms (a route per relay, a new relay): a key in each.
    assert client.get("/manage/relays").text.count('name="idempotency_key"') == 2
    assert db.session.get(Relay, route.relay_id) is not None


def make_route_for_keys():
    """A one-stop route to insert stops into."""
    from tests.factories import at, make_route

    route = make_route([("73.71", at("2023-05-01 09:00", "Asia/Makassar"), None)])
    db.session.commit()
    return route


def test_a_double_posted_guest_file_and_feed_reset_are_made_once(app, client, west_java):
    from io import BytesIO

    from kirab.attendance.models import ExpectedGuest
    from kirab.feeds.models import FeedToken
    from kirab.relay.models import Handover, HandoverFile
    from tests.factories import image_bytes

    app.config["FIXED_NOW"] = west_java.stops[-1].receives_at
    login(client, make_user("organizer", regions=["32.16"]))
    db.session.commit()
    event = db.session.execute(db.select(Event).where(Event.stop_id == bekasi_stop().id)).scalars()
    event = next(iter(event))
    page = f"/events/{event.id}/attendance"
    guest = {"name": "Pj Bupati Bekasi", "category": "government", "party": "",
             "organisation": ""}  # fmt: skip
    first, again = twice(client, f"/events/{event.id}/attendance/guests", guest)
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert count(ExpectedGuest, ExpectedGuest.event_id == event.id) == 1
    assert "Formulir ini sudah pernah dikirim" in client.get(page).text

    handover = db.session.execute(
        db.select(Handover).where(Handover.to_stop_id == bekasi_stop().id)
    ).scalar_one()
    url = f"/manage/handovers/{handover.id}"
    data = {"csrf_token": csrf_token(client, url), "kind": "photo", "idempotency_key": "f" * 32}
    for _time in range(2):
        posted = {**data, "file": (BytesIO(image_bytes("PNG")), "foto.png")}
        assert client.post(f"{url}/files", data=posted).status_code == 302
    assert count(HandoverFile, HandoverFile.handover_id == handover.id) == 1

    first, again = twice(client, "/account/calendar", {"idempotency_key": "e" * 32})
    assert first.status_code == 200 and "/calendar/" in first.text
    assert again.status_code == 302  # the address just shown stays the one that works
    token = re.search(r"/calendar/([A-Za-z0-9_-]+)\.ics", first.text)[1]
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    assert len(db.session.execute(db.select(FeedToken)).all()) == 1


def test_a_double_pressed_duplicate_button_makes_one_copy(client, organizer):
    stop = bekasi_stop()
    event = db.session.execute(db.select(Event).where(Event.stop_id == stop.id)).scalars().first()
    page = client.get(f"/manage/stops/{stop.id}/events").text
    assert 'name="idempotency_key"' in page
    before = event_count()
    data = {"csrf_token": csrf_token(client, f"/manage/stops/{stop.id}/events"),
            "idempotency_key": KEY}  # fmt: skip
    for _time in range(2):
        assert client.post(f"/manage/events/{event.id}/duplicate", data=data).status_code == 302
    assert event_count() == before + 1
    other = client.post(
        f"/manage/events/{event.id}/duplicate", data={**data, "idempotency_key": "<x>"}
    )
    assert other.status_code == 302 and event_count() == before + 1
    assert "Formulir rusak" in client.get(f"/manage/stops/{stop.id}/events").text
