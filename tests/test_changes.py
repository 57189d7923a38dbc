"""The agenda's change log: what is recorded per kind, and /changes and /changes.atom (Show 4)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import feedparser
import pytest

from kirab.changes.models import AgendaChange, ChangeKind
from kirab.changes.signals import change_recorded
from kirab.database import db
from kirab.errors import DomainError
from kirab.events.models import DRAFT, Event
from kirab.events.scheduling import (
    EventData,
    cancel_event,
    create_event,
    delete_event,
    publish_event,
    update_event,
    withdraw_event,
)
from kirab.relay.models import Route, Stop
from kirab.relay.planning import move_stop
from kirab.relay.shifts import apply_shift
from tests.conftest import BASE_URL, csrf_token, login, opened_form
from tests.factories import at, make_event, make_jalur_vii, make_user

DAY = timedelta(days=1)
NOW = at("2023-11-01 10:00")
ACTOR_NAME = "Siti Rahmawati Penyunting"
ACTOR_EMAIL = "penyunting.rahasia@kirab.example"


@pytest.fixture
def jalur(app) -> Route:
    """Jalur VII with its published events (made directly: nothing in the log yet), committed."""
    route = make_jalur_vii()
    db.session.commit()
    return route


@pytest.fixture
def admin(app):
    """An admin with a name and address that must never reach the public log."""
    user = make_user("admin", name=ACTOR_NAME, email=ACTOR_EMAIL)
    db.session.commit()
    return user


def stop_of(code: str) -> Stop:
    """The Jalur VII stop hosted by the office of ``code``."""
    route = db.session.execute(db.select(Route).where(Route.name == "Jalur VII")).scalar_one()
    return next(stop for stop in route.stops if stop.region_code == code)


def event_titled(title: str) -> Event:
    """The event of that title."""
    return db.session.execute(db.select(Event).where(Event.title == title)).scalar_one()


def entries() -> list[AgendaChange]:
    """Every entry of the log, oldest first."""
    db.session.expire_all()
    return list(db.session.execute(db.select(AgendaChange).order_by(AgendaChange.id)).scalars())


def kinds() -> list[str]:
    """The kinds of the log's entries, oldest first."""
    return [entry.kind for entry in entries()]


def data_of(event: Event, **changes) -> EventData:
    """An event's data with some fields changed."""
    return replace(EventData.of(event), **changes)


# -- recording, through the services -------------------------------------------------------------


def test_each_public_change_is_recorded_once_with_its_public_fields(jalur, admin):
    dapil3 = event_titled("Pawai Kirab Pemilu Dapil 3")
    update_event(dapil3, data_of(dapil3, starts_at=at("2023-11-15 13:00"),
                 ends_at=at("2023-11-15 16:00")), actor=admin, now=NOW)  # fmt: skip
    update_event(dapil3, data_of(dapil3, venue_name="GOR Tambun", venue_address=""),
                 actor=admin, now=NOW + DAY)  # fmt: skip
    update_event(dapil3, data_of(dapil3, description="Lebih ramai"), actor=admin, now=NOW)
    cancel_event(dapil3, "Hujan deras", actor=admin, now=NOW + 2 * DAY)
    withdraw_event(dapil3, actor=admin, now=NOW + 3 * DAY)
    assert kinds() == ["moved", "venue", "cancelled", "withdrawn"]
    moved, venue, cancelled, withdrawn = entries()
    [row] = moved.events
    assert (row.title, row.old_starts_at, row.new_starts_at, row.new_ends_at) == (
        "Pawai Kirab Pemilu Dapil 3", at("2023-11-15 08:00"), at("2023-11-15 13:00"),
        at("2023-11-15 16:00"),
    )  # fmt: skip
    assert moved.stop_id == dapil3.stop_id and moved.region_code == "32.16"
    assert (venue.events[0].old_venue, venue.events[0].new_venue) == ("", "GOR Tambun")
    assert cancelled.events[0].reason == "Hujan deras"
    assert withdrawn.events[0].old_starts_at == at("2023-11-15 13:00")
    assert withdrawn.occurred_at == NOW + 3 * DAY


