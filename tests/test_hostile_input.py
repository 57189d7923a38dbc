"""Odd and hostile query strings get a clear 4xx, never a 500."""

import re

import pytest

from kirab.database import db
from kirab.events.models import Event
from kirab.extensions import limiter
from kirab.urls import safe_next
from tests.conftest import TEST_PASSWORD, csrf_token, extra_app, login
from tests.factories import at, handover_into, make_event, make_route, make_user, stop_of

NINES = "9" * 5000


@pytest.mark.parametrize(
    "url",
    [
        "/agenda?page=²", "/agenda?per_page=²", "/agenda?route=²", f"/agenda?page={NINES}",
        f"/agenda?per_page={NINES}", "/api/v1/events?page=²", f"/api/v1/events?route={NINES}",
        "/api/v1/relay/status?relay=²", "/api/v1/relay/status?route=٣",
        "/agenda?dapil=32.16-٣", "/agenda?region=\uff13\uff12", "/agenda?to=9999-12-31",
        "/agenda?from=0001-01-01", "/api/v1/events?from=1999-12-31",
        "/?at=9999-12-31T23:59-12:00", "/route?at=0001-01-01T00:00%2B14:00",
        "/api/v1/relay/status?at=9999-12-31T23:59:59%2B00:00",
    ],
)  # fmt: skip
def test_bad_numbers_and_dates_are_400(client, west_java, url):
    response = client.get(url)
    assert response.status_code == 400, url


@pytest.mark.parametrize(
    "url", ["/agenda?per_page=1&endpoint=x", "/api/v1/events?per_page=1&_anchor=x&_external=1"]
)
def test_reserved_names_in_the_query_are_ignored(client, west_java, url):
    response = client.get(url)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "endpoint=x" not in body and "_anchor" not in body


def test_audit_page_rejects_bad_pages(client, app):
    login(client, make_user("observer"))
    db.session.commit()
    assert client.get("/manage/audit?page=²").status_code == 400
    assert client.get("/manage/audit?page=2").status_code == 200


def test_an_unencoded_plus_in_the_offset_is_read(client, west_java):
    response = client.get("/api/v1/relay/status?at=2023-11-15T12:00:00+07:00")
    assert response.status_code == 200
    assert response.json["at"] == "2023-11-15T12:00:00+07:00"


def test_days_stay_in_order_across_zones(client, app):
    """A WIT event early on 3 January starts before a WIB event late on 2 January."""
    wib = make_route([("32.16", at("2024-01-01 09:00"), None)])
    wit = make_route([("91.71", at("2024-01-01 09:00", "Asia/Jayapura"), None)])
    make_event(
        wit.stops[0], title="Pagi di Jayapura", starts_at=at("2024-01-03 01:00", "Asia/Jayapura")
    )
    make_event(wib.stops[0], title="Malam di Bekasi", starts_at=at("2024-01-02 23:30"))
    make_event(
        wit.stops[0], title="Siang di Jayapura", starts_at=at("2024-01-03 12:00", "Asia/Jayapura")
    )
    db.session.commit()
    page = client.get("/agenda").get_data(as_text=True)
    assert page.count("Rabu, 3 Januari 2024") == 1
    assert page.index("Selasa, 2 Januari 2024") < page.index("Rabu, 3 Januari 2024")
    assert page.index("Malam di Bekasi") < page.index("Pagi di Jayapura")


def test_the_language_switch_works_from_an_english_url(client, app):
    data = {"lang": "id", "next": "/agenda?region=32.16", "csrf_token": csrf_token(client)}
    response = client.post("/language", data=data)
    assert response.location == "/agenda?region=32.16"
    page = client.get("/agenda?region=32.16&lang=en").get_data(as_text=True)
    assert 'name="next" value="/agenda?region=32.16"' in page


def test_a_dapil_matches_events_serving_its_kecamatan(client, west_java):
    from kirab.regions.models import Region

    stop = db.session.execute(db.select(Event).where(Event.kind == "campus")).scalars().first().stop
    event = make_event(stop, title="Sosialisasi Tambun")
    event.districts = [db.session.get(Region, "32.16.06")]
    db.session.commit()
    titles = [e["title"] for e in client.get("/api/v1/events?dapil=32.16-3").json["events"]]
    assert sorted(titles) == ["Pawai Kirab Pemilu Dapil 3", "Sosialisasi Tambun"]


def test_security_headers(client, app):
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" not in response.headers.get("Cache-Control", "")
    login(client, make_user("observer"))
    db.session.commit()
    assert client.get("/manage").headers["Cache-Control"] == "private, no-store"


