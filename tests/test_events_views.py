"""The planning pages, the agenda's views, parity with the API, and query counts."""

import re
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event as sa_event

from kirab.audit.models import AuditEntry
from kirab.database import db
from kirab.events.models import CANCELLED, DRAFT, PUBLISHED, Event
from kirab.regions.models import Dapil
from kirab.relay.models import Stop
from tests.conftest import csrf_token, login, opened_form
from tests.factories import at, make_event, make_route, make_user


def bekasi_stop() -> Stop:
    """The Kabupaten Bekasi stop of the West Java route."""
    return db.session.execute(
        db.select(Stop).join(Stop.office).where(Stop.position == 3)
    ).scalar_one()


@pytest.fixture
def organizer(client, west_java):
    """A client logged in as an organizer of Kabupaten Bekasi, on the West Java route."""
    user = make_user("organizer", regions=["32.16"])
    db.session.commit()
    login(client, user)
    return user


def form_data(**changes) -> dict:
    """A valid event form for the Bekasi stop."""
    values = {
        "kind": "outreach",
        "title": "Sosialisasi pemilih pemula",
        "starts_at": "2023-11-16T13:00",
        "ends_at": "2023-11-16T15:00",
        "venue_name": "Aula Kecamatan Cibitung",
        "venue_address": "Cibitung",
        "dapil_id": "",
        "latitude": "",
        "longitude": "",
        "capacity": "",
    }
    values.update(changes)
    return values


def event_count() -> int:
    """How many events exist."""
    return len(db.session.execute(db.select(Event.id)).all())