def test_a_time_and_venue_change_at_once_gives_both_entries(jalur, admin):
    event = event_titled("KPU Goes To Campus")
    changed = data_of(event, starts_at=at("2023-11-14 10:00"), ends_at=at("2023-11-14 13:00"),
                      venue_name="Universitas Pelita Bangsa")  # fmt: skip
    update_event(event, changed, actor=admin, now=NOW)
    assert sorted(kinds()) == ["moved", "venue"]


def test_drafts_are_never_recorded_and_publishing_is_a_creation(jalur, admin):
    stop = stop_of("32.16")
    data = EventData(kind="outreach", title="Sosialisasi pemilih pemula",
                     starts_at=at("2023-11-16 13:00"), ends_at=at("2023-11-16 15:00"))  # fmt: skip
    draft = create_event(stop, data, actor=admin, now=NOW)
    update_event(draft, replace(data, starts_at=at("2023-11-16 14:00")), actor=admin, now=NOW)
    other = create_event(stop, data, actor=admin, now=NOW)
    delete_event(other, actor=admin, now=NOW)
    assert kinds() == []
    publish_event(draft, actor=admin, now=NOW)
    [created] = entries()
    assert created.kind == ChangeKind.CREATED
    assert created.events[0].new_starts_at == at("2023-11-16 14:00")


def test_a_withdrawn_event_is_listed_once_and_its_later_drafts_never(jalur, admin):
    event = event_titled("Deklarasi Pemilu damai")
    withdraw_event(event, actor=admin, now=NOW)
    with pytest.raises(DomainError):
        withdraw_event(event, actor=admin, now=NOW)
    update_event(event, data_of(event, starts_at=at("2023-11-13 12:00"),
                 ends_at=at("2023-11-13 13:00")), actor=admin, now=NOW)  # fmt: skip
    delete_event(event, actor=admin, now=NOW)
    assert kinds() == ["withdrawn"]
    assert db.session.get(Event, event.id).status == DRAFT


def test_a_shift_is_one_entry_listing_its_public_events_and_no_moves(jalur, admin):
    kab = stop_of("32.16")
    draft = make_event(kab, title="Rapat internal", status=DRAFT)
    db.session.commit()
    apply_shift(kab, DAY, actor=admin)
    [shift] = entries()
    assert shift.kind == ChangeKind.SHIFTED and shift.stop_id == kab.id
    listed = {row.event_id for row in shift.events}
    public = set(
        db.session.execute(
            db.select(Event.id).where(
                Event.stop_id.in_([kab.id, stop_of("32.75").id, stop_of("RI").id]),
                Event.status == "published",
            )
        ).scalars()
    )
    assert listed == public and len(listed) == 12 and draft.id not in listed
    assert all(row.new_starts_at - row.old_starts_at == DAY for row in shift.events)


def test_a_reorder_is_one_shifted_entry(client, jalur, admin):
    move_stop(stop_of("32.75"), "up", actor=admin)
    db.session.commit()
    [shift] = entries()
    assert shift.kind == "shifted" and len(shift.events) == 11  # both stops' events
    page = client.get("/changes").get_data(as_text=True)
    assert "Kegiatan berpindah waktu karena urutan singgahan Jalur VII berubah" in page


def test_the_signal_carries_the_flushed_entry(jalur, admin):
    heard = []

    def listen(change):
        heard.append((change.id, change.kind, [row.id for row in change.events]))

    with change_recorded.connected_to(listen):
        cancel_event(event_titled("KPU Goes To Campus"), "Kampus libur", actor=admin, now=NOW)
    [(change_id, kind, rows)] = heard
    assert change_id is not None and kind == "cancelled" and all(rows)


# -- recording, through the HTTP forms -----------------------------------------------------------


