"""Public pages stored by the data they show: validators, 304s, per-province versions, processes."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
from dataclasses import replace
from urllib.parse import urlsplit

import pytest

from kirab import PROJECT_ROOT
from kirab.database import db, utcnow
from kirab.dataversions import DataVersion
from kirab.events.models import Event
from kirab.events.moves import touch
from kirab.pagecache import PageRendering
from tests.conftest import app_config, login, served_over_http
from tests.factories import at, make_event, make_route, make_user
from tests.test_events_views import add_events, counted_statements

PUBLIC_URLS = [
    "/",
    "/route",
    "/agenda",
    "/agenda?region=32.16",
    "/agenda?region=32.16&view=stop",
    "/agenda?view=month&month=2023-11",
    "/reports/attendance",
    "/reports/attendance?by=stop",
    "/reports/attendance?by=party",
    "/reports/attendance/parties",
    "/api/v1/events",
    "/api/v1/events?region=32.16&per_page=500",
    "/api/v1/relay/status",
    "/changes",
    "/changes?region=32.16",
    "/changes.atom?region=32.16",
]


@pytest.fixture
def two_provinces(app):
    """An event in West Java (32.16) and one in South Sulawesi (73.71), ids kept."""
    west = make_route([("32.16", at("2023-11-13 09:00"), at("2023-11-19 09:00"))])
    south = make_route([("73.71", at("2023-11-13 09:00", "Asia/Makassar"), None)])
    west_event = make_event(west.stops[0], title="Sosialisasi Bekasi")
    south_event = make_event(south.stops[0], title="Sosialisasi Makassar")
    db.session.commit()
    return west_event.id, south_event.id


def rename(event_id: int, title: str) -> None:
    """Change an event's title as the services do (marked for the feeds) and save it."""
    event = db.session.get(Event, event_id)
    event.title = title
    touch(event, ["title"], utcnow())
    db.session.commit()


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_anonymous_public_pages_carry_validators_and_answer_304(client, two_provinces, url):
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert "Cookie" in first.headers["Vary"]
    assert "Last-Modified" in first.headers
    assert "Set-Cookie" not in first.headers
    again = client.get(url)
    assert again.headers["ETag"] == etag and again.data == first.data
    not_modified = client.get(url, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.headers["ETag"] == etag
    assert not_modified.data == b""
    since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_a_change_shows_on_the_very_next_request(client, two_provinces):
    west_id, _south_id = two_provinces
    first = client.get(f"/events/{west_id}")
    assert "Sosialisasi Bekasi" in first.get_data(as_text=True)
    rename(west_id, "Pawai Bekasi")
    changed = client.get(f"/events/{west_id}", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert "Pawai Bekasi" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != first.headers["ETag"]


def test_a_change_in_one_province_leaves_the_others_warm(client, two_provinces):
    west_id, south_id = two_provinces
    urls = [
        "/agenda?region=73.71",
        "/agenda?region=73",
        "/api/v1/events?region=73.71",
        f"/events/{south_id}",
        "/reports/attendance?region=73",
        "/calendar.ics?region=73.71",
    ]
    before = {url: client.get(url).headers["ETag"] for url in urls}
    national = client.get("/agenda").headers["ETag"]
    rename(west_id, "Pawai Bekasi")
    for url in urls:
        db.session.expunge_all()
        with counted_statements() as statements:
            response = client.get(url, headers={"If-None-Match": before[url]})
        assert response.status_code == 304, url
        # Warm: the versions (with the stored feed's validators) and nothing else.
        assert len(statements) <= 2, url
    assert client.get("/agenda").headers["ETag"] != national
    assert client.get("/agenda?region=32.16").status_code == 200


def test_a_warm_page_costs_the_versions_and_one_lookup_whatever_the_events(client, app):
    route = make_route([("32.16", at("2023-11-13 09:00"), at("2023-11-19 09:00"))])
    stop_id = route.stops[0].id
    url = "/agenda?region=32.16&per_page=500"
    counts = []
    for number in (10, 990):
        add_events(stop_id, number)
        client.get(url)
        db.session.expunge_all()
        with counted_statements() as statements:
            assert client.get(url).status_code == 200
        counts.append(len(statements))
    assert counts == [2, 2]


def test_logged_in_people_get_fresh_private_pages_never_stored(client, two_provinces):
    west_id, _south_id = two_provinces
    anonymous = client.get(f"/events/{west_id}")
    login(client, make_user("admin"))
    db.session.commit()
    stored = db.session.execute(db.select(db.func.count()).select_from(PageRendering)).scalar()
    mine = client.get(f"/events/{west_id}", headers={"If-None-Match": anonymous.headers["ETag"]})
    assert mine.status_code == 200
    assert mine.headers["Cache-Control"] == "private, no-store"
    assert mine.headers.get("ETag") != anonymous.headers["ETag"]
    assert 'name="csrf_token"' in mine.get_data(as_text=True)  # the logout form
    db.session.expire_all()
    after = db.session.execute(db.select(db.func.count()).select_from(PageRendering)).scalar()
    assert after == stored


def test_stored_pages_hold_no_csrf_token_and_set_no_cookie(client, two_provinces):
    page = client.get("/agenda")
    assert "Set-Cookie" not in page.headers
    assert "csrf_token" not in page.get_data(as_text=True)
    bodies = db.session.execute(db.select(PageRendering.body)).scalars().all()
    assert bodies and not any(b"csrf_token" in body for body in bodies)


def test_the_anonymous_language_switch_is_a_get_and_the_language_varies_the_page(client, app):
    page = client.get("/agenda").get_data(as_text=True)
    assert 'method="get" action="/language"' in page
    switched = client.get("/language?lang=en&next=/agenda")
    assert switched.status_code == 302 and switched.location == "/agenda"
    english = client.get("/agenda")
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "Cookie" in english.headers["Vary"]
    # Logged-in people keep the POST with their token; a GET does not switch for them.
    login(client, make_user("observer"))
    db.session.commit()
    assert client.get("/language?lang=id&next=/agenda").status_code == 405


def test_a_flashed_message_is_never_stored(client, app):
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Hanya untuk Anda")]
    page = client.get("/agenda")
    assert "Hanya untuk Anda" in page.get_data(as_text=True)
    assert "public" not in page.headers.get("Cache-Control", "")
    assert "Hanya untuk Anda" not in client.get("/agenda").get_data(as_text=True)


def test_data_versions_count_changes_per_scope(app, two_provinces):
    west_id, _south_id = two_provinces

    def versions():
        db.session.expire_all()
        return dict(db.session.execute(db.select(DataVersion.scope, DataVersion.version)).all())

    before = versions()
    rename(west_id, "Pawai Bekasi")
    after = versions()
    changed = {scope for scope in after if after[scope] != before.get(scope)}
    route_scope = next(s for s in changed if s.startswith("route:"))
    assert changed == {"all", "events", "region:32", f"event:{west_id}", route_scope}


# -- across processes --------------------------------------------------------------------------

CHANGE_SCRIPT = """
import json, sys
from kirab import create_app
from kirab.database import db, utcnow
from kirab.events.models import Event
from kirab.events.moves import touch

app = create_app(json.loads(sys.argv[1]))
with app.app_context():
    event = db.session.get(Event, int(sys.argv[2]))
    event.title = sys.argv[3]
    touch(event, ["title"], utcnow())
    db.session.commit()
"""


def http_get(base: str, path: str, headers: dict | None = None):
    """GET over HTTP: the status, headers and body."""
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def test_a_change_made_in_another_process_shows_on_the_next_request_everywhere(
    client, migrated, two_provinces
):
    west_id, _south_id = two_provinces
    paths = [f"/events/{west_id}", "/api/v1/events?region=32.16", "/calendar.ics?region=32.16"]
    with served_over_http(migrated) as one, served_over_http(migrated) as other:
        tags = {}
        for base in (one, other):
            for path in paths:
                status, headers, body = http_get(base, path)
                assert status == 200 and "Sosialisasi Bekasi" in body
                tags[base, path] = headers["ETag"]
        config = json.dumps(app_config(migrated))
        subprocess.run(
            [sys.executable, "-c", CHANGE_SCRIPT, config, str(west_id), "Pawai Bekasi"],
            cwd=PROJECT_ROOT,
            check=True,
            timeout=120,
        )
        for base in (one, other):
            for path in paths:
                status, _headers, body = http_get(base, path, {"If-None-Match": tags[base, path]})
                assert status == 200, (base, path)
                assert "Pawai Bekasi" in body and "Sosialisasi Bekasi" not in body
    assert "Pawai Bekasi" in client.get(f"/events/{west_id}").get_data(as_text=True)


def test_an_event_saved_with_its_venue_touches_only_its_own_province(app, two_provinces):
    from kirab.events.scheduling import EventData, update_event

    west_id, _south_id = two_provinces
    event = db.session.get(Event, west_id)
    data = EventData.of(event)
    before = dict(db.session.execute(db.select(DataVersion.scope, DataVersion.version)).all())
    changed = replace(data, title="Pawai Tambun", venue_name="Alun-alun Tambun")
    update_event(event, changed, actor=None, now=utcnow())
    db.session.commit()
    after = dict(db.session.execute(db.select(DataVersion.scope, DataVersion.version)).all())
    touched = {scope for scope in after if after[scope] != before.get(scope)}
    assert "region:32" in touched and f"event:{west_id}" in touched
    assert not touched & {"global", "region:73", "users", "attendance"}


# -- the relay's position: stops, not events ---------------------------------------------------

STOP_SCRIPT = """
import json, sys
from kirab import create_app
from kirab.database import db
from kirab.relay.models import Stop

app = create_app(json.loads(sys.argv[1]))
with app.app_context():
    stop = db.session.get(Stop, int(sys.argv[2]))
    stop.venue = sys.argv[3]
    db.session.commit()
"""

POSITION_URLS = ["/", "/route", "/api/v1/relay/status"]
# The home page lists the day's events at the stops holding the flags (here Bekasi's, of 32.16):
# an event change in their provinces rebuilds it.
EVENT_FREE_URLS = ["/route", "/api/v1/relay/status"]


def test_an_event_change_leaves_the_position_pages_stored(client, two_provinces):
    west_id, _south_id = two_provinces
    tags = {url: client.get(url).headers["ETag"] for url in POSITION_URLS}
    rename(west_id, "Pawai Bekasi")
    for url in EVENT_FREE_URLS:
        again = client.get(url, headers={"If-None-Match": tags[url]})
        assert again.status_code == 304, url
    assert client.get("/", headers={"If-None-Match": tags["/"]}).status_code == 200
    agenda = client.get("/agenda")
    assert "Pawai Bekasi" in agenda.get_data(as_text=True)


def test_a_stop_change_in_another_process_shows_on_the_route_page_everywhere(
    client, migrated, two_provinces
):
    west_id, _south_id = two_provinces
    stop_id = db.session.get(Event, west_id).stop_id
    with served_over_http(migrated) as one, served_over_http(migrated) as other:
        tags = {}
        for base in (one, other):
            for url in POSITION_URLS:
                status, headers, _body = http_get(base, url)
                assert status == 200
                tags[base, url] = headers["ETag"]
        config = json.dumps(app_config(migrated))
        subprocess.run(
            [sys.executable, "-c", STOP_SCRIPT, config, str(stop_id), "Aula Baru Bekasi"],
            cwd=PROJECT_ROOT, check=True, timeout=120,
        )  # fmt: skip
        for base in (one, other):
            for url in POSITION_URLS:
                status, _headers, body = http_get(base, url, {"If-None-Match": tags[base, url]})
                assert status == 200, (base, url)
            status, _headers, body = http_get(base, "/route")
            assert "Aula Baru Bekasi" in body


def test_the_home_page_follows_the_events_at_the_holding_stop_in_every_process(
    client, migrated, two_provinces
):
    west_id, south_id = two_provinces
    relay_id = db.session.get(Event, west_id).stop.route.relay_id
    url = f"/?relay={relay_id}&at=2023-11-13T12:00"  # Bekasi holds the flags, its event that day
    change = [sys.executable, "-c", CHANGE_SCRIPT, json.dumps(app_config(migrated))]
    with served_over_http(migrated) as one, served_over_http(migrated) as other:
        tags = {}
        for base in (one, other):
            status, headers, body = http_get(base, url)
            assert status == 200 and "Sosialisasi Bekasi" in body
            tags[base] = headers["ETag"]
        subprocess.run([*change, str(south_id), "Pawai Makassar"],
                       cwd=PROJECT_ROOT, check=True, timeout=120)  # fmt: skip
        for base in (one, other):
            status, _headers, _body = http_get(base, url, {"If-None-Match": tags[base]})
            assert status == 304, base  # an event in another province: the page as stored
        subprocess.run([*change, str(west_id), "Pawai Bekasi"],
                       cwd=PROJECT_ROOT, check=True, timeout=120)  # fmt: skip
        for base in (one, other):
            status, _headers, body = http_get(base, url, {"If-None-Match": tags[base]})
            assert status == 200, base
            assert "Pawai Bekasi" in body and "Sosialisasi Bekasi" not in body


# -- the agenda's filter choices, kept while reference data, routes and stops stay -------------

OFFICE_SCRIPT = """
import json, sys
from kirab import create_app
from kirab.database import db
from kirab.regions.models import Office
from kirab.relay.models import Stop

app = create_app(json.loads(sys.argv[1]))
with app.app_context():
    stop = db.session.get(Stop, int(sys.argv[2]))
    stop.office = db.session.execute(
        db.select(Office).where(Office.region_code == sys.argv[3])
    ).scalar_one()
    db.session.commit()
"""


def statements_of(client, url: str) -> tuple[str, list[str]]:
    """A page's text and the SQL statements its request sent."""
    from sqlalchemy import event as sa_event

    sent = []

    def note(_connection, _cursor, statement, *_args):
        sent.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", note)
    try:
        text = client.get(url).get_data(as_text=True)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", note)
    return text, sent


def test_an_event_change_leaves_the_agenda_filter_choices_unread(client, two_provinces):
    west_id, _south_id = two_provinces
    client.get("/agenda")
    rename(west_id, "Pawai Bekasi")
    page, sent = statements_of(client, "/agenda")
    assert "Pawai Bekasi" in page and 'value="32.16"' in page
    assert not [sql for sql in sent if "FROM dapil ORDER BY" in sql or "FROM relays" in sql]
    fresh, sent = statements_of(client, "/agenda?lang=en")  # another page: choices kept too
    assert 'value="32.16"' in fresh
    assert not [sql for sql in sent if "FROM dapil ORDER BY" in sql]


def test_a_stop_moved_in_another_process_is_offered_by_the_agenda_everywhere(
    client, migrated, two_provinces
):
    from kirab.regions.models import Region

    west_id, _south_id = two_provinces
    event = db.session.get(Event, west_id)
    stop_id, relay_id = event.stop_id, event.stop.route.relay_id
    name = db.session.get(Region, "32.04").name
    url = f"/agenda?relay={relay_id}"
    with served_over_http(migrated) as one, served_over_http(migrated) as other:
        for base in (one, other):
            status, _headers, body = http_get(base, url)
            assert status == 200 and 'value="32.16"' in body and 'value="32.04"' not in body
        config = json.dumps(app_config(migrated))
        subprocess.run(
            [sys.executable, "-c", OFFICE_SCRIPT, config, str(stop_id), "32.04"],
            cwd=PROJECT_ROOT, check=True, timeout=120,
        )  # fmt: skip
        for base in (one, other):
            status, _headers, body = http_get(base, url)
            assert status == 200 and f'<option value="32.04">{name}</option>' in body
            assert 'value="32.16"' not in body


def test_storing_a_page_does_not_wait_for_the_disk_and_only_for_that_transaction(app):
    from sqlalchemy import text

    from kirab.database import commit_without_waiting

    if db.session.get_bind().dialect.name != "postgresql":
        # SQLite has no such setting: nothing is sent (a PostgreSQL SET would fail there).
        from sqlalchemy import event

        statements = []

        def sent(_connection, _cursor, statement, *_args):
            statements.append(statement)

        engine = db.session.get_bind()
        event.listen(engine, "before_cursor_execute", sent)
        try:
            commit_without_waiting()
        finally:
            event.remove(engine, "before_cursor_execute", sent)
        assert statements == []
        return
    commit_without_waiting()
    assert db.session.execute(text("SHOW synchronous_commit")).scalar() == "off"
    db.session.commit()
    assert db.session.execute(text("SHOW synchronous_commit")).scalar() == "on"
