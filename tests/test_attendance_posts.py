"""Counting posts: a phone keeps its post, a post's latest tally counts once, every tally is shown.

Also the headcount rows of the event, stop and relay exports.
"""

from __future__ import annotations

import csv
import html
import io
import re

import pytest

from kirab.attendance.counts import kept_totals
from kirab.attendance.headcounts import (
    headcount_totals,
    latest_tallies_of,
    record_headcount,
    tally_history,
)
from kirab.attendance.models import COUNTER_MAX, HeadcountTally
from kirab.attendance.posts import POSTS_KEY
from kirab.attendance.services import attendance_totals, record_attendance
from kirab.database import db
from tests.conftest import login
from tests.factories import at, make_event, make_route, make_user
from tests.test_attendance_http import key, organizer_client, post, world

# The fixtures of the attendance page's tests, used here by name.
FIXTURES = (world, organizer_client)

COUNTER_INPUT = re.compile(r'<input[^>]*name="counter"[^>]*>')


def counter_value(page: str) -> str | None:
    """The value the page's counter field offers (None when it offers none)."""
    found = COUNTER_INPUT.search(page)
    assert found, "no counter field on the page"
    value = re.search(r'value="([^"]*)"', found.group(0))
    return html.unescape(value.group(1)) if value else None


def tally_count() -> int:
    """How many tallies are kept."""
    return db.session.execute(db.select(db.func.count(HeadcountTally.id))).scalar_one()


def send(client, event, counter, count, n, app=None, when=None):
    """Send a tally as the page's form would."""
    if app is not None:
        app.config["FIXED_NOW"] = at(when)
    return post(
        client,
        f"/events/{event.id}/attendance/headcount",
        {"counter": counter, "category": "public", "count": str(count), "idempotency_key": key(n)},
        f"/events/{event.id}/attendance",
    )


def test_two_tallies_of_one_post_count_once_at_the_latest(world, app):
    event, other, _draft, people = world
    organizer = people["organizer"]
    app.config["FIXED_NOW"] = at("2023-11-13 09:30")
    record_headcount(event, counter="Gerbang utara", category="public", count=120,
                     actor=organizer, key=key(1))  # fmt: skip
    app.config["FIXED_NOW"] = at("2023-11-13 09:45")
    # The same post, typed differently: one post.
    record_headcount(event, counter=" gerbang  UTARA ", category="public", count=180,
                     actor=organizer, key=key(2))  # fmt: skip
    record_headcount(other, counter="Gerbang utara", category="public", count=7,
                     actor=organizer, key=key(3))  # fmt: skip
    record_attendance(event, name="Budi Santoso", category="public", actor=organizer, key=key(4))
    db.session.commit()
    assert headcount_totals([event.id]) == {event.id: 180}
    assert [tally.count for tally in latest_tallies_of(event)] == [180]
    assert kept_totals([event.id]) == {event.id: (1, 180)}
    # The event's attendance: the named records and the latest tally of each post.
    assert attendance_totals([event.id, other.id]) == {event.id: 181, other.id: 7}
    (history,) = tally_history(event)
    assert [tally.count for tally in history.tallies] == [180, 120]
    assert history.post == "gerbang UTARA"  # as its latest tally wrote it, spaced cleanly


def test_the_latest_tallies_read_from_the_history_are_those_the_database_picks(world, app):
    event, _other, _draft, people = world
    organizer = people["organizer"]
    sent = [  # post, category, count, time: two posts, two categories, a tie in time
        ("Gerbang utara", "public", 120, "09:30"), ("Gerbang selatan", "public", 40, "09:30"),
        ("gerbang UTARA", "public", 150, "09:45"), ("Gerbang utara", "student", 30, "09:45"),
        ("Gerbang selatan", "public", 55, "09:50"), ("Gerbang selatan", "public", 60, "09:50"),
    ]  # fmt: skip
    for n, (counter, category, count, when) in enumerate(sent, start=1):
        app.config["FIXED_NOW"] = at(f"2023-11-13 {when}")
        record_headcount(event, counter=counter, category=category, count=count,
                         actor=organizer, key=key(n))  # fmt: skip
    db.session.commit()

    def picked(tallies):
        return [(tally.counter_key, tally.category, tally.count) for tally in tallies]

    from_database = latest_tallies_of(event)
    history = tally_history(event)
    from_history = latest_tallies_of(event, history, history_limit=len(sent) + 1)
    assert picked(from_history) == picked(from_database)
    assert sorted(t.count for t in from_database) == [30, 60, 150]
    # A history cut at its limit may miss a post's latest tally: the database is asked.
    cut = tally_history(event, limit=2)
    assert picked(latest_tallies_of(event, cut, history_limit=2)) == picked(from_database)