def test_the_forms_record_moves_cancellations_withdrawals_and_shifts(client, jalur, admin):
    login(client, admin)
    event = event_titled("KPU Goes To Campus")
    path = f"/manage/events/{event.id}/edit"
    form = {
        "kind": "campus", "title": "KPU Goes To Campus", "starts_at": "2023-11-14T10:00",
        "ends_at": "2023-11-14T13:00", "venue_name": "", "venue_address": "", "dapil_id": "",
        "latitude": "", "longitude": "", "capacity": "", **opened_form(client, path),
    }  # fmt: skip
    assert client.post(path, data=form).status_code == 302
    token = csrf_token(client, f"/manage/stops/{event.stop_id}/events")
    cancel = f"/manage/events/{event.id}/cancel"
    assert client.post(cancel, data={"csrf_token": token, "reason": "Libur"}).status_code == 302
    withdraw = f"/manage/events/{event.id}/withdraw"
    assert client.post(withdraw, data={"csrf_token": token}).status_code == 302
    assert client.post(withdraw, data={"csrf_token": token}).status_code == 302  # refused, flashed
    assert kinds() == ["moved", "cancelled", "withdrawn"]

    kab = stop_of("32.16")
    url = f"/manage/stops/{kab.id}/shift"
    form = {"amount": "1", "unit": "days", "csrf_token": csrf_token(client, url)}
    page = client.post(url, data=form).get_data(as_text=True)
    basis = page.split('name="basis" type="hidden" value="')[1].split('"')[0]
    confirmed = client.post(url, data={**form, "action": "confirm", "basis": basis})
    assert confirmed.status_code == 302
    assert kinds() == ["moved", "cancelled", "withdrawn", "shifted"]


def test_the_stop_page_offers_taking_a_public_event_off_the_agenda(client, jalur, admin):
    login(client, admin)
    page = client.get(f"/manage/stops/{stop_of('32.16').id}/events").get_data(as_text=True)
    assert "/withdraw" in page and "Tarik dari agenda" in page


# -- /changes and /changes.atom ------------------------------------------------------------------


@pytest.fixture
def changed(jalur, admin):
    """A move in Kabupaten Bekasi, a cancellation in Karawang, a withdrawal; committed."""
    dapil3 = event_titled("Pawai Kirab Pemilu Dapil 3")
    update_event(dapil3, data_of(dapil3, starts_at=at("2023-11-15 13:00"),
                 ends_at=at("2023-11-15 16:00")), actor=admin, now=NOW)  # fmt: skip
    cancel_event(event_titled("Pawai Kirab Pemilu Karawang"), "Banjir", actor=admin,
                 now=NOW + DAY)  # fmt: skip
    withdraw_event(event_titled("Deklarasi Pemilu damai"), actor=admin, now=NOW + 2 * DAY)
    db.session.commit()
    return dapil3


def atom(client, query: str = "", **headers):
    """The Atom feed of a filter, parsed by feedparser (which must find nothing wrong)."""
    response = client.get(f"/changes.atom{query}", headers=headers)
    assert response.status_code == 200, response.data
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return response, parsed


def listed_ids(client, query: str = "") -> list[str]:
    """The entry numbers ``/changes`` lists, in order."""
    page = client.get(f"/changes{query}").get_data(as_text=True)
    return [part.split('"')[0] for part in page.split('data-change-id="')[1:]]


def test_the_page_tells_each_change_in_indonesian_newest_first(client, changed):
    response = client.get("/changes")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    moved = "Pawai Kirab Pemilu Dapil 3 dipindah dari Rabu 08.00 WIB ke Rabu 13.00 WIB"
    assert moved in page
    assert f'href="/events/{changed.id}"' in page
    assert (
        "Pawai Kirab Pemilu Karawang pada Kamis, 9 November 2023, 08.00 WIB dibatalkan: Banjir"
        in page
    )
    assert (
        "Deklarasi Pemilu damai pada Senin, 13 November 2023, 11.00 WIB ditarik dari agenda" in page
    )
    assert page.index("Deklarasi") < page.index("Karawang pada") < page.index(moved)
    withdrawn = event_titled("Deklarasi Pemilu damai")
    assert f'href="/events/{withdrawn.id}"' not in page  # a draft now: its page is 404


def test_the_page_in_english(client, changed):
    page = client.get("/changes?lang=en").get_data(as_text=True)
    assert (
        "Pawai Kirab Pemilu Dapil 3 moved from Wednesday 08:00 WIB to Wednesday 13:00 WIB" in page
    )


