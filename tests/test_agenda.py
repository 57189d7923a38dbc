"""The public agenda, its filters, and event pages."""

import re

import pytest

from kirab.database import db
from kirab.events.filters import EventFilter, FilterError, parse_filters
from kirab.events.models import CANCELLED, DRAFT, Event
from kirab.events.services import public_events
from kirab.regions.models import Region
from tests.factories import at, make_event, make_route


def titles(query) -> list[str]:
    """Titles of the public events matching agenda query parameters."""
    from werkzeug.datastructures import MultiDict

    event_filter = parse_filters(MultiDict(query))
    return [e.title for e in db.session.execute(public_events(event_filter)).scalars()]


def test_region_prefixes_match_everything_beneath(west_java):
    bekasi = titles({"region": "32.16"})
    assert len(bekasi) == 11  # the week, plus the handover to Kota Bekasi
    assert set(bekasi) <= set(titles({"region": "32"}))
    assert titles({"region": "32.16.06"}) == ["Pawai Kirab Pemilu Dapil 3"]
    assert titles({"region": "RI"}) == ["Serah terima bendera dari KPU Kota Bekasi"]
    assert titles({"region": "35"}) == []


def test_a_handover_is_on_the_agenda_of_both_offices(west_java):
    handover = "Serah terima bendera dari KPU Kabupaten Bekasi"
    assert handover in titles({"region": "32.16"})
    assert handover in titles({"region": "32.75"})
    assert handover not in titles({"region": "32.15"})


def test_dapil_kind_and_route_filters(west_java):
    assert titles({"dapil": "32.16-3"}) == ["Pawai Kirab Pemilu Dapil 3"]
    both = titles({"kind": ["campus", "declaration"]})
    assert sorted(both) == sorted(
        [
            "KPU Goes To Campus Universitas Buana Perjuangan",
            "KPU Goes To Campus",
            "Deklarasi Pemilu damai partai politik",
        ]
    )
    assert len(titles({"route": str(west_java.id)})) == 15


def test_dates_are_local_and_inclusive(west_java):
    day = titles({"region": "32.16", "from": "2023-11-14", "to": "2023-11-14"})
    assert day == ["Pawai Kirab Pemilu Dapil 1", "KPU Goes To Campus", "Pawai Kirab Pemilu Dapil 2"]
    assert len(titles({"region": "32.16", "from": "2023-11-18"})) == 2  # dapil 7, handover
    assert len(titles({"region": "32.16", "to": "2023-11-13"})) == 2


def test_dates_are_judged_in_each_event_s_zone(app):
    """An event at 23.30 WIT on 10 January is on 10 January, though it is 21.30 WIB."""
    route = make_route([("91.71", at("2024-01-09 09:00", "Asia/Jayapura"), None)])
    make_event(
        route.stops[0], title="Malam", starts_at=at("2024-01-10 23:30", "Asia/Jayapura"), hours=0.25
    )
    db.session.commit()
    assert titles({"from": "2024-01-10", "to": "2024-01-10"}) == ["Malam"]
    assert titles({"from": "2024-01-11"}) == []


def test_overlapping_events_match(app):
    route = make_route([("32.16", at("2024-01-01 09:00"), None)])
    make_event(route.stops[0], title="Dua hari", starts_at=at("2024-01-02 20:00"), hours=28)
    db.session.commit()
    assert titles({"from": "2024-01-03", "to": "2024-01-03"}) == ["Dua hari"]
    assert titles({"from": "2024-01-04"}) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"region": "99"}, "region"),
        ({"region": "32.16.99.1"}, "region"),
        ({"dapil": "32.16-8"}, "dapil"),
        ({"kind": "rally"}, "kind"),
        ({"from": "2023-02-30"}, "from"),
        ({"from": "2023-11-20", "to": "2023-11-19"}, "to"),
        ({"route": "1" * 12}, "route"),
    ],
)
def test_bad_filters_name_their_field(app, query, field):
    from werkzeug.datastructures import MultiDict

    with pytest.raises(FilterError) as raised:
        parse_filters(MultiDict(query))
    assert raised.value.field == field


def test_filter_round_trips_as_query_args(app):
    from werkzeug.datastructures import MultiDict

    args = {"region": "32.16", "dapil": "32.16-3", "kind": ["parade"], "from": "2023-11-01"}
    parsed = parse_filters(MultiDict(args))
    assert parsed.as_args() == args
    assert EventFilter().is_empty


def test_agenda_page_lists_the_bekasi_week_in_indonesian(client, west_java):
    page = client.get("/agenda?region=32.16").get_data(as_text=True)
    assert "Senin, 13 November 2023" in page
    assert "Selasa, 14 November 2023" in page
    assert "09.00 WIB" in page
    for number in range(1, 8):
        assert f"Pawai Kirab Pemilu Dapil {number}" in page
    assert "11 kegiatan" in page


