"""Large bodies compressed when the client accepts it; validators and 304s still right."""

from __future__ import annotations

import gzip
import zlib
from datetime import timedelta

import pytest

from kirab.database import db
from tests.conftest import login
from tests.factories import at, make_user
from tests.feeds_support import NOW, many_events, pin, three_zone_route
from tests.ics_checks import check_calendar


@pytest.fixture
def route(app):
    """The three-zone route with 50 events in Kabupaten Bekasi."""
    pin(app, NOW)
    route = three_zone_route()
    many_events(route.stops[0], 50, at("2023-11-13 10:00"), timedelta(hours=3))
    db.session.commit()
    return route


@pytest.mark.parametrize("path", ["/calendar.ics?region=32.16", "/api/v1/events?per_page=50"])
def test_gzip_when_asked_identity_when_not_and_304_for_either_tag(client, route, path):
    plain = client.get(path)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]
    tag = plain.headers["ETag"]
    assert not tag.startswith("W/")

    packed = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert packed.status_code == 200 and packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data) / 3
    # Another representation, another strong tag.
    packed_tag = packed.headers["ETag"]
    assert packed_tag == tag[:-1] + ':gzip"'

    # Each client revalidates with the tag it was given, and gets it back on the 304.
    for headers, expected in (
        ({"If-None-Match": tag}, tag),
        ({"If-None-Match": tag, "Accept-Encoding": "gzip"}, tag),
        ({"If-None-Match": packed_tag, "Accept-Encoding": "gzip, br"}, packed_tag),
    ):
        again = client.get(path, headers=headers)
        assert again.status_code == 304 and again.data == b"", headers
        assert again.headers["ETag"] == expected
        assert "Content-Encoding" not in again.headers

    # The gzip form's tag is not current for a client that no longer takes gzip.
    identity = client.get(path, headers={"If-None-Match": packed_tag})
    assert identity.status_code == 200 and identity.data == plain.data


def test_a_feed_in_each_coding_a_client_may_ask_for(client, route):
    plain = client.get("/calendar.ics")
    check_calendar(plain.data)
    for coding in ("br", "zstd", "deflate"):
        packed = client.get("/calendar.ics", headers={"Accept-Encoding": coding})
        assert packed.headers["Content-Encoding"] == coding
        assert packed.headers["ETag"] == plain.headers["ETag"][:-1] + f':{coding}"'
    refused = client.get("/calendar.ics", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers and refused.data == plain.data


def test_a_streamed_export_is_compressed_as_it_streams(client, route):
    from kirab.attendance.services import record_attendance
    from kirab.events.models import Event

    admin = make_user("admin")
    event = db.session.execute(db.select(Event).limit(1)).scalar_one()
    for n in range(40):
        record_attendance(
            event, name=f"Peserta {n}", category="public", actor=admin, key=f"{n:020d}"
        )
    db.session.commit()
    login(client, admin)
    path = f"/events/{event.id}/attendance.csv"
    plain = client.get(path)
    assert "Content-Encoding" not in plain.headers
    packed = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Content-Length" not in packed.headers  # still streamed, chunk by chunk
    assert zlib.decompress(packed.data, zlib.MAX_WBITS | 16) == plain.data


def test_pages_are_not_compressed(client, route):
    """HTML carries the CSRF token beside text others can put there (BREACH)."""
    for path in ("/login", "/agenda"):
        response = client.get(path, headers={"Accept-Encoding": "gzip, br"})
        assert response.status_code == 200 and "Content-Encoding" not in response.headers