def test_organizer_creates_a_draft_in_local_time(client, organizer):
    stop = bekasi_stop()
    path = f"/manage/stops/{stop.id}/events/new"
    response = client.post(
        path,
        data={
            **form_data(),
            "district_codes": ["32.16.08"],
            "party_numbers": ["1", "3"],
            "csrf_token": csrf_token(client, path),
        },
    )
    assert response.status_code == 302
    event = db.session.execute(
        db.select(Event).where(Event.title == "Sosialisasi pemilih pemula")
    ).scalar_one()
    assert event.status == DRAFT
    assert event.starts_at == at("2023-11-16 13:00")
    assert [d.code for d in event.districts] == ["32.16.08"]
    assert [p.number for p in event.invited_parties] == [1, 3]
    assert client.get(f"/events/{event.id}").status_code == 200  # the committee sees drafts


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "Masukkan judul"),
        ({"title": "x" * 201}, "200"),
        ({"starts_at": ""}, "mulai"),
        ({"starts_at": "16-11-2023 13:00"}, ""),
        ({"ends_at": "2023-11-16T12:00"}, "berakhir setelah"),
        ({"starts_at": "2023-11-20T13:00", "ends_at": "2023-11-20T14:00"}, "persinggahan"),
        ({"latitude": "abc"}, ""),
        ({"latitude": "-6.2"}, "lintang"),
        ({"kind": "rally"}, "Pilihan tidak valid"),
        ({"capacity": "-5"}, ""),
        ({"title": "<script>alert(1)</script>", "ends_at": "2023-11-16T12:00"}, "&lt;script&gt;"),
    ],
)
def test_bad_event_input_changes_nothing(client, organizer, changes, message):
    stop = bekasi_stop()
    path = f"/manage/stops/{stop.id}/events/new"
    before = event_count()
    response = client.post(
        path, data={**form_data(**changes), "csrf_token": csrf_token(client, path)}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert "<script>alert(1)</script>" not in page
    assert event_count() == before


def test_other_regions_dapil_and_kecamatan_are_refused(client, organizer):
    stop = bekasi_stop()
    path = f"/manage/stops/{stop.id}/events/new"
    kota = (
        db.session.execute(db.select(Dapil).where(Dapil.region_code == "32.75")).scalars().first()
    )
    before = event_count()
    for changes in (
        {"dapil_id": str(kota.id)},
        {"district_codes": ["32.75.01"]},
        {"party_numbers": ["77"]},
    ):
        response = client.post(
            path, data={**form_data(**changes), "csrf_token": csrf_token(client, path)}
        )
        assert response.status_code == 422
    assert event_count() == before


def test_an_organizer_cannot_touch_another_regions_events(client, organizer):
    kota = db.session.execute(db.select(Stop).where(Stop.position == 4)).scalar_one()
    event = db.session.execute(db.select(Event).where(Event.stop_id == kota.id)).scalars().first()
    token = csrf_token(client, "/manage")
    assert client.get(f"/manage/stops/{kota.id}/events/new").status_code == 403
    assert client.get(f"/manage/events/{event.id}/edit").status_code == 403
    for action in ("publish", "duplicate", "delete"):
        assert (
            client.post(
                f"/manage/events/{event.id}/{action}", data={"csrf_token": token}
            ).status_code
            == 403
        )
    assert (
        client.post(
            f"/manage/events/{event.id}/cancel", data={"csrf_token": token, "reason": "x"}
        ).status_code
        == 403
    )
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == PUBLISHED


def test_edit_publish_cancel_duplicate_delete(client, organizer):
    stop = bekasi_stop()
    event = db.session.execute(
        db.select(Event).where(Event.kind == "campus", Event.stop_id == stop.id)
    ).scalar_one()
    sequence = event.sequence
    path = f"/manage/events/{event.id}/edit"
    page = client.get(path).get_data(as_text=True)
    assert 'value="2023-11-14T09:00"' in page  # shown in local time
    response = client.post(
        path,
        data={
            **form_data(
                kind="campus",
                title="KPU Goes To Campus",
                starts_at="2023-11-14T10:00",
                ends_at="2023-11-14T13:00",
            ),
            **opened_form(client, path),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert event.starts_at == at("2023-11-14 10:00") and event.sequence == sequence + 1

    token = csrf_token(client, f"/manage/stops/{stop.id}/events")
    refused = client.post(
        f"/manage/events/{event.id}/delete", data={"csrf_token": token, "confirm": "y"}
    )
    assert refused.status_code == 422  # published: the page says why, nothing is deleted
    assert "Hanya draf yang dapat dihapus" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Event, event.id).deleted_at is None
    cancel = f"/manage/events/{event.id}/cancel"
    assert client.post(cancel, data={"csrf_token": token, "reason": ""}).status_code == 422
    assert (
        client.post(cancel, data={"csrf_token": token, "reason": "Kampus libur"}).status_code == 302
    )
    db.session.expire_all()
    assert db.session.get(Event, event.id).status == CANCELLED

    assert (
        client.post(f"/manage/events/{event.id}/duplicate", data={"csrf_token": token}).status_code
        == 302
    )
    copy = db.session.execute(db.select(Event).where(Event.status == DRAFT)).scalar_one()
    assert copy.title == "KPU Goes To Campus"
    confirm_page = client.get(f"/manage/events/{copy.id}/delete")
    assert confirm_page.status_code == 200
    assert "Ya, hapus draf ini" in confirm_page.get_data(as_text=True)
    unconfirmed = client.post(f"/manage/events/{copy.id}/delete", data={"csrf_token": token})
    assert unconfirmed.status_code == 422
    assert "Centang kotak untuk mengonfirmasi penghapusan." in unconfirmed.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Event, copy.id).deleted_at is None
    assert (
        client.post(
            f"/manage/events/{copy.id}/delete", data={"csrf_token": token, "confirm": "y"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(Event, copy.id).deleted_at is not None
    assert client.get(f"/events/{copy.id}").status_code == 404
    actions = set(db.session.execute(db.select(AuditEntry.action)).scalars())
    assert {"event.update", "event.cancel", "event.duplicate", "event.delete"} <= actions


def test_actions_need_the_csrf_token(client, organizer):
    event = db.session.execute(db.select(Event)).scalars().first()
    assert client.post(f"/manage/events/{event.id}/duplicate").status_code == 400


def test_the_programme_previews_then_creates_drafts(client, organizer):
    stop = bekasi_stop()
    events = db.session.execute(
        db.select(Event).where(Event.stop_id == stop.id, Event.kind == "parade")
    ).scalars()
    for old in events:  # start from a stop without parades
        db.session.delete(old)
    db.session.commit()
    path = f"/manage/stops/{stop.id}/programme"
    page = client.get(path).get_data(as_text=True)
    assert page.count('name="dapil_ids"') == 7
    dapil_ids = re.findall(r'name="dapil_ids" type="checkbox" value="(\d+)"', page)
    data = {
        "csrf_token": csrf_token(client, path),
        "kind": "parade",
        "title": "Pawai Kirab Pemilu",
        "dapil_ids": dapil_ids,
        "first_day": "2",
        "last_day": "6",
        "start": "08:00",
        "duration_hours": "3",
        "pause_hours": "2",
    }
    preview = client.post(path, data=data)
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert (
        "Selasa, 14 November 2023, 13.00 WIB" in text.replace("</td>\n        <td>", ", ")
        or "13.00 WIB" in text
    )
    assert "Tambun Selatan" in text
    assert db.session.execute(db.select(Event).where(Event.status == DRAFT)).all() == []
    created = client.post(path, data={**data, "confirm": "1"})
    assert created.status_code == 302
    drafts = db.session.execute(db.select(Event).where(Event.status == DRAFT)).scalars().all()
    assert len(drafts) == 7
    bad = client.post(path, data={**data, "first_day": "6", "last_day": "2"})
    assert bad.status_code == 422


def test_the_planning_page_warns(client, organizer):
    stop = bekasi_stop()
    make_event(
        stop,
        title="Bentrok",
        starts_at=at("2023-11-14 10:00"),
        venue_name="Universitas Pelita Bangsa",
    )
    parade = db.session.execute(
        db.select(Event).where(Event.title == "Pawai Kirab Pemilu Dapil 7")
    ).scalar_one()
    parade.status = CANCELLED
    db.session.commit()
    page = client.get(f"/manage/stops/{stop.id}/events").get_data(as_text=True)
    assert "Bentrok" in page and "KPU Goes To Campus" in page
    assert "Bekasi 7" in page


def test_month_view(client, west_java):
    page = client.get("/agenda?view=month&region=32.16").get_data(as_text=True)
    assert "November 2023" in page
    assert len(re.findall(r'data-event-id="\d+"', page)) == 11
    assert "Sen" in page  # Indonesian day names
    assert (
        client.get("/agenda?view=month&month=2023-12&region=32.16")
        .get_data(as_text=True)
        .count("data-event-id")
        == 0
    )
    assert client.get("/agenda?view=month&month=2023-13").status_code == 400
    assert client.get("/agenda?view=week").status_code == 400


def test_stop_view_groups_by_stop(client, west_java):
    page = client.get(f"/agenda?view=stop&route={west_java.id}").get_data(as_text=True)
    order = [
        page.index(name)
        for name in ("KPU Kabupaten Karawang", "KPU Kabupaten Bekasi", "KPU Kota Bekasi")
    ]
    assert order == sorted(order)


def test_a_party_representative_follows_regions_and_invitations(client, west_java):
    rep = make_user("party_rep", party=1, regions=["32.16", "32.75"])
    db.session.commit()
    login(client, rep)
    page = client.get("/agenda/following").get_data(as_text=True)
    assert "Pawai Kirab Pemilu Dapil 3" in page  # Kabupaten Bekasi is followed
    assert (
        "Serah terima bendera dari KPU Kabupaten Kuningan" in page
    )  # party 1 is invited in Karawang
    assert "KPU Goes To Campus Universitas Buana Perjuangan" not in page  # Karawang, not invited
    # The followed regions read by name, not by code.
    assert "(Kabupaten Bekasi, Kota Bekasi)" in page
    assert "32.16" not in page.split("<main", 1)[1].split("</p>", 1)[0]


def test_my_agenda_past_its_last_page_says_so(client, west_java):
    rep = make_user("party_rep", party=1, regions=["32.16"])
    db.session.commit()
    login(client, rep)
    text = client.get("/agenda/following?per_page=1&page=99").get_data(as_text=True)
    total = int(re.search(r'class="count" role="status">(\d+) kegiatan', text)[1])
    assert total >= 2
    assert "Halaman 99 sudah melewati halaman terakhir hasil ini." in text
    assert f"page={total}" in text and f"Ke halaman {total}" in text
    assert "melewati" not in client.get("/agenda/following").get_data(as_text=True)


def test_open_graph_previews(client, west_java):
    event = db.session.execute(
        db.select(Event).where(Event.title == "Pawai Kirab Pemilu Dapil 3")
    ).scalar_one()
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert '<meta property="og:title" content="Pawai Kirab Pemilu Dapil 3">' in page
    assert (
        f'<meta property="og:url" content="https://kirab.test.example/events/{event.id}">' in page
    )
    assert "Rabu, 15 November 2023, 08.00 WIB" in page


def test_api_etag(client, west_java):
    first = client.get("/api/v1/events?region=32.16")
    etag = first.headers["ETag"]
    again = client.get("/api/v1/events?region=32.16", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    event = db.session.execute(
        db.select(Event).where(Event.title == "KPU Goes To Campus")
    ).scalar_one()
    event.title = "Kampus"
    db.session.commit()
    changed = client.get("/api/v1/events?region=32.16", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


FILTERS = [
    {},
    {"region": "32.16"},
    {"region": "32"},
    {"region": "RI"},
    {"region": "32.16.06"},
    {"dapil": "32.16-3"},
    {"kind": "parade"},
    {"kind": ["campus", "handover"]},
    {"route": "1"},
    {"from": "2023-11-14", "to": "2023-11-15"},
    {"from": "2023-11-19"},
    {"to": "2023-11-08"},
    {"region": "32.16", "kind": "parade", "from": "2023-11-15"},
    {"region": "35"},
    {"per_page": "4", "page": "2"},
]


@pytest.mark.parametrize("query", FILTERS, ids=[str(f) for f in FILTERS])
def test_html_agenda_and_api_agree(client, west_java, query):
    query = {k: (str(west_java.id) if k == "route" else v) for k, v in query.items()}
    html = client.get("/agenda", query_string=query).get_data(as_text=True)
    html_ids = [int(i) for i in re.findall(r'class="event-card[^"]*" data-event-id="(\d+)"', html)]
    api_ids = [e["id"] for e in client.get("/api/v1/events", query_string=query).json["events"]]
    assert sorted(html_ids) == sorted(api_ids)


@pytest.mark.parametrize(
    "query", ["region=99", "dapil=1", "kind=x", "from=2023-02-30", "page=0", "view=x"]
)
def test_malformed_filters_are_400_on_both(client, west_java, query):
    assert client.get(f"/agenda?{query}").status_code == 400
    if not query.startswith("view"):
        response = client.get(f"/api/v1/events?{query}")
        assert response.status_code == 400 and response.json["error"]["message"]


@contextmanager
def counted_statements():
    """Count the SQL statements issued inside the block."""
    statements = []

    def count(*_args):
        statements.append(1)

    engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)


def add_events(stop_id: int, count: int) -> None:
    """Many published events with a dapil and kecamatan each."""
    stop = db.session.get(Stop, stop_id)
    dapil = db.session.execute(db.select(Dapil).where(Dapil.region_code == "32.16")).scalars().all()
    for index in range(count):
        item = dapil[index % len(dapil)]
        make_event(
            stop,
            title=f"Acara {index}",
            starts_at=at("2023-11-14 08:00"),
            dapil=item,
            districts=list(item.districts),
            flush=False,
        )
    db.session.commit()


@pytest.mark.parametrize(
    "url",
    [
        "/agenda?region=32.16&per_page=500",
        "/api/v1/events?region=32.16&per_page=500",
        "/agenda?region=32.16&view=stop&per_page=500",
        "/agenda?region=32.16&view=month",
    ],
)
def test_query_counts_do_not_grow_with_events(client, app, url):
    # Rendering is what is counted here; stored pages are tested in test_pagecache.py.
    app.config["PAGE_CACHE"] = False
    route = make_route([("32.16", at("2023-11-13 09:00"), at("2023-11-19 09:00"))])
    stop_id = route.stops[0].id
    add_events(stop_id, 10)
    client.get(url)
    # Each request starts with an empty session, as in production.
    db.session.expunge_all()
    with counted_statements() as few:
        small = client.get(url)
    add_events(stop_id, 990)
    db.session.expunge_all()
    with counted_statements() as many:
        large = client.get(url)
    assert small.status_code == large.status_code == 200
    assert len(few) == len(many)


def test_saving_an_event_that_clashes_warns(client, organizer):
    stop = bekasi_stop()
    path = f"/manage/stops/{stop.id}/events/new"
    data = form_data(
        starts_at="2023-11-14T10:00",
        ends_at="2023-11-14T11:00",
        venue_name="universitas pelita bangsa",
    )
    response = client.post(
        path, data={**data, "csrf_token": csrf_token(client, path)}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "flash-warning" in page and "KPU Goes To Campus" in page
    # Only a warning: the event is saved all the same.
    saved = db.session.execute(
        db.select(Event).where(Event.stop_id == stop.id, Event.title == data["title"])
    ).scalars()
    assert [event.venue_name for event in saved] == ["universitas pelita bangsa"]


@pytest.mark.parametrize(
    ("changes", "status", "parties"),
    [
        ({"party_numbers": ""}, 302, []),
        ({"party_numbers": [" ", "3"]}, 302, [3]),
        ({"party_numbers": ["", "abc"]}, 422, None),
        ({"party_numbers": ["", "1x"], "district_codes": ""}, 422, None),
        ({"dapil_id": " "}, 302, []),
    ],
)
def test_blank_choices_are_read_as_none(client, organizer, changes, status, parties):
    stop = bekasi_stop()
    path = f"/manage/stops/{stop.id}/events/new"
    before = event_count()
    data = {**form_data(**changes), "csrf_token": csrf_token(client, path)}
    assert client.post(path, data=data).status_code == status
    if parties is None:
        assert event_count() == before
    else:
        event = db.session.execute(
            db.select(Event).where(Event.title == "Sosialisasi pemilih pemula")
        ).scalar_one()
        assert [party.number for party in event.invited_parties] == parties


def test_month_view_lists_each_event_with_its_link_time_and_cancellation(client, west_java):
    url = "/agenda?view=month&region=32.16"
    listed = re.findall(r'<li><a href="/events/(\d+)">', client.get(url).get_data(as_text=True))
    first, second = (db.session.get(Event, int(number)) for number in listed[:2])
    second.status = CANCELLED
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    time = first.starts_at.astimezone(ZoneInfo("Asia/Jakarta")).strftime("%H.%M")
    line = re.search(rf'<li><a href="/events/{first.id}">.*?</li>', page)
    assert line and f'<span class="event-time">{time} WIB</span> {first.title}</a>' in line[0]
    assert "badge-cancelled" not in line[0]
    cancelled = re.search(rf'<li class="cancelled"><a href="/events/{second.id}">.*?</li>', page)
    assert cancelled and "badge-cancelled" in cancelled[0]
    assert f'class="chip" href="/events/{first.id}"' in page
