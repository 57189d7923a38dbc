"""The feeds over HTTP, read as calendar apps read them (ICS.md rules, Show 1-3)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from werkzeug.http import http_date

from kirab.database import db
from kirab.events.models import Event
from kirab.events.scheduling import (
    EventData,
    cancel_event,
    create_event,
    delete_event,
    publish_event,
    update_event,
)
from kirab.regions.models import Dapil, Party
from tests.conftest import extra_app, login
from tests.factories import at, make_event, make_user
from tests.feeds_support import (
    BASE_URL,
    CALENDAR_TYPE,
    NOW,
    fetch,
    many_events,
    pin,
    three_zone_route,
)
from tests.ics_checks import check_calendar


@pytest.fixture
def route(app):
    """The three-zone route, with "now" pinned before its first stop."""
    pin(app, NOW)
    route = three_zone_route()
    db.session.commit()
    return route


def event_data(**changes) -> EventData:
    """A parade in Kabupaten Bekasi's stop."""
    values = dict(
        kind="parade", title="Pawai Kirab Pemilu Dapil 3",
        starts_at=at("2023-11-15 08:00"), ends_at=at("2023-11-15 11:00"),
        venue_name="Alun-alun Tambun", venue_address="Jl. Sultan Hasanudin",
    )  # fmt: skip
    values.update(changes)
    return EventData(**values)


# -- HTTP: type, disposition, errors, validators ------------------------------------------------


def test_a_feed_is_text_calendar_without_attachment_and_with_strong_validators(client, route):
    make_event(route.stops[0], title="Sosialisasi")
    db.session.commit()
    response, checked = fetch(client, "/calendar.ics?region=32.16")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CALENDAR_TYPE
    assert "Content-Disposition" not in response.headers
    assert response.headers["ETag"].startswith('"')  # strong: no W/
    assert response.headers["Last-Modified"]
    assert response.headers["Cache-Control"] == "public, no-cache"
    assert [str(e["SUMMARY"]) for e in checked.events] == ["Sosialisasi"]