def test_the_page_offers_the_phone_s_post_again_without_script(organizer_client, world, app):
    event, *_rest, _people = world
    page_path = f"/events/{event.id}/attendance"
    first = organizer_client.get(page_path).get_data(as_text=True)
    # No post yet: the field is empty (never the organizer's name), and no post is claimed.
    assert counter_value(first) in (None, "")
    assert "Ponsel ini menghitung untuk pos" not in first
    assert (
        send(organizer_client, event, "Gerbang utara", 120, 1, app, "2023-11-13 09:30").status_code
        == 302
    )
    page = organizer_client.get(page_path).get_data(as_text=True)
    assert counter_value(page) == "Gerbang utara"
    assert "Ponsel ini menghitung untuk pos: Gerbang utara." in page
    # The counter sends the form as it is offered, with a new number only.
    offered = counter_value(page)
    assert (
        send(organizer_client, event, offered, 180, 2, app, "2023-11-13 09:45").status_code == 302
    )
    page = organizer_client.get(page_path).get_data(as_text=True)
    assert re.search(r'id="total-crowd">180<', page)
    assert kept_totals([event.id]) == {event.id: (0, 180)}
    assert tally_count() == 2


def test_the_post_is_kept_per_event_and_can_be_changed(organizer_client, world, app):
    event, other, *_rest = world
    send(organizer_client, event, "Gerbang utara", 120, 1, app, "2023-11-13 09:30")
    other_page = organizer_client.get(f"/events/{other.id}/attendance").get_data(as_text=True)
    assert counter_value(other_page) in (None, "")
    # Another post, asked for by the link: an empty field, no post claimed.
    changing = organizer_client.get(f"/events/{event.id}/attendance?post=other")
    assert counter_value(changing.get_data(as_text=True)) in (None, "")
    assert "Ponsel ini menghitung untuk pos" not in changing.get_data(as_text=True)
    send(organizer_client, event, "Panggung", 40, 2, app, "2023-11-13 09:40")
    page = organizer_client.get(f"/events/{event.id}/attendance").get_data(as_text=True)
    assert counter_value(page) == "Panggung"
    assert re.search(r'id="total-crowd">160<', page)


def test_another_phone_has_its_own_post(app, world):
    event, *_rest, people = world
    first, second = app.test_client(), app.test_client()
    login(first, people["organizer"])
    login(second, people["organizer"])
    send(first, event, "Gerbang utara", 120, 1, app, "2023-11-13 09:30")
    send(second, event, "Gerbang selatan", 60, 2, app, "2023-11-13 09:31")
    first_page = first.get(f"/events/{event.id}/attendance").get_data(as_text=True)
    second_page = second.get(f"/events/{event.id}/attendance").get_data(as_text=True)
    assert (counter_value(first_page), counter_value(second_page)) == (
        "Gerbang utara",
        "Gerbang selatan",
    )


@pytest.mark.parametrize(
    "counter",
    ["", "   ", "x" * (COUNTER_MAX + 1), "<b>Gerbang</b>", "<script>alert(1)</script>", "!!!"],
)
def test_bad_posts_are_refused_and_not_remembered(organizer_client, world, counter):
    event, *_rest = world
    response = send(organizer_client, event, counter, 10, 1)
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True) or "form-errors" in (
        response.get_data(as_text=True)
    )
    assert tally_count() == 0
    page = organizer_client.get(f"/events/{event.id}/attendance").get_data(as_text=True)
    assert "Ponsel ini menghitung untuk pos" not in page
    assert "<script>alert(1)</script>" not in page


def test_a_post_name_is_shown_as_text(organizer_client, world, app):
    event, *_rest = world
    assert (
        send(organizer_client, event, 'Pos "A" & B', 5, 1, app, "2023-11-13 09:30").status_code
        == 302
    )
    page = organizer_client.get(f"/events/{event.id}/attendance").get_data(as_text=True)
    assert "Ponsel ini menghitung untuk pos: Pos &#34;A&#34; &amp; B." in page or (
        "Ponsel ini menghitung untuk pos: Pos &quot;A&quot; &amp; B." in page
    )
    assert counter_value(page) == 'Pos "A" & B'