def test_behind_a_proxy_each_client_is_limited_on_its_own(migrated):
    with extra_app(migrated, PROXY_COUNT=1, LOGIN_LIMIT="2 per minute") as proxied:
        client = proxied.test_client()
        limiter.reset()

        def attempt(address):
            data = {"email": "x@kirab.example", "password": "x", "csrf_token": csrf_token(client)}
            headers = {"X-Forwarded-For": address}
            return client.post("/login", data=data, headers=headers).status_code

        try:
            assert [attempt("198.51.100.7") for _ in range(3)] == [422, 422, 429]
            assert attempt("198.51.100.8") == 422
        finally:
            limiter.reset()


def test_wtforms_messages_are_translated(client, app):
    login(client, make_user("admin"))
    db.session.commit()
    response = client.post("/manage/users/new", data={
        "csrf_token": csrf_token(client, "/manage/users/new"), "email": "a@kirab.example",
        "role": "emperor"})  # fmt: skip
    assert response.status_code == 422
    assert "Pilihan tidak valid." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url", ["/reports/attendance?page=\u00b2", "/reports/attendance/parties?page=\u00b2"]
)
def test_report_pages_read_odd_page_numbers_as_the_first(client, west_java, url):
    assert client.get(url).status_code == 200


REFUSED_CHARACTERS = "Gunakan huruf, angka dan tanda baca saja."


def nul_cases(route) -> dict[str, tuple[str, dict]]:
    """For each form named in the issue: where it is sent and a field holding a NUL."""
    stop = stop_of(route, "32.16")
    event = db.session.execute(db.select(Event).where(Event.stop_id == stop.id)).scalars().first()
    return {
        "event": (f"/manage/events/{event.id}/edit", {"title": "Pawai\x00"}),
        "stop": (f"/manage/stops/{stop.id}", {"venue": "Aula\x00", "notes": "a\r\nb"}),
        "handover": (f"/manage/handovers/{handover_into(stop).id}", {"giving_name": "\x00"}),
        "user": ("/manage/users/new", {"email": "nul\x00@kirab.example", "role": "observer"}),
        "relay": ("/manage/relays", {"name": "Kirab\x00"}),
        "login": ("/login", {"email": "admin\x00@kirab.example", "password": "x"}),
    }


@pytest.mark.parametrize("form", ["event", "stop", "handover", "user", "relay", "login"])
def test_a_nul_in_a_text_field_is_refused_on_the_field(client, west_java, form):
    admin = make_user("admin")
    path, data = nul_cases(west_java)[form]
    if form != "login":
        login(client, admin)
    response = client.post(path, data={**data, "csrf_token": csrf_token(client, path)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    field = next(name for name, value in data.items() if "\x00" in value)
    assert re.search(rf'<p class="error" id="{field}-error">{REFUSED_CHARACTERS}</p>', page)


def test_a_control_character_in_a_hidden_field_is_told_on_the_form(client, app):
    user = make_user("observer")
    data = {"email": user.email, "password": TEST_PASSWORD, "next": "/agenda\r\nSet-Cookie: a=b"}
    response = client.post("/login", data={**data, "csrf_token": csrf_token(client)})
    assert response.status_code == 422
    assert f'<div class="form-errors" role="alert">\n  <p>{REFUSED_CHARACTERS}</p>' in (
        response.get_data(as_text=True)
    )
    assert client.get("/manage").status_code == 302  # not logged in


@pytest.mark.parametrize(
    "url",
    ["/agenda?region=32%00", "/agenda?kind=parade&q%00=1", "/api/v1/events?from=%1b[2J",
     "/?at=2023-11-15T12:00%0d%0a", "/calendar/abc%00def.ics", "/login?next=/agenda%0d%0aX:%20y"],
)  # fmt: skip
def test_control_characters_in_the_address_are_400(client, app, url):
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response.json["error"]["message"] == (
            "Gunakan huruf, angka dan tanda baca saja di from."
        )


@pytest.mark.parametrize(
    "target",
    ["/agenda\r\nSet-Cookie: a=b", "/agenda\x00", "/\t/evil.example", "/\\evil.example",
     "/\x7f", "//[x", "http://[", " /agenda"],
)  # fmt: skip
def test_a_return_address_with_odd_characters_leads_home(app, target):
    with app.test_request_context():
        assert safe_next(target) == "/"
        assert safe_next("/agenda?region=32.16") == "/agenda?region=32.16"


def test_the_language_switch_never_sends_a_line_break_on(client, app):
    data = {"lang": "en", "next": "/agenda\r\nSet-Cookie: a=b", "csrf_token": csrf_token(client)}
    response = client.post("/language", data=data)
    assert response.status_code == 302
    assert response.location == "/"
