"""The home page: the answer first, the day's events at the holding stop, moments to jump to."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kirab.database import db, utcnow
from kirab.dataversions import STOPS, bump
from kirab.events.models import CANCELLED, DRAFT, Event
from kirab.events.services import events_of_days
from kirab.relay.models import Relay
from kirab.relay.presets import END, NEXT, PREVIOUS, START, Handover, preset_moments, relay_days
from tests.factories import at, make_event, make_route
from tests.test_events_views import counted_statements
from tests.test_pagecache import rename

WIB = "Asia/Jakarta"
WITA = "Asia/Makassar"
DASH = "\N{EN DASH}"
# The five arrivals of Jalur VII (tests/factories.py), in WIB.
ARRIVALS = [
    Handover(at(moment), place, WIB)
    for moment, place in [
        ("2023-11-01 09:00", "Kuningan"),
        ("2023-11-07 09:00", "Karawang"),
        ("2023-11-13 09:00", "Kabupaten Bekasi"),
        ("2023-11-19 09:00", "Kota Bekasi"),
        ("2023-11-26 09:00", "KPU RI"),
    ]
]


def kinds_and_places(presets) -> list[tuple[str, str]]:
    return [(preset.kind, preset.handover.place) for preset in presets]


# -- the presets on their own --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Before: the next handover is the start itself, offered once.
        ("2023-10-01 12:00", [(START, "Kuningan"), (END, "KPU RI")]),
        # Under way: the handover just past and the one coming.
        ("2023-11-15 10:00", [(START, "Kuningan"), (PREVIOUS, "Kabupaten Bekasi"),
                              (NEXT, "Kota Bekasi"), (END, "KPU RI")]),
        # At a handover's instant: the one before it and the one after.
        ("2023-11-13 09:00", [(START, "Kuningan"), (PREVIOUS, "Karawang"),
                              (NEXT, "Kota Bekasi"), (END, "KPU RI")]),
        # Just after the start: no "previous" beside the start.
        ("2023-11-02 12:00", [(START, "Kuningan"), (NEXT, "Karawang"), (END, "KPU RI")]),
        # After: the start and the end, from which the visitor steps back.
        ("2023-12-01 12:00", [(START, "Kuningan"), (END, "KPU RI")]),
        ("2023-11-26 09:00", [(START, "Kuningan"), (PREVIOUS, "Kota Bekasi"), (END, "KPU RI")]),
    ],
)  # fmt: skip
def test_presets_make_sense_in_every_phase(moment, expected):
    assert kinds_and_places(preset_moments(ARRIVALS, at(moment))) == expected


def test_a_relay_of_one_stop_or_none_has_few_presets():
    assert kinds_and_places(preset_moments(ARRIVALS[:1], at("2023-12-01 12:00"))) == [
        (START, "Kuningan")
    ]
    assert preset_moments([], at("2023-12-01 12:00")) == []
    assert relay_days([], at("2023-12-01 12:00"), WIB) == []


@pytest.mark.parametrize(
    ("moment", "first", "shown"),
    [
        ("2023-10-01 12:00", date(2023, 11, 1), None),  # before: the first week
        ("2023-11-15 10:00", date(2023, 11, 12), date(2023, 11, 15)),  # the week around
        ("2023-11-02 10:00", date(2023, 11, 1), date(2023, 11, 2)),  # kept inside at the start
        ("2023-11-25 10:00", date(2023, 11, 20), date(2023, 11, 25)),  # and at the end
        ("2023-12-01 12:00", date(2023, 11, 20), None),  # after: the last week
    ],
)
def test_the_days_offered_are_a_week_of_the_relay_around_the_moment(moment, first, shown):
    days = relay_days(ARRIVALS, at(moment), WIB)
    assert len(days) == 7 and days[0].day == first
    assert [day.day for day in days if day.shown] == ([shown] if shown else [])
    assert all(day.moment == at(f"{day.day.isoformat()} 12:00") for day in days)


def test_a_short_relay_offers_each_of_its_days_in_the_zone_asked_for():
    arrivals = [
        Handover(at("2023-11-13 23:30", WITA), "Makassar", WITA),
        Handover(at("2023-11-15 09:00", WITA), "Maros", WITA),
    ]
    # 23.30 WITA is 22.30 WIB: in WIB the relay spans 13 to 15 November.
    days = relay_days(arrivals, at("2023-11-14 12:00"), WIB)
    assert [day.day.day for day in days] == [13, 14, 15]
    days = relay_days(arrivals, at("2023-11-14 12:00"), "Asia/Jayapura")  # 01.30 WIT on the 14th
    assert [day.day.day for day in days] == [14, 15]


# -- the events of a day at a stop ---------------------------------------------------------------


def test_the_events_of_a_day_are_those_overlapping_it_in_the_stops_own_zone(app):
    west = make_route([("32.16", at("2023-11-13 09:00"), at("2023-11-19 09:00"))])
    south = make_route([("73.71", at("2023-11-13 09:00", "Asia/Makassar"), None)])
    bekasi, makassar = west.stops[0], south.stops[0]
    morning = make_event(bekasi, title="Pagi", starts_at=at("2023-11-14 08:00"))
    overnight = make_event(bekasi, title="Malam", starts_at=at("2023-11-13 23:00"), hours=2)
    make_event(bekasi, title="Besok", starts_at=at("2023-11-15 00:00"))
    make_event(bekasi, title="Draf", starts_at=at("2023-11-14 10:00"), status=DRAFT)
    cancelled = make_event(bekasi, title="Batal", starts_at=at("2023-11-14 15:00"),
                           status=CANCELLED)  # fmt: skip
    deleted = make_event(bekasi, title="Dihapus", starts_at=at("2023-11-14 16:00"))
    deleted.deleted_at = utcnow()
    # 23.30 WITA on the 13th is 22.30 WIB: not of the 14th in Makassar.
    make_event(makassar, title="Makassar malam", starts_at=at("2023-11-13 21:00", WITA))
    local = make_event(makassar, title="Makassar pagi", starts_at=at("2023-11-14 07:00", WITA))
    db.session.flush()
    found = events_of_days(
        {bekasi.id: (date(2023, 11, 14), WIB), makassar.id: (date(2023, 11, 14), WITA)}
    )
    assert [event.id for event in found[bekasi.id]] == [overnight.id, morning.id, cancelled.id]
    assert [event.id for event in found[makassar.id]] == [local.id]
    assert events_of_days({}) == {}
    assert events_of_days({bekasi.id: (date(2023, 12, 1), WIB)}) == {bekasi.id: []}


# -- the page ------------------------------------------------------------------------------------


def position_of(page: str, text: str) -> int:
    index = page.find(text)
    assert index >= 0, text
    return index


def test_the_answer_comes_before_the_picker(client, west_java):
    page = client.get("/?at=2023-11-15T10:00&lang=en").get_data(as_text=True)
    answer = position_of(page, "The pataka is at <strong>KPU Kabupaten Bekasi</strong>")
    events = position_of(page, "Pawai Kirab Pemilu Dapil 3")
    presets = position_of(page, "Other moments")
    picker = position_of(page, 'class="moment-form"')
    assert answer < events < presets < picker


def test_the_days_events_at_the_holding_stop_with_local_times_and_links(client, west_java):
    page = client.get("/?at=2023-11-15T10:00", headers={"Accept-Language": "id"})
    body = page.get_data(as_text=True)
    assert "Kegiatan di KPU Kabupaten Bekasi pada Rabu, 15 November 2023" in body
    dapil_3 = db.session.execute(
        db.select(Event).where(Event.title == "Pawai Kirab Pemilu Dapil 3")
    ).scalar_one()
    assert (f'<a href="/events/{dapil_3.id}"><span class="event-time">08.00 WIB {DASH} 11.00 WIB'
            "</span> <span>Pawai Kirab Pemilu Dapil 3</span></a>") in body  # fmt: skip
    assert "Pawai Kirab Pemilu Dapil 4" in body  # the afternoon's too
    assert "Pawai Kirab Pemilu Dapil 5" not in body  # the next day's not
    assert "from=2023-11-15&amp;to=2023-11-15" in body and "region=32.16" in body


def test_today_is_the_default_day(app, client, west_java):
    app.config["FIXED_NOW"] = at("2023-11-14 10:00")
    body = client.get("/?lang=en").get_data(as_text=True)
    assert "Today at KPU Kabupaten Bekasi (Tuesday, 14 November 2023)" in body
    assert "KPU Goes To Campus" in body and "Pawai Kirab Pemilu Dapil 1" in body
    assert "Pawai Kirab Pemilu Dapil 3" not in body


def test_the_day_is_the_holding_stops_own_in_wita(client):
    route = make_route(
        [("73.71", at("2024-02-01 09:00", WITA), at("2024-02-05 09:00", WITA))],
        relay=Relay(name="Kirab Sulawesi"),
    )  # fmt: skip
    make_event(route.stops[0], title="Pawai Makassar", starts_at=at("2024-02-02 07:30", WITA))
    db.session.commit()
    # 23.30 WIB on the 1st is 00.30 WITA on the 2nd in Makassar.
    body = client.get("/?at=2024-02-01T23:30&lang=en").get_data(as_text=True)
    assert "Events at KPU Kota Makassar on Friday, 2 February 2024" in body
    assert f"07:30 WITA {DASH} 09:30 WITA" in body


def test_no_events_that_day_says_so_and_transit_shows_none(client, west_java):
    body = client.get("/?at=2023-11-25T12:00&lang=en").get_data(as_text=True)  # in transit
    assert "the convoy is travelling" in body and "day-events" not in body
    body = client.get("/?at=2023-12-01T12:00&lang=en").get_data(as_text=True)
    assert "Events at KPU RI on Friday, 1 December 2023" in body
    assert "No events at this stop on this day." in body


@pytest.mark.parametrize(
    ("now", "offered", "absent"),
    [
        ("2023-10-01 12:00", ["Start of the relay", "End of the relay"], ["Previous handover"]),
        ("2023-11-15 10:00", ["Start of the relay", "Previous handover", "Next handover",
                              "End of the relay"], []),
        ("2023-12-01 12:00", ["Start of the relay", "End of the relay"], ["Next handover"]),
    ],
)  # fmt: skip
def test_every_phase_offers_moments_that_answer(app, client, west_java, now, offered, absent):
    app.config["FIXED_NOW"] = at(now)
    body = client.get("/?lang=en").get_data(as_text=True)
    for text in offered:
        assert f"<strong>{text}</strong>" in body, text
    for text in absent:
        assert f"<strong>{text}</strong>" not in body, text
    relay_id = west_java.relay_id
    assert f'href="/?relay={relay_id}&amp;at=2023-11-01T09:00"' in body  # the start
    assert f'href="/?relay={relay_id}&amp;at=2023-11-26T09:00"' in body  # the end
    assert body.count('class="relay-days"') == 1 and body.count("at=2023-11-") >= 9
    start = client.get(f"/?relay={relay_id}&at=2023-11-01T09:00&lang=en")
    assert start.status_code == 200
    start_page = start.get_data(as_text=True)
    assert "The pataka is at <strong>KPU Kabupaten Kuningan</strong>" in start_page
    assert 'aria-current="true"' in start_page


def test_a_change_to_an_event_shows_on_the_very_next_request(client, west_java):
    first = client.get("/?at=2023-11-15T10:00")
    assert "Pawai Kirab Pemilu Dapil 3" in first.get_data(as_text=True)
    event_id = db.session.execute(
        db.select(Event.id).where(Event.title == "Pawai Kirab Pemilu Dapil 3")
    ).scalar_one()
    rename(event_id, "Pawai Akbar Dapil 3")
    changed = client.get("/?at=2023-11-15T10:00", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert "Pawai Akbar Dapil 3" in changed.get_data(as_text=True)
    # Warm again: a 304 for the new tag.
    again = client.get("/?at=2023-11-15T10:00", headers={"If-None-Match": changed.headers["ETag"]})
    assert again.status_code == 304


def add_route(relay: Relay, stops: int, events_per_stop: int) -> None:
    """A route of ``stops`` one-day stops from 13 November, each with its events at 10.00."""
    route = make_route(
        [("32.16", at(f"2023-11-{13 + index} 09:00"), at(f"2023-11-{14 + index} 09:00"))
         for index in range(stops)],
        relay=relay,
    )  # fmt: skip
    for stop in route.stops:
        for number in range(events_per_stop):
            make_event(stop, title=f"Acara {number}", starts_at=stop.receives_at, flush=False)
    db.session.commit()


def home_statements(client, url: str) -> tuple[int, int, str]:
    """The statements of the page read afresh after a change to the stops, then kept."""
    bump([STOPS])
    db.session.commit()
    db.session.expunge_all()
    with counted_statements() as afresh:
        first = client.get(url)
    db.session.expunge_all()
    with counted_statements() as kept:
        again = client.get(url)
    assert first.status_code == again.status_code == 200
    assert first.get_data() == again.get_data()
    return len(afresh), len(kept), again.get_data(as_text=True)


def test_the_query_count_does_not_grow_with_routes_stops_or_events(app, client):
    # Rendering is what is counted here; the stored page's cost is in test_pagecache.py.
    app.config["PAGE_CACHE"] = False
    relay = Relay(name="Kirab Uji")
    add_route(relay, stops=2, events_per_stop=1)
    relay_id = relay.id
    url = f"/?relay={relay_id}&at=2023-11-13T12:00"
    client.get(url)
    few = home_statements(client, url)
    relay = db.session.get(Relay, relay_id)
    for _route in range(3):
        add_route(relay, stops=8, events_per_stop=30)
    many = home_statements(client, url)
    assert many[2].count('class="day-events"') == 4
    assert few[:2] == many[:2]
    # Kept between requests, the relay's routes and stops are not read again.
    assert many[1] < many[0]


# -- kept while no event it shows changes --------------------------------------------------------


@pytest.fixture
def handing_on(app):
    """A route from Kabupaten Bekasi (until 15 November) to Makassar, an event at each stop."""
    route = make_route([("32.16", at("2023-11-13 09:00"), at("2023-11-15 09:00")),
                        ("73.71", at("2023-11-16 09:00", WITA), None)])  # fmt: skip
    bekasi, makassar = route.stops
    west = make_event(bekasi, title="Sosialisasi Bekasi", starts_at=at("2023-11-14 10:00"))
    south = make_event(makassar, title="Sosialisasi Makassar", starts_at=at("2023-11-17 10:00"))
    db.session.commit()
    return route.relay_id, west.id, south.id


def asked_again(client, first, url: str = "/?lang=en"):
    """The page asked for again with the tag of an earlier answer."""
    return client.get(url, headers={"If-None-Match": first.headers["ETag"]})


def test_the_home_page_is_kept_until_an_event_at_a_holding_stop_changes(app, client, handing_on):
    _relay_id, west_id, south_id = handing_on
    app.config["FIXED_NOW"] = at("2023-11-14 12:00")  # Bekasi holds the flags
    first = client.get("/?lang=en")
    assert "Sosialisasi Bekasi" in first.get_data(as_text=True)
    rename(south_id, "Pawai Makassar")  # another province: the page as stored
    assert asked_again(client, first).status_code == 304
    rename(west_id, "Pawai Bekasi")
    changed = asked_again(client, first)
    assert changed.status_code == 200 and "Pawai Bekasi" in changed.get_data(as_text=True)
    # An event moved to the holding stop that day shows at once, and is gone once moved away.
    south = db.session.get(Event, south_id)
    south_stop_id, south.stop_id = south.stop_id, db.session.get(Event, west_id).stop_id
    south.starts_at, south.ends_at = at("2023-11-14 15:00"), at("2023-11-14 16:00")
    db.session.commit()
    moved = asked_again(client, changed)
    assert moved.status_code == 200 and "Pawai Makassar" in moved.get_data(as_text=True)
    db.session.get(Event, south_id).stop_id = south_stop_id
    db.session.commit()
    away = asked_again(client, moved)
    assert away.status_code == 200 and "Pawai Makassar" not in away.get_data(as_text=True)
    make_event(db.session.get(Event, west_id).stop, title="Pawai Malam",
               starts_at=at("2023-11-14 19:00"))  # fmt: skip
    db.session.commit()
    added = asked_again(client, away)
    assert added.status_code == 200 and "Pawai Malam" in added.get_data(as_text=True)
    assert asked_again(client, added).status_code == 304


def test_as_the_flags_move_on_the_home_page_follows_the_new_holders_events(app, client, handing_on):
    _relay_id, west_id, south_id = handing_on
    app.config["FIXED_NOW"] = at("2023-11-14 12:00")
    client.get("/?lang=en")
    app.config["FIXED_NOW"] = at("2023-11-17 12:00")  # Makassar holds them now
    first = client.get("/?lang=en")
    body = first.get_data(as_text=True)
    assert "Sosialisasi Makassar" in body and "Sosialisasi Bekasi" not in body
    rename(west_id, "Pawai Bekasi")  # the stop it left: the page as stored
    assert asked_again(client, first).status_code == 304
    rename(south_id, "Pawai Makassar")
    changed = asked_again(client, first)
    assert changed.status_code == 200 and "Pawai Makassar" in changed.get_data(as_text=True)


def test_a_warm_home_page_costs_the_versions_and_one_lookup(app, client, handing_on):
    app.config["FIXED_NOW"] = at("2023-11-14 12:00")
    client.get("/?lang=en")
    db.session.expunge_all()
    with counted_statements() as statements:
        again = client.get("/?lang=en")
    assert again.status_code == 200 and "Sosialisasi Bekasi" in again.get_data(as_text=True)
    assert len(statements) == 2


def test_the_page_kept_for_a_minute_never_shows_an_earlier_moment(app, client, monkeypatch):
    from kirab import clock

    arrival = at("2023-11-15 09:00")  # on the minute, from one stop of 32 to another
    make_route([("32.16", at("2023-11-13 09:00"), arrival), ("32.75", arrival, None)])
    db.session.commit()
    app.config["FIXED_NOW"] = None
    moments = iter([arrival - timedelta(seconds=1)])
    # The first reading of the clock falls just before the minute, every later one just after.
    monkeypatch.setattr(clock, "utcnow", lambda: next(moments, arrival + timedelta(seconds=1)))
    client.get("/?lang=en")
    again = client.get("/?lang=en").get_data(as_text=True)
    assert "the pataka has arrived at KPU Kota Bekasi" in again
