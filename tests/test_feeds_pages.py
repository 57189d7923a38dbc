"""Subscribing from the agenda and event pages: https, webcal, QR code, add to calendar."""

from __future__ import annotations

import html

import pytest

from kirab.database import db
from tests.conftest import login
from tests.factories import make_event, make_user
from tests.feeds_support import BASE_URL, NOW, pin, three_zone_route


@pytest.fixture
def event(app):
    """A published event in Kabupaten Bekasi."""
    pin(app, NOW)
    event = make_event(three_zone_route().stops[0], title="Deklarasi damai")
    db.session.commit()
    return event


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_the_agenda_offers_the_feed_of_its_current_filter(client, event):
    text = page(client, "/agenda?region=32.16&kind=outreach&page=1")
    https = f"{BASE_URL}/calendar.ics?region=32.16&kind=outreach"
    assert 'href="webcal://kirab.test.example/calendar.ics?region=32.16&kind=outreach"' in text
    assert f'value="{https}"' in text
    assert '<svg role="img" aria-label="Kode QR alamat kalender"' in text
    assert "Kirab Pemilu: Kabupaten Bekasi · Sosialisasi lainnya" in text
    assert "page=" not in text.split("webcal://")[1].split('"')[0]


def test_an_english_page_offers_the_english_feed(client, event):
    text = page(client, "/agenda?lang=en")
    assert f'value="{BASE_URL}/calendar.ics?lang=en"' in text
    assert "Kirab Pemilu: all events" in text


def test_an_event_page_offers_its_download_and_its_region_feed(client, event):
    text = page(client, f"/events/{event.id}")
    assert f'href="/events/{event.id}.ics"' in text
    assert "Tambahkan ke kalender (.ics)" in text
    assert f'value="{BASE_URL}/calendar.ics?region=32.16"' in text
    assert "webcal://kirab.test.example/calendar.ics?region=32.16" in text


def test_logged_in_people_find_their_personal_feed(client, event):
    login(client, make_user("party_rep", party=1, regions=["32.16"]))
    db.session.commit()
    assert 'href="/account/calendar"' in page(client, "/agenda")
    assert 'href="/account/calendar"' in page(client, "/account/password")