@pytest.mark.parametrize("stored", ["garbage", {"1": 5}, ["Gerbang"], {"1": "x" * 500}])
def test_an_odd_session_value_offers_no_post(organizer_client, world, stored):
    event, *_rest = world
    with organizer_client.session_transaction() as session:
        session[POSTS_KEY] = {str(event.id): stored["1"]} if isinstance(stored, dict) else stored
    response = organizer_client.get(f"/events/{event.id}/attendance")
    assert response.status_code == 200
    assert counter_value(response.get_data(as_text=True)) in (None, "")


def test_the_page_shows_each_post_s_history_latest_first(organizer_client, world, app):
    event, *_rest = world
    send(organizer_client, event, "Gerbang utara", 120, 1, app, "2023-11-13 09:30")
    send(organizer_client, event, "Gerbang selatan", 60, 2, app, "2023-11-13 09:35")
    send(organizer_client, event, "Gerbang utara", 180, 3, app, "2023-11-13 09:45")
    page = organizer_client.get(f"/events/{event.id}/attendance").get_data(as_text=True)
    history = page[page.index('id="headcount-history"') :]
    tables = re.findall(r'<table class="tally-history">(.*?)</table>', history, re.S)
    assert len(tables) == 2
    north, south = tables  # the post with the latest tally first
    assert "<caption>Gerbang utara</caption>" in north
    assert re.findall(r"<td>(\d+)</td>", north) == ["180", "120"]
    assert "09.45 WIB" in north and "09.30 WIB" in north
    assert north.count("Panitia Bekasi") == 2
    assert "<caption>Gerbang selatan</caption>" in south and "09.35 WIB" in south


def test_readers_see_the_history_but_no_form(app, world):
    event, *_rest, people = world
    organizer = people["organizer"]
    app.config["FIXED_NOW"] = at("2023-11-13 09:30")
    record_headcount(event, counter="Gerbang utara", category="public", count=120,
                     actor=organizer, key=key(1))  # fmt: skip
    db.session.commit()
    observer = app.test_client()
    login(observer, people["observer"])
    page = observer.get(f"/events/{event.id}/attendance").get_data(as_text=True)
    assert "<caption>Gerbang utara</caption>" in page
    assert 'name="counter"' not in page
    assert observer.post(f"/events/{event.id}/attendance/headcount", data={}).status_code in (
        400,
        403,
    )
    outsider = app.test_client()
    login(outsider, people["outsider"])
    assert outsider.get(f"/events/{event.id}/attendance").status_code == 403


# --- the exports ------------------------------------------------------------------


@pytest.fixture
def counted(app):
    """Two stops with an event each, a person and tallies at both, and an admin."""
    route = make_route([("32.16", at("2023-11-13 09:00"), at("2023-11-19 09:00")),
                        ("51.71", at("2023-11-19 09:00"), None)])  # fmt: skip
    bekasi, denpasar = route.stops
    first = make_event(bekasi, title="Serah terima", starts_at=at("2023-11-13 09:00"))
    second = make_event(denpasar, title="Pawai Denpasar", starts_at=at("2023-11-20 09:00"))
    organizer = make_user("organizer", regions=["32.16"], email="panitia@kirab.example")
    admin = make_user("admin", email="admin@kirab.example")
    db.session.flush()
    app.config["FIXED_NOW"] = at("2023-11-13 09:05")
    record_attendance(first, name="Budi Santoso", category="public", actor=organizer, key=key(1))
    record_headcount(first, counter="=Gerbang utara", category="public", count=120,
                     actor=organizer, key=key(2))  # fmt: skip
    app.config["FIXED_NOW"] = at("2023-11-13 09:45")
    record_headcount(first, counter="Gerbang utara", category="public", count=180,
                     actor=organizer, key=key(3))  # fmt: skip
    app.config["FIXED_NOW"] = at("2023-11-20 10:00")
    record_headcount(second, counter="Lapangan", category="student", count=300, actor=admin,
                     key=key(4))  # fmt: skip
    db.session.commit()
    return route, first, second, organizer, admin


def exported(client, path: str) -> tuple[list[str], list[dict]]:
    """An export's header and rows."""
    response = client.get(path)
    assert response.status_code == 200, path
    text = response.get_data(as_text=True).lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    return header, [dict(zip(header, cells, strict=True)) for cells in reader]


