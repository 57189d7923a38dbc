"""Several relays: the public pages show the one asked for, or the one of the moment."""

from __future__ import annotations

import pytest

from kirab.database import db
from kirab.relay.models import Relay
from kirab.relay.services import default_relay, relay_spans
from tests.factories import at, make_event, make_route


@pytest.fixture
def two_relays(app):
    """An older relay (Jalur Lama, Bekasi, November 2023) and a newer one imported later.

    The newer one (Jalur Baru, Makassar) runs in February 2024.
    """
    older = make_route(
        [("32.16", at("2023-11-13 09:00"), at("2023-11-19 09:00"))],
        relay=Relay(name="Kirab Lama"),
        name="Jalur Lama",
    )
    newer = make_route(
        [
            (
                "73.71",
                at("2024-02-01 09:00", "Asia/Makassar"),
                at("2024-02-05 09:00", "Asia/Makassar"),
            )
        ],
        relay=Relay(name="Kirab Baru"),
        name="Jalur Baru",
    )
    make_event(older.stops[0], title="Pawai Lama", kind="parade")
    make_event(newer.stops[0], title="Pawai Baru", kind="parade")
    db.session.commit()
    return older, newer


def select_of(page: str, name: str) -> str:
    """The options of the agenda's select named ``name``."""
    return page.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]


@pytest.mark.parametrize("path", ["/", "/route"])
def test_a_page_asked_for_the_older_relay_shows_it(client, two_relays, path):
    older, newer = two_relays
    page = client.get(path, query_string={"relay": older.relay_id}).get_data(as_text=True)
    assert "Jalur Lama" in page and "Jalur Baru" not in page
    # Every relay is offered, and the moment form keeps the relay chosen.
    assert f"relay={newer.relay_id}" in page and "Kirab Baru" in page
    assert f'name="relay" value="{older.relay_id}"' in page
    page = client.get(path, query_string={"relay": newer.relay_id}).get_data(as_text=True)
    assert "Jalur Baru" in page and "Jalur Lama" not in page


@pytest.mark.parametrize(
    ("now", "shown"),
    [
        ("2023-11-15 10:00", "Jalur Lama"),  # the older one is under way
        ("2023-10-01 10:00", "Jalur Lama"),  # before both: the next to start
        ("2023-12-20 10:00", "Jalur Baru"),  # between them: the next to start
        ("2024-03-01 10:00", "Jalur Baru"),  # after both: the one that ended last
    ],
)
@pytest.mark.parametrize("path", ["/", "/route"])
def test_without_a_relay_the_pages_show_the_relay_of_the_moment(
    app, client, two_relays, now, shown, path
):
    app.config["FIXED_NOW"] = at(now)
    page = client.get(path).get_data(as_text=True)
    other = {"Jalur Lama", "Jalur Baru"} - {shown}
    assert shown in page and other.pop() not in page


def test_the_relay_of_the_moment_follows_the_moment_asked_for(client, two_relays):
    page = client.get("/route", query_string={"at": "2024-02-02T10:00"}).get_data(as_text=True)
    assert "Jalur Baru" in page and "Jalur Lama" not in page
    page = client.get("/route", query_string={"at": "2023-11-14T10:00"}).get_data(as_text=True)
    assert "Jalur Lama" in page


def test_the_default_rules_on_their_own(app, two_relays):
    older, newer = two_relays
    spans = relay_spans()
    assert default_relay(spans, at("2023-11-19 09:00")).id == older.relay_id  # its last moment
    assert default_relay(spans, at("2024-02-05 09:00", "Asia/Makassar")).id == newer.relay_id
    assert default_relay([], at("2023-11-15 10:00")) is None
    empty = Relay(name="Kirab Kosong")
    db.session.add(empty)
    db.session.flush()
    # A relay without stops is never preferred over one with dates.
    assert default_relay(relay_spans(), at("2030-01-01 10:00")).id == newer.relay_id


def test_the_api_defaults_to_the_relay_of_the_moment_too(app, client, two_relays):
    older, newer = two_relays
    app.config["FIXED_NOW"] = at("2023-11-15 10:00")
    assert client.get("/api/v1/relay/status").json["relay"]["id"] == older.relay_id
    assert client.get(f"/api/v1/relay/status?relay={newer.relay_id}").json["relay"]["id"] == (
        newer.relay_id
    )


