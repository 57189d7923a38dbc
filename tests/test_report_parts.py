"""The national reports' counts are kept per province: a change recounts its province only."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html import escape

from kirab import PROJECT_ROOT
from kirab.attendance import report_parts, reports
from kirab.attendance.models import AttendanceRecord
from kirab.database import db
from kirab.events.filters import EventFilter
from kirab.events.labels import kind_label
from kirab.events.models import Event
from kirab.regions.models import Party
from tests.conftest import app_config, served_over_http
from tests.factories import at, make_event, make_route
from tests.test_attendance_reports import counting_queries, recorded, relay  # noqa: F401
from tests.test_events_views import add_events
from tests.test_pagecache import OFFICE_SCRIPT, http_get

GROUPED_URLS = [f"/reports/attendance?by={by}" for by in reports.GROUPINGS]
BOTH_PARTS = (report_parts.CELLS, report_parts.PARTY_SUMS)


def shown_total(text: str) -> int:
    """The report's total of everyone, as the page shows it."""
    return int(re.search(r'id="report-total">([\d.]+)<', text).group(1).replace(".", ""))


def add_person(event_id: int, name: str, party: int | None = None) -> None:
    """Record one person at an event through the ORM (the totals and versions follow)."""
    db.session.add(AttendanceRecord(
        event_id=event_id, name=name, name_key=name.lower(), category="public",
        party_number=party, method="organizer", recorded_at=at("2023-11-13 10:00"),
    ))  # fmt: skip
    db.session.commit()


def test_the_stored_parts_give_what_one_pass_over_the_events_gives(app, recorded):  # noqa: F811
    parts = report_parts.national_parts(BOTH_PARTS)
    stored = report_parts.national_cells(parts[report_parts.CELLS])
    direct = reports.cells(EventFilter(), (reports.STOP_ID, reports.DAPIL_ID, reports.KIND_KEY))
    for key in (reports.STOP_ID, reports.DAPIL_ID, reports.KIND_KEY):
        assert stored.by(key) == direct.by(key)
    parties = report_parts.national_parties(parts[report_parts.PARTY_SUMS])
    assert parties == reports.party_sums(EventFilter())
    # Read again, the parts are this process's, as they were; without them, the store's.
    assert report_parts.national_parts(BOTH_PARTS) == parts
    app.extensions.pop("kirab.report_parts.held")
    assert report_parts.national_parts(BOTH_PARTS) == parts
    assert report_parts.held_parts()


def test_a_change_recounts_its_own_province_and_shows_on_the_next_request(client, app, monkeypatch):
    west = make_route([("32.16", at("2023-11-13 09:00"), at("2023-11-19 09:00"))])
    south = make_route([("73.71", at("2023-11-13 09:00", "Asia/Makassar"), None)])
    west_event = make_event(west.stops[0], title="Sosialisasi Bekasi")
    make_event(south.stops[0], title="Sosialisasi Makassar")
    db.session.commit()
    counted: list[tuple[str, set[str]]] = []
    for kind, original in list(report_parts.COUNTERS.items()):

        def counting(provinces, stops, kind=kind, original=original):
            counted.append((kind, set(provinces)))
            return original(provinces, stops)

        monkeypatch.setitem(report_parts.COUNTERS, kind, counting)
    cells, parties = report_parts.CELLS, report_parts.PARTY_SUMS
    assert shown_total(client.get("/reports/attendance?by=stop").get_data(as_text=True)) == 0
    assert counted == [(cells, {"32", "73"})]  # the parties' sums only when a page needs them
    assert shown_total(client.get("/reports/attendance?by=party").get_data(as_text=True)) == 0
    assert counted == [(cells, {"32", "73"}), (parties, {"32", "73"})]
    party = db.session.execute(db.select(Party.number).limit(1)).scalar_one()
    add_person(west_event.id, "Rina", party)
    for url in [*GROUPED_URLS, "/reports/attendance?by=party"]:
        assert shown_total(client.get(url).get_data(as_text=True)) == 1, url
    # South Sulawesi was read as stored
    assert counted[2:] == [(cells, {"32"}), (parties, {"32"})]
    text = client.get("/reports/attendance?by=party").get_data(as_text=True)
    assert re.search(rf"<th scope=\"row\">{party}\. [^<]+</th>\s*<td>1</td><td>1</td>", text)


def forget_kept(app) -> None:
    """Drop the values and report parts this process keeps, as a process just started."""
    app.extensions.pop("kirab.pagecache.kept", None)
    app.extensions.pop("kirab.report_parts.held", None)


