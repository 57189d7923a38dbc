"""The size rule in bytes (ICS.md "Size", Show 7): every feed stays under 1 MB uncompressed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kirab.database import db
from kirab.events.models import Event
from kirab.feeds import contents, sizing
from tests.factories import at
from tests.feeds_support import NOW, fetch, many_events, pin, three_zone_route
from tests.ics_checks import unescape

# What the event form accepts at most, with commas and semicolons that escaping doubles.
LONG = ("Sosialisasi tahapan pemilu, pemutakhiran data; kampanye damai. " * 100)[:5000]


@pytest.fixture
def route(app):
    """The three-zone route, with "now" pinned before its first stop."""
    pin(app, NOW)
    route = three_zone_route()
    db.session.commit()
    return route


def long_events(stop, count: int) -> None:
    """``count`` events of ``stop``, each with a 5,000-character description."""
    many_events(stop, count, at("2023-09-01 08:00"), timedelta(hours=4))
    db.session.execute(db.update(Event).values(description=LONG))
    db.session.commit()


def test_a_feed_of_1000_events_with_5000_character_descriptions_stays_under_1_mb(client, route):
    long_events(route.stops[0], 1000)
    response, checked = fetch(client, "/calendar.ics?region=32.16")
    assert len(response.data) < 1_000_000  # about 5.6 MB without the rule
    assert len(checked.events) == 1000  # every event stays
    links = set()
    for event in checked.events:
        description = str(event["DESCRIPTION"])
        assert description.startswith(LONG[:100]) and len(description) < len(LONG)
        assert "…" in description
        last = description.splitlines()[-1]
        assert last.startswith("Rincian: https://kirab.test.example/events/")
        links.add(last)
    assert len(links) == 1000
    note = checked.text("DESCRIPTION")
    assert "di bawah 1 MB" in note and "dipendekkan" in note

    english, checked_en = fetch(client, "/calendar.ics?region=32.16&lang=en")
    assert len(english.data) < 1_000_000 and len(checked_en.events) == 1000
    assert "descriptions are shortened to" in checked_en.text("DESCRIPTION")
    assert "under 1 MB" in unescape(checked_en.head["X-WR-CALDESC"])


def test_a_feed_under_the_limit_keeps_its_descriptions_whole(client, route):
    long_events(route.stops[0], 20)
    _response, checked = fetch(client, "/calendar.ics?region=32.16")
    assert all(str(e["DESCRIPTION"]).startswith(LONG + "\n") for e in checked.events)
    assert "1 MB" not in checked.text("DESCRIPTION")


def test_only_when_shortening_is_not_enough_are_events_left_out(client, route, monkeypatch):
    long_events(route.stops[0], 60)
    # A limit that 60 events fit only without descriptions, and not all of them even then.
    monkeypatch.setattr(contents, "MAX_BYTES", sizing.NOTE_RESERVE + 30_000)
    response, checked = fetch(client, "/calendar.ics?region=32.16")
    assert len(response.data) < contents.MAX_BYTES
    kept = len(checked.events)
    assert 0 < kept < 60
    assert [str(e["SUMMARY"]) for e in checked.events] == [
        f"Sosialisasi {n + 1}" for n in range(kept)
    ]  # the earliest stay
    assert all(LONG[:20] not in str(e["DESCRIPTION"]) for e in checked.events)
    note = checked.text("DESCRIPTION")
    assert f"hanya memuat {kept} kegiatan pertamanya" in note
    assert "tanpa deskripsi" in note
