"""The ICS builder on its own: a pure function from events to bytes (ICS.md, every rule)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from kirab.feeds import ics
from tests.ics_checks import check_calendar

WORDS = ics.Wording(
    cancelled="Dibatalkan: %(title)s",
    reason="Alasan pembatalan: %(reason)s",
    host="Tuan rumah: %(office)s",
    kinds={"parade": "Pawai dapil", "handover": "Upacara serah terima"},
)
INFO = ics.CalendarInfo(
    name="Kirab Pemilu: Kabupaten Bekasi", description="Agenda", timezone="Asia/Jakarta"
)
UPDATED = datetime(2023, 11, 1, 3, 4, 5, 678901, tzinfo=UTC)


def fake_event(number: int = 1, zone: str = "Asia/Jakarta", **fields):
    """An object with an event's attributes, as the builder reads them."""
    start = datetime(2023, 11, 15, 8, 0, tzinfo=ZoneInfo(zone))
    values = dict(
        id=number, uid=f"{number:032x}@kirab", title=f"Pawai Kirab Pemilu Dapil {number}",
        status="published", sequence=0, created_at=UPDATED - timedelta(days=3),
        updated_at=UPDATED, starts_at=start.astimezone(UTC),
        ends_at=(start + timedelta(hours=3)).astimezone(UTC), timezone=zone,
        venue_name="Alun-alun Tambun", venue_address="Jl. Sultan Hasanudin, Tambun Selatan",
        latitude=-6.26, longitude=107.06, description="Pawai melalui kecamatan.",
        cancel_reason="", kind="parade", dapil=SimpleNamespace(name="Bekasi 3"),
        districts=[SimpleNamespace(name="Tambun Selatan")],
        stop=SimpleNamespace(office=SimpleNamespace(name="KPU Kabupaten Bekasi")),
    )  # fmt: skip
    values.update(fields)
    return SimpleNamespace(**values)


def url_of(event) -> str:
    return f"https://kirab.test.example/events/{event.id}"


def build(*events, info=INFO) -> bytes:
    return ics.build_calendar(info, events, WORDS, url_of)


def test_same_data_renders_to_the_same_bytes():
    first = build(fake_event(1), fake_event(2, "Asia/Makassar"))
    again = build(fake_event(1), fake_event(2, "Asia/Makassar"))
    assert first == again
    assert ics.render_event(fake_event(1), WORDS, "u") == ics.render_event(
        fake_event(1), WORDS, "u"
    )


def test_event_properties_come_from_the_event_and_its_last_change():
    checked = check_calendar(build(fake_event(7, sequence=3)))
    (event,) = checked.events
    assert str(event["UID"]) == f"{7:032x}@kirab"
    # DTSTAMP and LAST-MODIFIED: the last change, in UTC, whole seconds.
    assert event["DTSTAMP"].dt == UPDATED.replace(microsecond=0)
    assert event["LAST-MODIFIED"].dt == UPDATED.replace(microsecond=0)
    assert event["SEQUENCE"] == 3
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Pawai Kirab Pemilu Dapil 7"
    assert str(event["LOCATION"]) == "Alun-alun Tambun, Jl. Sultan Hasanudin, Tambun Selatan"
    assert (event["GEO"].latitude, event["GEO"].longitude) == (-6.26, 107.06)
    assert str(event["URL"]) == "https://kirab.test.example/events/7"
    description = str(event["DESCRIPTION"])
    assert description.startswith("Pawai melalui kecamatan.\n")
    assert "Tuan rumah: KPU Kabupaten Bekasi" in description
    assert "Dapil: Bekasi 3" in description and "Kecamatan: Tambun Selatan" in description
    assert "https://kirab.test.example/events/7" in description
    assert [str(c) for c in event["CATEGORIES"].cats] == ["Pawai dapil", "Bekasi 3"]
    assert event["DTSTART"].dt == datetime(2023, 11, 15, 8, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert event["DTSTART"].params["TZID"] == "Asia/Jakarta"


def test_cancelled_event_says_so_in_status_and_in_words():
    cancelled = fake_event(status="cancelled", sequence=2, cancel_reason="Hujan deras")
    checked = check_calendar(build(cancelled))
    (event,) = checked.events
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["SUMMARY"]) == "Dibatalkan: Pawai Kirab Pemilu Dapil 1"
    assert "Alasan pembatalan: Hujan deras" in str(event["DESCRIPTION"])
    assert event["SEQUENCE"] == 2