def test_the_single_event_download_is_an_attachment(client, route):
    event = make_event(route.stops[0], title="Deklarasi")
    db.session.commit()
    response = client.get(f"/events/{event.id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CALENDAR_TYPE
    assert response.headers["Content-Disposition"] == f'attachment; filename="kirab-{event.id}.ics"'
    checked = check_calendar(response.data)
    assert checked.uids == [event.uid]
    assert checked.text("NAME") == "Kirab Pemilu: Deklarasi"
    again = client.get(
        f"/events/{event.id}.ics", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""


@pytest.mark.parametrize(
    "path",
    [
        "/calendar.ics?region=99.99",
        "/calendar.ics?region=<b>",
        "/calendar.ics?dapil=32.16-99",
        "/calendar.ics?kind=party",
        "/calendar.ics?route=abc",
        "/calendar.ics?from=2023-13-01",
        "/calendar.ics?from=2023-11-20&to=2023-11-01",
        "/calendar.ics?region=32&region=33",
    ],
)
def test_a_bad_filter_is_a_400_in_plain_text_never_html(client, route, path):
    response = client.get(path)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.data.strip() and b"<html" not in response.data.lower()


def test_unknown_events_and_drafts_are_404_in_plain_text(client, route):
    draft = make_event(route.stops[0], status="draft")
    deleted = make_event(route.stops[0], status="draft", deleted_at=NOW)
    db.session.commit()
    for path in (f"/events/{draft.id}.ics", f"/events/{deleted.id}.ics", "/events/99999.ics",
                 "/calendar/no-such-token.ics"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_the_committee_downloads_a_draft_as_tentative(client, route):
    draft = make_event(route.stops[0], status="draft")
    login(client, make_user("organizer", regions=["32.16"]))
    db.session.commit()
    (event,) = check_calendar(client.get(f"/events/{draft.id}.ics").data).events
    assert str(event["STATUS"]) == "TENTATIVE"


def test_conditional_requests_and_head(client, route):
    make_event(route.stops[0])
    db.session.commit()
    first, _checked = fetch(client, "/calendar.ics")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]

    not_modified = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert not_modified.headers["ETag"] == etag

    since = client.get("/calendar.ics", headers={"If-Modified-Since": modified})
    assert since.status_code == 304 and since.data == b""
    later = http_date(datetime.strptime(modified, "%a, %d %b %Y %H:%M:%S GMT") + timedelta(days=1))
    assert client.get("/calendar.ics", headers={"If-Modified-Since": later}).status_code == 304
    older = http_date(
        datetime.strptime(modified, "%a, %d %b %Y %H:%M:%S GMT") - timedelta(seconds=1)
    )
    assert client.get("/calendar.ics", headers={"If-Modified-Since": older}).status_code == 200

    for garbage in ("yesterday", "Mon, 99 Foo 2023 25:61:61 GMT", "0", ""):
        response = client.get("/calendar.ics", headers={"If-Modified-Since": garbage})
        assert response.status_code == 200 and response.data == first.data

    # If-None-Match wins over If-Modified-Since.
    other = client.get(
        "/calendar.ics", headers={"If-None-Match": '"other"', "If-Modified-Since": modified}
    )
    assert other.status_code == 200

    head = client.head("/calendar.ics")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == etag and head.headers["Content-Type"] == CALENDAR_TYPE
    assert int(head.headers["Content-Length"]) == len(first.data)
    head_304 = client.head("/calendar.ics", headers={"If-None-Match": etag})
    assert head_304.status_code == 304


# -- content: filters, names, links, language ---------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "region=32",
        "region=73.71",
        "region=91",
        "region=32.16.06",
        "dapil=32.16-3",
        "kind=parade",
        "kind=parade&kind=campus",
        "route={route}",
        "from=2023-11-20",
        "to=2023-11-19",
        "from=2023-11-15&to=2023-11-21",
        "region=32.16&kind=parade&from=2023-11-14",
    ],
)
def test_the_feed_holds_exactly_what_the_agenda_filter_selects(client, route, query):
    stops = route.stops
    dapil3 = db.session.execute(
        db.select(Dapil).where(Dapil.region_code == "32.16", Dapil.number == 3)
    ).scalar_one()
    make_event(
        stops[0], kind="parade", title="Pawai 3", starts_at=at("2023-11-15 08:00"), dapil=dapil3
    )
    make_event(stops[0], kind="campus", title="Kampus", starts_at=at("2023-11-14 09:00"))
    make_event(
        stops[1],
        kind="parade",
        title="Pawai Makassar",
        starts_at=at("2023-11-21 08:00", "Asia/Makassar"),
    )
    make_event(stops[2], kind="handover", title="Serah terima Jayapura",
               starts_at=at("2023-11-27 09:00", "Asia/Jayapura"))  # fmt: skip
    db.session.commit()
    query = query.format(route=route.id)
    expected = [e["uid"] for e in client.get(f"/api/v1/events?{query}").json["events"]]
    _response, checked = fetch(client, f"/calendar.ics?{query}")
    assert checked.uids == expected


def test_the_feed_is_named_after_its_filter_in_indonesian_or_english(client, route):
    make_event(route.stops[0], kind="parade")
    db.session.commit()
    _r, checked = fetch(client, "/calendar.ics?region=32.16&kind=parade&from=2023-11-14")
    name = checked.text("NAME")
    assert name == "Kirab Pemilu: Kabupaten Bekasi · Pawai dapil · dari 14 Nov 2023"
    assert checked.head["PRODID"].endswith("//ID")
    _r, everything = fetch(client, "/calendar.ics")
    assert everything.text("X-WR-CALNAME") == "Kirab Pemilu: semua kegiatan"

    _r, english = fetch(client, "/calendar.ics?region=32.16&kind=parade&lang=en")
    assert english.text("NAME") == "Kirab Pemilu: Kabupaten Bekasi · District parade"
    assert english.head["PRODID"].endswith("//EN")
    (event,) = english.events
    assert "Host: KPU Kabupaten Bekasi" in str(event["DESCRIPTION"])
    assert str(event["URL"]) == f"{BASE_URL}/events/{event_id(event)}?lang=en"


def event_id(component) -> int:
    """The database id of an event in a feed, read from its URL."""
    return int(str(component["URL"]).split("/events/")[1].split("?")[0])


def test_links_come_from_the_base_url_never_from_the_host_header(client, route):
    make_event(route.stops[0])
    db.session.commit()
    response = client.get("/calendar.ics?region=32.16", headers={"Host": "evil.example"})
    checked = check_calendar(response.data)
    (event,) = checked.events
    assert str(event["URL"]).startswith(f"{BASE_URL}/events/")
    assert f"{BASE_URL}/events/" in str(event["DESCRIPTION"])
    assert f"{BASE_URL}/agenda?region=32.16" in checked.text("DESCRIPTION")
    assert b"evil.example" not in response.data


