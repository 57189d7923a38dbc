"""The share card of an event (og:image) and the WhatsApp share link."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from kirab.database import db
from kirab.events.models import CANCELLED, DRAFT, Event
from tests.conftest import login
from tests.factories import make_user


@pytest.fixture
def parade(west_java):
    """The parade of Dapil 3 in Kabupaten Bekasi (Wednesday 15 November 2023, 08.00 WIB)."""
    return db.session.execute(
        db.select(Event).where(Event.title == "Pawai Kirab Pemilu Dapil 3")
    ).scalar_one()


def test_the_page_names_its_card_and_offers_whatsapp(client, parade):
    page = client.get(f"/events/{parade.id}").get_data(as_text=True)
    card = f"https://kirab.test.example/events/{parade.id}/card.png"
    assert f'<meta property="og:image" content="{card}">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    link = page.split('href="https://wa.me/?text=', 1)[1].split('"', 1)[0]
    text = parse_qs(urlsplit("https://wa.me/?text=" + link.replace("&amp;", "&")).query)["text"][0]
    lines = text.split("\n")
    assert lines[0] == "Ikuti kegiatan Kirab Pemilu ini:"
    assert lines[1] == "Pawai Kirab Pemilu Dapil 3"
    assert lines[2].startswith("Rabu, 15 November 2023, 08.00 WIB \u2013 ")
    assert lines[-1] == f"https://kirab.test.example/events/{parade.id}"


def test_the_card_is_a_link_preview_png_with_validators(client, parade):
    answer = client.get(f"/events/{parade.id}/card.png")
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    image = Image.open(io.BytesIO(answer.data))
    assert image.size == (1200, 630)
    etag = answer.headers["ETag"]
    again = client.get(f"/events/{parade.id}/card.png", headers={"If-None-Match": etag})
    assert again.status_code == 304
    parade.title = "Pawai Dapil 3 yang baru"
    db.session.commit()
    changed = client.get(f"/events/{parade.id}/card.png", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.data != answer.data


def test_a_cancelled_card_differs_and_a_draft_has_none_in_public(client, parade):
    before = client.get(f"/events/{parade.id}/card.png").data
    parade.status = CANCELLED
    db.session.commit()
    cancelled = client.get(f"/events/{parade.id}/card.png")
    assert cancelled.status_code == 200 and cancelled.data != before
    page = client.get(f"/events/{parade.id}").get_data(as_text=True)
    assert "Dibatalkan%3A%20Pawai" in page
    parade.status = DRAFT
    db.session.commit()
    assert client.get(f"/events/{parade.id}/card.png").status_code == 404
    login(client, make_user("admin"))
    assert client.get(f"/events/{parade.id}/card.png").status_code == 200


def test_a_long_title_is_wrapped_within_the_card(app):
    from PIL import ImageDraw

    from kirab.events.share_card import WIDTH, font, wrapped

    draw = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    face = font(56, bold=True)
    lines = wrapped(draw, "Sosialisasi " * 30 + "Supercalifragilistic" * 5, face, WIDTH - 128, 3)
    assert len(lines) == 3 and lines[-1].endswith("…")
    assert all(draw.textlength(line, font=face) <= WIDTH - 128 for line in lines)


def test_an_organizer_of_the_region_gets_an_edit_link(client, parade):
    edit = f'href="/manage/events/{parade.id}/edit"'
    assert edit not in client.get(f"/events/{parade.id}").get_data(as_text=True)
    outsider = make_user("organizer", regions=["32.15"])
    db.session.commit()
    login(client, outsider)
    assert edit not in client.get(f"/events/{parade.id}").get_data(as_text=True)
    organizer = make_user("organizer", regions=["32.16"])
    db.session.commit()
    login(client, organizer)
    page = client.get(f"/events/{parade.id}").get_data(as_text=True)
    assert edit in page and "Ubah kegiatan ini" in page
    assert client.get(f"/manage/events/{parade.id}/edit").status_code == 200
    assert f'href="/manage/stops/{parade.stop_id}/events"' in page


def test_a_cancelled_event_offers_reading_its_attendance_not_recording(client, parade):
    organizer = make_user("organizer", regions=["32.16"])
    db.session.commit()
    login(client, organizer)
    assert "Catat kehadiran" in client.get(f"/events/{parade.id}").get_data(as_text=True)
    parade.status = CANCELLED
    db.session.commit()
    page = client.get(f"/events/{parade.id}").get_data(as_text=True)
    assert "Catat kehadiran" not in page and "Lihat kehadiran" in page