def test_a_shift_reads_as_one_entry_with_a_line_per_event(client, jalur, admin):
    apply_shift(stop_of("32.16"), DAY, actor=admin)
    db.session.commit()
    page = client.get("/changes?region=32.16").get_data(as_text=True)
    assert page.count("data-change-id=") == 1
    assert "Kegiatan di KPU Kabupaten Bekasi dimundurkan 24 jam" in page
    assert "Pawai Kirab Pemilu Dapil 7 dipindah dari Sabtu 08.00 WIB ke Minggu 08.00 WIB" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["withdrawn", "cancelled", "moved"]),
        ("?region=32.16", ["withdrawn", "moved"]),
        ("?region=32.15", ["cancelled"]),
        ("?kind=parade", ["cancelled", "moved"]),
        ("?kind=declaration", ["withdrawn"]),
        ("?dapil=32.16-3", []),  # these events name no dapil
        ("?from=2023-11-15&to=2023-11-15", ["moved"]),
        ("?from=2023-11-09&to=2023-11-09", ["cancelled"]),
        ("?region=73", []),
    ],
)
def test_the_page_and_the_feed_list_the_same_changes_for_a_filter(client, changed, query, expected):
    by_kind = {entry.kind: str(entry.id) for entry in entries()}
    ids = [by_kind[kind] for kind in expected]
    assert listed_ids(client, query) == ids
    _response, parsed = atom(client, query)
    assert [entry.id.rsplit("/", 1)[1] for entry in parsed.entries] == ids


def test_a_move_out_of_the_chosen_days_is_still_listed(client, jalur, admin):
    dapil3 = event_titled("Pawai Kirab Pemilu Dapil 3")
    update_event(dapil3, data_of(dapil3, starts_at=at("2023-11-16 13:00"),
                 ends_at=at("2023-11-16 16:00")), actor=admin, now=NOW)  # fmt: skip
    db.session.commit()
    assert len(listed_ids(client, "?from=2023-11-15&to=2023-11-15")) == 1
    assert len(listed_ids(client, "?from=2023-11-16&to=2023-11-16")) == 1
    assert listed_ids(client, "?from=2023-11-17") == []


def test_the_page_is_paginated(client, changed):
    everything = listed_ids(client)
    assert listed_ids(client, "?per_page=2") == everything[:2]
    assert listed_ids(client, "?per_page=2&page=2") == everything[2:]
    assert 'rel="next"' in client.get("/changes?per_page=2").get_data(as_text=True)


@pytest.mark.parametrize(
    "query", ["region=99", "dapil=32.16-99", "kind=party", "route=abc", "from=2023-13-01",
              "page=0", "region=32&region=33"],
)  # fmt: skip
def test_a_bad_filter_is_a_400_on_both(client, changed, query):
    page = client.get(f"/changes?{query}")
    assert page.status_code == 400 and "text/html" in page.content_type
    if not query.startswith("page"):
        feed = client.get(f"/changes.atom?{query}")
        assert feed.status_code == 400
        assert feed.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_the_feed_is_valid_atom_with_stable_ids_absolute_links_and_its_language(client, changed):
    _response, parsed = atom(client, "?region=32.16")
    assert parsed.version == "atom10"
    assert parsed.feed.language == "id"
    assert parsed.feed.title == "Perubahan agenda Kirab Pemilu"
    assert parsed.feed.updated_parsed is not None
    self_link = next(link for link in parsed.feed.links if link.rel == "self")
    assert self_link.href == f"{BASE_URL}/changes.atom?region=32.16"
    moved = parsed.entries[-1]
    assert (
        moved.title == "Pawai Kirab Pemilu Dapil 3 dipindah dari Rabu 08.00 WIB ke Rabu 13.00 WIB"
    )
    assert moved.link == f"{BASE_URL}/events/{changed.id}"
    assert moved.updated_parsed[:5] == (2023, 11, 1, 3, 0)
    _english, english = atom(client, "?region=32.16&lang=en")
    assert english.feed.language == "en"
    assert [entry.id for entry in english.entries] == [entry.id for entry in parsed.entries]
    assert english.entries[-1].link == f"{BASE_URL}/events/{changed.id}?lang=en"
    assert "moved from Wednesday 08:00 WIB" in english.entries[-1].title


def test_an_empty_feed_is_still_valid(client, jalur):
    _response, parsed = atom(client, "?region=73")
    assert parsed.entries == [] and parsed.feed.updated_parsed is not None