OLD_COLUMNS = ["event_id", "event_title", "region_code", "stop_id", "name", "category",
               "party_number", "party", "party_status", "organisation", "contact", "method",
               "recorded_at_utc", "recorded_at_local", "timezone", "recorded_by"]  # fmt: skip


def test_every_tally_is_in_the_event_export(client, counted):
    _route, first, _second, organizer, _admin = counted
    login(client, organizer)
    header, rows = exported(client, f"/events/{first.id}/attendance.csv")
    # The columns of named records keep their names and order; three are added after them.
    assert header == [*OLD_COLUMNS, "record_type", "post", "count"]
    person, *tallies = rows
    assert (person["record_type"], person["name"], person["post"], person["count"]) == (
        "person", "Budi Santoso", "", "")  # fmt: skip
    assert [(row["record_type"], row["post"], row["count"]) for row in tallies] == [
        ("headcount", "'=Gerbang utara", "120"),  # a formula-like post is defused
        ("headcount", "Gerbang utara", "180"),
    ]
    latest = tallies[1]
    assert (latest["recorded_at_utc"], latest["recorded_at_local"], latest["timezone"]) == (
        "2023-11-13T02:45:00Z", "2023-11-13T09:45:00+07:00", "Asia/Jakarta")  # fmt: skip
    assert (latest["recorded_by"], latest["category"], latest["name"], latest["method"]) == (
        "panitia@kirab.example", "public", "", "")  # fmt: skip


def test_every_tally_is_in_the_stop_and_relay_exports(client, counted):
    route, first, second, organizer, admin = counted
    login(client, organizer)
    _header, stop_rows = exported(client, f"/stops/{route.stops[0].id}/attendance.csv")
    assert [row["record_type"] for row in stop_rows] == ["person", "headcount", "headcount"]
    assert {row["event_id"] for row in stop_rows} == {str(first.id)}
    assert client.get(f"/stops/{route.stops[1].id}/attendance.csv").status_code == 403
    assert client.get(f"/relays/{route.relay_id}/attendance.csv").status_code == 403
    login(client, admin)
    _header, relay_rows = exported(client, f"/relays/{route.relay_id}/attendance.csv")
    tallies = [row for row in relay_rows if row["record_type"] == "headcount"]
    assert [(row["event_id"], row["post"], row["count"]) for row in tallies] == [
        (str(first.id), "'=Gerbang utara", "120"),
        (str(first.id), "Gerbang utara", "180"),
        (str(second.id), "Lapangan", "300"),
    ]
    denpasar = tallies[2]
    assert (denpasar["recorded_at_local"], denpasar["timezone"], denpasar["recorded_by"]) == (
        "2023-11-20T11:00:00+08:00", "Asia/Makassar", "admin@kirab.example")  # fmt: skip


def test_an_export_with_tallies_imports_its_people_and_skips_its_tallies(client, counted):
    from kirab.attendance.models import AttendanceRecord
    from tests.test_attendance_csv import upload

    _route, first, _second, _organizer, admin = counted
    login(client, admin)
    before = client.get(f"/events/{first.id}/attendance.csv").get_data(as_text=True)
    db.session.execute(db.delete(AttendanceRecord))
    db.session.commit()
    response = upload(client, first.id, before.lstrip("\ufeff"))
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Hitungan massa tidak diimpor." in text
    assert client.get(f"/events/{first.id}/attendance.csv").get_data(as_text=True) == before
    assert tally_count() == 3


def test_tallies_are_exported_as_tuples_in_batches(app, counted, monkeypatch):
    from kirab.attendance import csv_export
    from kirab.events.models import Event

    _route, first, _second, organizer, _admin = counted
    for n in range(5):
        record_headcount(first, counter=f"Pos {n}", category="public", count=n,
                         actor=organizer, key=key(10 + n))  # fmt: skip
    db.session.commit()
    monkeypatch.setattr(csv_export, "EXPORT_BATCH", 2)
    event_id = first.id
    db.session.expunge_all()
    chunks = list(csv_export.export_csv(Event.id == event_id))
    # One chunk per batch: the record, then the seven tallies two at a time.
    assert len(chunks) == 1 + 4
    assert "".join(chunks).count("\r\n") == 1 + 1 + 7
    assert len(db.session.identity_map) == 0