# -- Show 2: a subscriber follows edits, a cancellation and a deleted draft ---------------------


def test_a_subscriber_follows_every_change(app, client, route):
    """Edit, cancel, delete: what a client polling the feed sees after each step."""
    stop = route.stops[0]
    organizer = make_user("organizer", regions=["32.16"])
    times = iter(at(f"2023-11-0{day} 10:00") for day in range(1, 10))

    def poll(previous=None):
        headers = {"If-None-Match": previous.headers["ETag"]} if previous is not None else {}
        return fetch(client, "/calendar.ics?region=32.16", **headers)

    parade = create_event(stop, event_data(), actor=organizer, now=next(times))
    publish_event(parade, actor=organizer, now=next(times))
    db.session.commit()
    first, checked = poll()
    uid = parade.uid
    (seen,) = checked.events
    assert str(seen["UID"]) == uid and seen["SEQUENCE"] == 1
    modified_1 = seen["LAST-MODIFIED"].dt

    # Unchanged: 304 without a body, also after a change that is not in this feed.
    assert poll(first)[0].status_code == 304
    draft = create_event(stop, event_data(title="Draf rapat", kind="outreach"), actor=organizer,
                         now=next(times))  # fmt: skip
    make_event(route.stops[1], title="Di Makassar")
    db.session.commit()
    unchanged, _ = poll(first)
    assert unchanged.status_code == 304 and unchanged.data == b""
    assert unchanged.headers["ETag"] == first.headers["ETag"]

    # Edit the time: same UID, SEQUENCE and LAST-MODIFIED rise, a new ETag.
    later = dict(starts_at=at("2023-11-15 09:00"), ends_at=at("2023-11-15 12:00"))
    update_event(parade, event_data(**later), actor=organizer, now=next(times))
    db.session.commit()
    edited, checked = poll(first)
    assert edited.status_code == 200
    (seen,) = checked.events
    assert str(seen["UID"]) == uid
    assert seen["SEQUENCE"] == 2 and seen["LAST-MODIFIED"].dt > modified_1
    assert seen["DTSTART"].dt == datetime(2023, 11, 15, 9, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert edited.headers["ETag"] != first.headers["ETag"]
    assert last_modified(edited) > last_modified(first)
    assert poll(edited)[0].status_code == 304

    # A change nobody would call noticeable: SEQUENCE stays, LAST-MODIFIED still rises.
    described_data = event_data(**later, description="Rute lewat Tambun.")
    update_event(parade, described_data, actor=organizer, now=next(times))
    db.session.commit()
    described, checked = poll(edited)
    (seen,) = checked.events
    assert seen["SEQUENCE"] == 2 and seen["LAST-MODIFIED"].dt > edited_modified(edited)
    assert described.headers["ETag"] != edited.headers["ETag"]

    # Cancel: still there, as cancelled, in status and in words, SEQUENCE raised.
    cancel_event(parade, "Hujan deras", actor=organizer, now=next(times))
    db.session.commit()
    cancelled, checked = poll(described)
    assert cancelled.status_code == 200
    (seen,) = checked.events
    assert str(seen["UID"]) == uid and seen["SEQUENCE"] == 3
    assert str(seen["STATUS"]) == "CANCELLED"
    assert str(seen["SUMMARY"]) == "Dibatalkan: Pawai Kirab Pemilu Dapil 3"
    assert "Hujan deras" in str(seen["DESCRIPTION"])
    assert cancelled.headers["ETag"] != described.headers["ETag"]

    # The draft was never in the feed; deleted, it is gone everywhere and the feed is unchanged.
    assert draft.uid not in checked.uids
    committee = app.test_client()
    login(committee, organizer)
    assert committee.get(f"/events/{draft.id}.ics").status_code == 200
    delete_event(draft, actor=organizer, now=next(times))
    db.session.commit()
    assert committee.get(f"/events/{draft.id}.ics").status_code == 404
    after_delete, _ = poll(cancelled)
    assert after_delete.status_code == 304

    # Once the day it ended is over, the cancelled event leaves the feed: new ETag, later date.
    pin(app, at("2023-11-16 06:00"))
    gone, checked = poll(cancelled)
    assert gone.status_code == 200 and checked.uids == []
    assert gone.headers["ETag"] != cancelled.headers["ETag"]
    assert last_modified(gone) > last_modified(cancelled)
    assert poll(gone)[0].status_code == 304


def last_modified(response) -> datetime:
    """The Last-Modified header as a datetime."""
    return response.last_modified


def edited_modified(response) -> datetime:
    """LAST-MODIFIED of the one event in a feed response."""
    (event,) = check_calendar(response.data).events
    return event["LAST-MODIFIED"].dt


def test_an_event_edited_out_of_a_filter_leaves_its_feed(client, route):
    organizer = make_user("organizer", regions=["32.16"])
    campus = create_event(route.stops[0], event_data(kind="campus", title="Kampus"),
                          actor=organizer, now=at("2023-11-01 10:00"))  # fmt: skip
    publish_event(campus, actor=organizer, now=at("2023-11-01 11:00"))
    db.session.commit()
    before, checked = fetch(client, "/calendar.ics?kind=campus")
    assert checked.uids == [campus.uid]
    update_event(campus, event_data(kind="outreach", title="Kampus"), actor=organizer,
                 now=at("2023-11-01 12:00"))  # fmt: skip
    db.session.commit()
    after, checked = fetch(
        client, "/calendar.ics?kind=campus", **{"If-None-Match": before.headers["ETag"]}
    )
    assert after.status_code == 200 and checked.uids == []
    assert after.last_modified > before.last_modified


# -- Show 3: time zones, the size rule, the empty feed ------------------------------------------


def test_events_in_three_zones_read_back_at_their_local_times(client, route):
    jakarta, makassar, jayapura = route.stops
    wita, wit = "Asia/Makassar", "Asia/Jayapura"
    expected = {
        make_event(jakarta, starts_at=at("2023-11-15 08:00")).uid: ("Asia/Jakarta", 7),
        make_event(makassar, starts_at=at("2023-11-21 08:00", wita)).uid: (wita, 8),
        make_event(jayapura, starts_at=at("2023-11-28 08:00", wit)).uid: (wit, 9),
    }
    db.session.commit()
    _r, checked = fetch(client, "/calendar.ics")
    assert {str(tz["TZID"]) for tz in checked.calendar.walk("VTIMEZONE")} == {
        "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"
    }  # fmt: skip
    import recurring_ical_events

    for uid, (zone, offset) in expected.items():
        event = checked.event(uid)
        assert event["DTSTART"].params["TZID"] == zone
        local = ZoneInfo(zone)
        day = event["DTSTART"].dt.date()
        # What a client in that zone shows between 07:59 and 08:01 local time: this event.
        shown = recurring_ical_events.of(checked.calendar).between(
            datetime.combine(day, datetime.min.time(), local).replace(hour=7, minute=59),
            datetime.combine(day, datetime.min.time(), local).replace(hour=8, minute=1),
        )
        assert [str(e["UID"]) for e in shown] == [uid]
        start = shown[0]["DTSTART"].dt
        assert (start.hour, start.minute) == (8, 0)
        assert start.utcoffset() == timedelta(hours=offset)
        assert shown[0]["DTEND"].dt - start == timedelta(hours=2)


def test_a_feed_of_more_than_1000_events_without_from_is_windowed_and_says_so(client, route):
    # 1,100 events every four hours from 1 September; "now" is 10 November (WIB).
    many_events(route.stops[0], 1100, at("2023-09-01 08:00"), timedelta(hours=4))
    db.session.commit()
    _r, checked = fetch(client, "/calendar.ics")
    window_start = at("2023-10-11 00:00")  # 30 days before the day of the feed
    ends = [e["DTEND"].dt for e in checked.events]
    assert 0 < len(ends) <= 1000
    assert min(ends) >= window_start
    starts = [e["DTSTART"].dt for e in checked.events]
    assert starts == sorted(starts)  # the earliest first
    expected = db.session.execute(
        db.select(db.func.count(Event.id)).where(Event.ends_at >= window_start)
    ).scalar()
    assert len(ends) == min(expected, 1000)
    description = checked.text("DESCRIPTION")
    assert (
        "hanya memuat 1.000 kegiatan paling awal yang berakhir pada atau setelah 11 Okt 2023"
        in description
    )
    assert "from dan to" in description

    _r, english = fetch(client, "/calendar.ics?lang=en")
    assert "only the 1,000 earliest events ending on or after 11 Oct 2023" in english.text(
        "DESCRIPTION"
    )


def test_a_feed_with_from_keeps_its_first_1000_and_says_so(client, route):
    many_events(route.stops[0], 1100, at("2023-09-01 08:00"), timedelta(hours=4))
    db.session.commit()
    _r, checked = fetch(client, "/calendar.ics?from=2023-09-01")
    assert len(checked.events) == 1000
    assert str(checked.events[0]["SUMMARY"]) == "Sosialisasi 1"
    assert str(checked.events[-1]["SUMMARY"]) == "Sosialisasi 1000"
    assert "hanya memuat 1.000 kegiatan pertama sejak 1 Sep 2023" in checked.text("DESCRIPTION")


def test_a_feed_of_at_most_1000_events_is_complete(client, route):
    many_events(route.stops[0], 1000, at("2023-01-01 08:00"), timedelta(hours=4))
    db.session.commit()
    _r, checked = fetch(client, "/calendar.ics?region=32.16")
    assert len(checked.events) == 1000
    assert "hanya memuat" not in checked.text("DESCRIPTION")


def test_an_empty_feed_is_a_valid_calendar(client, route):
    response, checked = fetch(client, "/calendar.ics?region=91")
    assert response.status_code == 200
    assert checked.events == []
    assert [str(tz["TZID"]) for tz in checked.calendar.walk("VTIMEZONE")] == ["Asia/Jayapura"]
    assert checked.head["X-WR-TIMEZONE"] == "Asia/Jayapura"


# -- caching: built once per change, validators shared by processes, the day in the key ---------


def test_validators_agree_across_processes(app, client, route, migrated):
    make_event(route.stops[0])
    db.session.commit()
    first, _ = fetch(client, "/calendar.ics?region=32.16")
    with extra_app(migrated, FIXED_NOW=NOW) as other:
        other_client = other.test_client()
        second = other_client.get("/calendar.ics?region=32.16")
        assert second.headers["ETag"] == first.headers["ETag"]
        assert second.headers["Last-Modified"] == first.headers["Last-Modified"]
        assert second.data == first.data
        revalidated = other_client.get(
            "/calendar.ics?region=32.16", headers={"If-None-Match": first.headers["ETag"]}
        )
        assert revalidated.status_code == 304


def test_the_date_is_part_of_the_validators(app, client, route):
    make_event(route.stops[0])
    db.session.commit()
    today, _ = fetch(client, "/calendar.ics")
    pin(app, NOW + timedelta(days=1))
    tomorrow, _ = fetch(client, "/calendar.ics", **{"If-None-Match": today.headers["ETag"]})
    assert tomorrow.status_code == 200  # a cached feed never outlives its day
    assert tomorrow.headers["ETag"] != today.headers["ETag"]
    assert tomorrow.data == today.data
    # Nothing in it changed, so its Last-Modified did not either.
    assert tomorrow.headers["Last-Modified"] == today.headers["Last-Modified"]


def test_a_feed_is_built_once_per_change_and_one_change_renders_one_event(
    client, route, monkeypatch
):
    from kirab.feeds import ics

    counts = {"render": 0, "assemble": 0}
    render, assemble = ics.render_event, ics.assemble

    def counting_render(*args, **kwargs):
        counts["render"] += 1
        return render(*args, **kwargs)

    def counting_assemble(*args, **kwargs):
        counts["assemble"] += 1
        return assemble(*args, **kwargs)

    monkeypatch.setattr(ics, "render_event", counting_render)
    monkeypatch.setattr(ics, "assemble", counting_assemble)
    many_events(route.stops[0], 40, at("2023-11-13 10:00"), timedelta(hours=3))
    organizer = make_user("organizer", regions=["32.16"])
    db.session.commit()

    def counted(path="/calendar.ics?region=32.16"):
        counts.update(render=0, assemble=0)
        _response, checked = fetch(client, path)
        return counts["render"], counts["assemble"], checked

    assert counted()[:2] == (40, 1)  # first build: every event once
    assert counted()[:2] == (0, 0)  # unchanged: served as stored
    assert counted("/calendar.ics?region=32")[:2] == (0, 1)  # another feed reuses the events

    make_event(route.stops[1], title="Di Makassar")  # data changed, but not this feed's
    db.session.commit()
    assert counted()[:2] == (0, 0)

    event = db.session.execute(db.select(Event).where(Event.title == "Sosialisasi 7")).scalar_one()
    renamed = replace(EventData.of(event), title="Sosialisasi tujuh")
    update_event(event, renamed, actor=organizer, now=at("2023-11-02 10:00"))
    db.session.commit()
    renders, assembles, checked = counted()
    assert (renders, assembles) == (1, 1)  # one change re-renders one event
    assert "Sosialisasi tujuh" in [str(e["SUMMARY"]) for e in checked.events]
    assert counted("/calendar.ics?region=32.16&lang=en")[:2] == (40, 1)  # another language


# -- personal feeds -----------------------------------------------------------------------------


def test_a_personal_feed_holds_followed_regions_and_invitations(client, route):
    from kirab.feeds.tokens import issue_token

    jakarta, makassar, jayapura = route.stops
    party = db.session.get(Party, 1)
    followed = make_event(jakarta, title="Di Bekasi")
    invited = make_event(jayapura, title="Undangan di Jayapura")
    invited.invited_parties = [party]
    make_event(makassar, title="Di Makassar")
    make_event(jakarta, title="Draf", status="draft")
    rep = make_user("party_rep", party=1, regions=["32.16"])
    token = issue_token(rep, actor=rep, now=NOW)
    db.session.commit()
    response, checked = fetch(client, f"/calendar/{token}.ics")
    assert sorted(checked.uids) == sorted([followed.uid, invited.uid])
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Content-Disposition" not in response.headers
    assert checked.text("NAME").startswith("Kirab Pemilu: agenda saya (Kabupaten Bekasi")
    again = client.get(
        f"/calendar/{token}.ics", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304
    assert again.headers["Referrer-Policy"] == "no-referrer"


def test_a_personal_feed_of_nothing_followed_is_empty_but_valid(client, route):
    from kirab.feeds.tokens import issue_token

    make_event(route.stops[0])
    observer = make_user("observer")
    token = issue_token(observer, actor=observer, now=NOW)
    db.session.commit()
    _r, checked = fetch(client, f"/calendar/{token}.ics")
    assert checked.events == []


def test_a_process_never_serves_its_copy_once_another_process_rebuilt(app, client, route, migrated):
    event = make_event(route.stops[0], title="Sebelum")
    db.session.commit()
    first, _ = fetch(client, "/calendar.ics")  # this process now holds a copy
    event.title, event.sequence, event.updated_at = "Sesudah", 1, at("2023-11-02 10:00")
    db.session.commit()
    with extra_app(migrated, FIXED_NOW=NOW) as other:
        rebuilt = other.test_client().get("/calendar.ics")
    assert rebuilt.headers["ETag"] != first.headers["ETag"]
    again, checked = fetch(client, "/calendar.ics")
    assert again.headers["ETag"] == rebuilt.headers["ETag"]
    assert again.data == rebuilt.data
    assert [str(e["SUMMARY"]) for e in checked.events] == ["Sesudah"]


def test_a_feed_url_never_answers_with_html(client, route):
    for response in (client.post("/calendar.ics"), client.delete("/events/1.ics")):
        assert response.status_code == 405
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_a_new_event_starts_at_sequence_zero(client, route):
    organizer = make_user("organizer", regions=["32.16"])
    draft = create_event(route.stops[0], event_data(), actor=organizer, now=at("2023-11-01 10:00"))
    db.session.commit()
    login(client, organizer)
    (event,) = check_calendar(client.get(f"/events/{draft.id}.ics").data).events
    assert event["SEQUENCE"] == 0
    assert str(event["UID"]) == draft.uid


def test_only_changes_to_what_feeds_show_count_as_feed_changes(app, route):
    from kirab.audit.services import record
    from kirab.dataversions import EVENTS, DataVersion

    def version():
        found = db.select(DataVersion.version).where(DataVersion.scope == EVENTS)
        return db.session.execute(found).scalar() or 0

    before = version()
    record(None, "test.note", route)  # the audit log is not in any feed
    db.session.commit()
    assert version() == before
    make_event(route.stops[0])
    db.session.commit()
    assert version() == before + 1


def test_a_feed_ignores_the_language_kept_in_the_session(client, route):
    """Calendar apps send no cookies: only lang=en in the URL makes a feed English."""
    make_event(route.stops[0], kind="parade", title="Pawai")
    db.session.commit()
    with client.session_transaction() as session:
        session["lang"] = "en"
    body = client.get("/calendar.ics?region=32.16").get_data(as_text=True)
    english = client.get("/calendar.ics?region=32.16&lang=en").get_data(as_text=True)
    assert body != english


def test_feeds_stay_cacheable_for_a_logged_in_browser(client, route):
    make_event(route.stops[0])
    admin = make_user("admin")
    db.session.commit()
    login(client, admin)
    response = client.get("/calendar.ics?region=32.16")
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert client.get("/manage").headers["Cache-Control"] == "private, no-store"