def test_a_draft_downloaded_by_the_committee_is_tentative():
    (event,) = check_calendar(build(fake_event(status="draft"))).events
    assert str(event["STATUS"]) == "TENTATIVE"


def test_text_is_escaped_and_folded_without_splitting_characters():
    title = "Deklarasi; damai, jujur \\ adil — “Pemilu Riang Gembira” 🇮🇩" * 2
    event = fake_event(title=title, description="Baris satu\nBaris dua; tiga, empat")
    body = build(event)
    raw = b"".join(body.split(b"\r\n "))
    assert b"SUMMARY:Deklarasi\\; damai\\, jujur \\\\ adil" in raw
    assert b"Baris satu\\nBaris dua\\; tiga\\, empat" in raw
    for line in body.split(b"\r\n"):
        line.decode("utf-8")  # every physical line is whole UTF-8: no character split
    (parsed,) = check_calendar(body).events
    assert str(parsed["SUMMARY"]) == title
    assert str(parsed["DESCRIPTION"]).startswith("Baris satu\nBaris dua; tiga, empat\n")


def test_calendar_head_is_a_snapshot_named_once_with_equal_refresh_hints():
    info = ics.CalendarInfo(
        name="Kirab Pemilu: Jalur VII, Pawai dapil",
        description="Baris satu\nbaris dua;  dengan, tanda",
        timezone="Asia/Makassar",
        language="en",
    )
    checked = check_calendar(build(fake_event(), info=info))
    head = checked.head
    assert head["PRODID"] == "-//KPU//Kirab Pemilu//EN"
    assert checked.text("NAME") == checked.text("X-WR-CALNAME") == info.name
    assert checked.text("DESCRIPTION") == "Baris satu baris dua; dengan, tanda"  # one line
    assert head["REFRESH-INTERVAL"] == head["X-PUBLISHED-TTL"] == "PT3H"
    assert head["X-WR-TIMEZONE"] == "Asia/Makassar"
    assert "METHOD" not in head and "UID" not in head


def test_every_zone_used_has_its_vtimezone_and_times_read_back_local():
    zones = ["Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura"]
    events = [fake_event(n, zone) for n, zone in enumerate(zones, 1)]
    checked = check_calendar(build(*events))
    assert {str(tz["TZID"]) for tz in checked.calendar.walk("VTIMEZONE")} == set(zones)
    by_uid = {str(e["UID"]): e for e in checked.occurrences}
    for number, zone in enumerate(zones, 1):
        start = by_uid[f"{number:032x}@kirab"]["DTSTART"].dt
        assert (start.hour, start.minute, start.utcoffset()) == (
            8, 0, datetime(2023, 11, 15, tzinfo=ZoneInfo(zone)).utcoffset()
        )  # fmt: skip


def test_the_feed_zone_is_there_even_without_events_in_it():
    info = ics.CalendarInfo(name="Kirab Pemilu: Papua", description="-", timezone="Asia/Jayapura")
    checked = check_calendar(build(fake_event(1, "Asia/Jakarta"), info=info))
    assert {str(tz["TZID"]) for tz in checked.calendar.walk("VTIMEZONE")} == {
        "Asia/Jakarta",
        "Asia/Jayapura",
    }


def test_an_empty_calendar_is_valid():
    checked = check_calendar(ics.assemble(INFO, [], []))
    assert checked.events == []
    assert [str(tz["TZID"]) for tz in checked.calendar.walk("VTIMEZONE")] == ["Asia/Jakarta"]


def test_location_falls_back_to_the_host_office():
    event = fake_event(venue_name="", venue_address="", latitude=None, longitude=None, dapil=None)
    (parsed,) = check_calendar(build(event)).events
    assert str(parsed["LOCATION"]) == "KPU Kabupaten Bekasi"
    assert "GEO" not in parsed
    assert [str(c) for c in parsed["CATEGORIES"].cats] == ["Pawai dapil"]
