"""The committee's dashboard shows the relay asked for, or the one of the moment, and offers all."""

# ruff: noqa: F811 (the tests take the fixture imported from the relay choice tests)

from __future__ import annotations

import pytest

from kirab.database import db
from tests.conftest import login
from tests.factories import at, make_user
from tests.test_relay_choice import two_relays  # noqa: F401


@pytest.fixture
def admin(client, app):
    user = make_user("admin")
    db.session.commit()
    login(client, user)
    return user


def dashboard(client, **query) -> str:
    response = client.get("/manage", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_dashboard_shows_the_relay_asked_for_and_offers_every_relay(client, two_relays, admin):
    older, newer = two_relays
    page = dashboard(client, relay=older.relay_id, lang="en")
    assert "Kirab Lama now" in page and "Jalur Lama" in page and "Jalur Baru" not in page
    assert f'href="/manage?relay={newer.relay_id}"' in page and "Kirab Baru" in page
    assert f'href="/relays/{older.relay_id}/attendance.csv"' in page
    page = dashboard(client, relay=newer.relay_id, lang="en")
    assert "Kirab Baru now" in page and "Jalur Baru" in page and "Jalur Lama" not in page
    assert f'href="/relays/{newer.relay_id}/attendance.csv"' in page
    assert f'href="/manage?relay={older.relay_id}"' in page


@pytest.mark.parametrize(
    ("now", "shown"),
    [
        ("2023-11-15 10:00", "Jalur Lama"),  # the older one is under way, though created first
        ("2023-10-01 10:00", "Jalur Lama"),  # before both: the next to start
        ("2023-12-20 10:00", "Jalur Baru"),  # between them: the next to start
        ("2024-03-01 10:00", "Jalur Baru"),  # after both: the one that ended last
    ],
)
def test_without_a_relay_the_dashboard_shows_the_relay_of_the_moment(
    app, client, two_relays, admin, now, shown
):
    app.config["FIXED_NOW"] = at(now)
    page = dashboard(client)
    other = ({"Jalur Lama", "Jalur Baru"} - {shown}).pop()
    assert shown in page and other not in page
    # The same relay as the home page shows then.
    home = client.get("/").get_data(as_text=True)
    assert shown in home and other not in home


@pytest.mark.parametrize(
    ("value", "status", "message"),
    [
        ("999999", 404, "Tidak ada kirab dengan nomor itu."),
        ("abc", 400, "Kirab harus berupa bilangan bulat."),
        ("<b>1</b>", 400, "Kirab harus berupa bilangan bulat."),
        ("9" * 500, 400, "Kirab harus berupa bilangan bulat."),
        ("-1", 400, "Kirab harus berupa bilangan bulat."),
    ],
)
def test_an_unknown_or_malformed_relay_is_refused_with_a_message(
    client, two_relays, admin, value, status, message
):
    response = client.get("/manage", query_string={"relay": value})
    assert response.status_code == status
    body = response.get_data(as_text=True)
    assert message in body and "<b>1</b>" not in body


def test_a_repeated_relay_is_refused(client, two_relays, admin):
    older, newer = two_relays
    response = client.get(f"/manage?relay={older.relay_id}&relay={newer.relay_id}")
    assert response.status_code == 400


def test_an_organizer_sees_the_stops_of_their_regions_in_the_relay_chosen(client, two_relays):
    older, newer = two_relays
    login(client, make_user("organizer", regions=["73"]))
    db.session.commit()
    page = dashboard(client, relay=newer.relay_id, lang="en")
    assert f'href="/manage/stops/{newer.stops[0].id}/events">KPU Kota Makassar' in page
    page = dashboard(client, relay=older.relay_id, lang="en")
    assert "/manage/stops/" not in page and "There are no stops in your regions yet." in page


def test_no_relay_at_all_still_answers(client, admin):
    page = dashboard(client, lang="en")
    assert "No relay has been planned yet." in page