@pytest.mark.parametrize("path", ["/", "/route"])
@pytest.mark.parametrize(
    ("value", "status"),
    [("999999", 404), ("abc", 400), ("<b>1</b>", 400), ("9" * 500, 400), ("-1", 400)],
)
def test_an_unknown_or_malformed_relay_is_refused_with_a_message(
    client, two_relays, path, value, status
):
    response = client.get(path, query_string={"relay": value}, headers={"Accept-Language": "id"})
    assert response.status_code == status
    body = response.get_data(as_text=True)
    assert "<b>1</b>" not in body
    expected = (
        "Tidak ada kirab dengan nomor itu."
        if status == 404
        else "Kirab harus berupa bilangan bulat."
    )
    assert expected in body


def test_a_repeated_relay_is_refused(client, two_relays):
    older, newer = two_relays
    response = client.get(f"/route?relay={older.relay_id}&relay={newer.relay_id}")
    assert response.status_code == 400


def test_the_relay_is_part_of_the_stored_pages_key(client, two_relays):
    older, newer = two_relays
    first = client.get(f"/route?relay={older.relay_id}")
    second = client.get(f"/route?relay={newer.relay_id}")
    assert first.headers["ETag"] != second.headers["ETag"]
    assert "Jalur Lama" in client.get(f"/route?relay={older.relay_id}").get_data(as_text=True)


def test_the_agendas_choices_follow_the_chosen_relay(app, client, two_relays):
    older, newer = two_relays
    app.config["FIXED_NOW"] = at("2024-02-02 10:00")
    page = client.get(f"/agenda?relay={older.relay_id}").get_data(as_text=True)
    routes, regions = select_of(page, "route"), select_of(page, "region")
    assert f'<option value="{older.id}"' in routes and f'<option value="{newer.id}"' not in routes
    assert '<option value="32.16"' in regions and '<option value="73.71"' not in regions
    assert f'<option value="{older.relay_id}" selected' in select_of(page, "relay")
    assert "Pawai Lama" in page and "Pawai Baru" not in page
    # A route filter chooses its relay too; without either, the relay of the moment.
    regions = select_of(client.get(f"/agenda?route={older.id}").get_data(as_text=True), "region")
    assert '<option value="32.16"' in regions and '<option value="73.71"' not in regions
    page = client.get("/agenda").get_data(as_text=True)
    regions = select_of(page, "region")
    assert '<option value="73.71"' in regions and '<option value="32.16"' not in regions
    assert "Pawai Lama" in page and "Pawai Baru" in page  # no filter: every relay's events


@pytest.mark.parametrize("which", [0, 1])
def test_route_filters_work_for_every_relay(client, two_relays, which):
    route = two_relays[which]
    title = ("Pawai Lama", "Pawai Baru")[which]
    other = ("Pawai Lama", "Pawai Baru")[1 - which]
    for url in (f"/agenda?route={route.id}", f"/agenda?relay={route.relay_id}&route={route.id}"):
        page = client.get(url).get_data(as_text=True)
        assert title in page and other not in page, url
        assert f'<option value="{route.id}" selected' in select_of(page, "route")
    body = client.get(f"/api/v1/events?relay={route.relay_id}").json
    assert [event["title"] for event in body["events"]] == [title]


@pytest.mark.parametrize("url", ["/agenda", "/api/v1/events", "/calendar.ics"])
def test_the_agenda_refuses_an_unknown_relay_or_a_route_of_another_relay(client, two_relays, url):
    older, newer = two_relays
    for query in (
        {"relay": "999999"},
        {"relay": "<script>"},
        {"relay": "1" * 300},
        {"relay": str(older.relay_id), "route": str(newer.id)},
    ):
        response = client.get(url, query_string=query, headers={"Accept-Language": "id"})
        assert response.status_code == 400, query
        if response.mimetype == "text/html":  # JSON carries the text as data, pages escape it
            assert "<script>" not in response.get_data(as_text=True)