def test_the_national_reports_cost_the_same_queries_whatever_the_events(client, app):
    route = make_route([("32.16", at("2023-11-13 09:00"), at("2023-11-19 09:00"))])
    stop_id = route.stops[0].id
    db.session.commit()
    counts = {}
    for number in (3, 60):
        add_events(stop_id, number)
        for url in [*GROUPED_URLS, "/reports/attendance/parties"]:
            # Logged out, and cold: every event added is a change the page has not seen,
            # and what the process keeps is dropped, so every query of a fresh one counts.
            forget_kept(app)
            with counting_queries() as statements:
                assert client.get(url).status_code == 200
            counts[number, url] = len(statements)
    for url in [*GROUPED_URLS, "/reports/attendance/parties"]:
        assert counts[3, url] == counts[60, url], url


CHANGE_SCRIPT = """
import json, sys
from kirab import create_app
from kirab.attendance.models import AttendanceRecord
from kirab.database import db, utcnow

app = create_app(json.loads(sys.argv[1]))
with app.app_context():
    db.session.add(AttendanceRecord(event_id=int(sys.argv[2]), name="Budi", name_key="budi",
                                    category="public", method="organizer", recorded_at=utcnow()))
    db.session.commit()
"""


def test_attendance_recorded_in_another_process_shows_in_every_process(
    client,
    migrated,
    recorded,  # noqa: F811
):
    event_id = db.session.execute(db.select(Event.id).order_by(Event.id)).scalars().first()
    with served_over_http(migrated) as one, served_over_http(migrated) as other:
        before = {}
        for base in (one, other):
            for path in GROUPED_URLS:
                status, _headers, body = http_get(base, path)
                assert status == 200
                before[base, path] = shown_total(body)
        config = json.dumps(app_config(migrated))
        subprocess.run(
            [sys.executable, "-c", CHANGE_SCRIPT, config, str(event_id)],
            cwd=PROJECT_ROOT,
            check=True,
            timeout=120,
        )
        for base in (one, other):
            for path in GROUPED_URLS:
                status, _headers, body = http_get(base, path)
                assert status == 200 and shown_total(body) == before[base, path] + 1, (base, path)
    assert reports.by_kind(EventFilter(), kind_label)  # the direct count agrees with the pages
    total = sum(row.total for row in reports.by_kind(EventFilter(), kind_label))
    assert total == before[one, GROUPED_URLS[0]] + 1


def test_a_stop_moved_in_another_process_shows_in_the_reports_everywhere(client, migrated):
    """The stops, their provinces and the regions a process keeps follow a stop to its new office.

    After the move the stop's attendance lies in its new province: a process
    still placing it in the old one would keep that province's part and miss
    the person recorded there next.
    """
    from kirab.regions.models import Office

    west = make_route([("32.16", at("2023-11-13 09:00"), at("2023-11-19 09:00"))], name="Barat")
    south = make_route([("73.71", at("2023-11-13 09:00", "Asia/Makassar"), None)], name="Timur")
    west_event = make_event(west.stops[0], title="Sosialisasi Bekasi")
    make_event(south.stops[0], title="Sosialisasi Makassar")
    db.session.commit()
    stop_id, event_id = west.stops[0].id, west_event.id
    office = db.session.execute(
        db.select(Office.name).where(Office.region_code == "73.71")
    ).scalar_one()
    db.session.commit()
    moved = f'<th scope="row">{escape(office)} (Barat)</th>'
    url = "/reports/attendance?by=stop"
    config = json.dumps(app_config(migrated))
    with served_over_http(migrated) as one, served_over_http(migrated) as other:
        for base in (one, other):
            status, _headers, body = http_get(base, url)
            assert status == 200 and 'value="32.16"' in body and moved not in body
            assert shown_total(body) == 0
        subprocess.run(
            [sys.executable, "-c", OFFICE_SCRIPT, config, str(stop_id), "73.71"],
            cwd=PROJECT_ROOT, check=True, timeout=120,
        )  # fmt: skip
        for base in (one, other):
            status, _headers, body = http_get(base, url)
            assert status == 200 and moved in body and 'value="32.16"' not in body
        subprocess.run(
            [sys.executable, "-c", CHANGE_SCRIPT, config, str(event_id)],
            cwd=PROJECT_ROOT, check=True, timeout=120,
        )  # fmt: skip
        for base in (one, other):
            status, _headers, body = http_get(base, url)
            assert status == 200 and shown_total(body) == 1, base