def test_validators_give_304_and_a_change_shows_on_the_very_next_request(client, changed, admin):
    response, _parsed = atom(client)
    assert response.headers["Cache-Control"] == "public, no-cache"
    etag = response.headers["ETag"]
    assert response.headers["Last-Modified"]
    again = client.get("/changes.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    since = client.get(
        "/changes.atom", headers={"If-Modified-Since": response.headers["Last-Modified"]}
    )
    assert since.status_code == 304
    page = client.get("/changes")
    assert (
        client.get("/changes", headers={"If-None-Match": page.headers["ETag"]}).status_code == 304
    )

    cancel_event(event_titled("KPU Goes To Campus"), "Kampus libur", actor=admin, now=NOW + 5 * DAY)
    db.session.commit()
    fresh = client.get("/changes.atom", headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert "Kampus libur" in feedparser.parse(fresh.data).entries[0].title
    assert "Kampus libur" in client.get(
        "/changes", headers={"If-None-Match": page.headers["ETag"]}
    ).get_data(as_text=True)


def test_no_actor_ever_appears_in_the_page_or_the_feed(client, changed):
    for path in ("/changes", "/changes?lang=en", "/changes.atom", "/changes.atom?lang=en"):
        body = client.get(path).get_data(as_text=True)
        assert ACTOR_NAME not in body and ACTOR_EMAIL not in body and "penyunting" not in body


def test_the_agenda_and_event_pages_link_the_change_log_beside_the_calendar(client, changed):
    agenda = client.get("/agenda?region=32.16").get_data(as_text=True)
    assert 'href="/changes?region=32.16"' in agenda
    assert f'href="{BASE_URL}/changes.atom?region=32.16"' in agenda
    event = client.get(f"/events/{changed.id}?lang=en").get_data(as_text=True)
    assert 'href="/changes?region=32.16"' in event
    assert f'href="{BASE_URL}/changes.atom?region=32.16&amp;lang=en"' in event


def test_the_api_lists_the_same_changes_as_json_without_actors(client, changed):
    response = client.get("/api/v1/changes?region=32.16&per_page=1")
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 2 and body["next"].startswith(f"{BASE_URL}/api/v1/changes?")
    [withdrawn] = body["changes"]
    assert withdrawn["kind"] == "withdrawn" and withdrawn["region_code"] == "32.16"
    [row] = withdrawn["events"]
    assert row["title"] == "Deklarasi Pemilu damai" and row["url"] is None
    assert row["old_starts_at"] == "2023-11-13T11:00:00+07:00" and row["new_starts_at"] is None
    second = client.get(body["next"].removeprefix(BASE_URL)).get_json()["changes"][0]
    assert second["events"][0]["url"] == f"{BASE_URL}/events/{changed.id}"
    assert [str(item["id"]) for item in body["changes"] + [second]] == listed_ids(
        client, "?region=32.16"
    )
    assert ACTOR_NAME not in response.get_data(as_text=True)
    assert client.get("/api/v1/changes?kind=party").status_code == 400


def test_a_shift_of_drafts_alone_is_not_listed(jalur, admin):
    for event in db.session.execute(db.select(Event).where(Event.stop_id.in_(
        [stop_of(code).id for code in ("32.16", "32.75", "RI")]
    ))).scalars():  # fmt: skip
        event.status = DRAFT
    db.session.commit()
    apply_shift(stop_of("32.16"), DAY, actor=admin)
    assert kinds() == []


def test_a_shift_is_found_under_each_region_it_moved_events_in(client, jalur, admin):
    apply_shift(stop_of("32.16"), DAY, actor=admin)
    db.session.commit()
    [shift] = entries()
    for region in ("32.16", "32.75", "RI"):
        assert listed_ids(client, f"?region={region}") == [str(shift.id)]
    assert listed_ids(client, "?region=32.08") == []


def test_a_page_past_the_last_says_so_instead_of_no_changes(client, changed):
    text = client.get("/changes?per_page=1&page=99").get_data(as_text=True)
    total = int(re.search(r'class="count" role="status">(\d+) ', text)[1])
    assert total >= 3
    assert "Tidak ada perubahan" not in text
    assert "Halaman 99 sudah melewati halaman terakhir hasil ini." in text
    assert f"page={total}" in text and f"Ke halaman {total}" in text
    nothing = client.get("/changes?from=2030-01-01").get_data(as_text=True)
    assert "melewati" not in nothing and "Tidak ada perubahan yang cocok" in nothing