def test_agenda_in_english(client, west_java):
    page = client.get("/agenda?region=32.16&lang=en").get_data(as_text=True)
    assert "Monday, 13 November 2023" in page
    assert "09:00 WIB" in page
    assert "11 events" in page


def test_agenda_bad_filter_is_a_400_page_with_the_message(client, west_java):
    response = client.get("/agenda?region=99")
    assert response.status_code == 400
    assert "text/html" in response.content_type
    assert "99" in response.get_data(as_text=True)


def test_agenda_keeps_the_filter_in_its_form(client, west_java):
    page = client.get("/agenda?dapil=32.16-3&kind=parade").get_data(as_text=True)
    assert re.search(r'<option value="32.16-3"\s+selected>', page)
    assert re.search(r'value="parade"\s+checked', page)


def test_cancelled_events_stay_visible_and_say_so(client, west_java):
    event = db.session.execute(db.select(Event).where(Event.kind == "campus")).scalars().first()
    event.status = CANCELLED
    event.cancel_reason = "Hujan deras."
    db.session.commit()
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "dibatalkan" in page.lower() and "Hujan deras." in page


def test_event_page(client, west_java):
    event = db.session.execute(
        db.select(Event).where(Event.title == "Pawai Kirab Pemilu Dapil 3")
    ).scalar_one()
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Rabu, 15 November 2023" in page
    assert "08.00 WIB" in page and "11.00 WIB" in page
    assert "Tambun Selatan" in page and "Bekasi 3" in page


def test_drafts_and_deleted_events_are_404_for_the_public(client, west_java):
    stop = db.session.execute(db.select(Event)).scalars().first().stop
    draft = make_event(stop, status=DRAFT)
    deleted = make_event(stop)
    deleted.deleted_at = at("2023-11-01 00:00")
    db.session.commit()
    assert client.get(f"/events/{draft.id}").status_code == 404
    assert client.get(f"/events/{deleted.id}").status_code == 404
    assert client.get("/events/2147483648").status_code == 404
    assert client.get("/events/0").status_code == 404


def test_markup_in_titles_is_escaped(client, app):
    route = make_route([("32.16", at("2024-01-01 09:00"), None)])
    event = make_event(route.stops[0], title="<script>alert(1)</script>")
    db.session.commit()
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_region_lookup_by_code(app):
    assert db.session.get(Region, "32.16").name == "Kabupaten Bekasi"


def test_a_page_past_the_last_says_so_instead_of_no_events(client, west_java):
    first = client.get("/agenda?region=32.16&per_page=2").get_data(as_text=True)
    total = int(re.search(r'class="count" role="status">(\d+) kegiatan', first).group(1))
    assert total > 2
    pages = -(-total // 2)
    for view in ("day", "stop"):
        text = client.get(f"/agenda?region=32.16&per_page=2&page=99&view={view}").get_data(
            as_text=True
        )
        assert "Tidak ada kegiatan" not in text
        assert "Halaman 99 sudah melewati halaman terakhir hasil ini." in text
        assert f"page={pages}" in text and f"Ke halaman {pages}" in text
    nothing = client.get("/agenda?region=32.16&kind=campus&from=2030-01-01").get_data(as_text=True)
    assert "melewati" not in nothing and "Tidak ada kegiatan yang sesuai" in nothing


@pytest.mark.parametrize(
    "query",
    [{}, {"region": "32"}, {"region": "32.16", "kind": "parade"}, {"from": "2023-11-15"}],
    ids=str,
)
def test_pages_read_in_two_steps_hold_the_filtered_events_in_order(west_java, query):
    from werkzeug.datastructures import MultiDict

    from kirab.events.services import public_event_page

    # Events starting at the same moment come by id, whichever page they fall on.
    stop = west_java.stops[0]
    moment = at("2023-11-15 08:00")
    for title in ("Serentak A", "Serentak B", "Serentak C"):
        make_event(stop, title=title, kind="parade", starts_at=moment)
    make_event(stop, title="Draf", starts_at=moment, status=DRAFT)
    db.session.commit()
    event_filter = parse_filters(MultiDict(query))
    expected = [e.id for e in db.session.execute(public_events(event_filter)).scalars()]
    assert len(expected) > 3
    listed, number = [], 1
    while (page := public_event_page(event_filter, number, 3)).items:
        assert page.total == len(expected)
        listed += [event.id for event in page.items]
        number += 1
    assert listed == expected
    assert page.total == len(expected) and page.pages == number - 1
