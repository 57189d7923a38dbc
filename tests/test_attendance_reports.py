"""Attendance reports: totals equal direct counts, names stay private, queries stay few."""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event

from kirab.attendance import reports
from kirab.attendance.models import CATEGORIES, AttendanceRecord, HeadcountTally
from kirab.database import db
from kirab.events.filters import EventFilter
from kirab.events.labels import kind_label
from kirab.events.models import CAMPUS, CANCELLED, DECLARATION, HANDOVER, OUTREACH, PARADE, Event
from kirab.regions.models import Dapil
from tests.conftest import login
from tests.factories import at, make_event, make_route, make_user


@pytest.fixture
def relay(app):
    """A small relay through Kabupaten Bekasi: every kind of event, two dapil parades, 13 events.

    Stops: Garut (receives first), Kabupaten Bekasi, Kota Bekasi (receives from Bekasi).
    """
    route = make_route([
        ("32.15", at("2023-11-07 09:00"), at("2023-11-13 09:00")),
        ("32.16", at("2023-11-13 09:00"), at("2023-11-19 09:00")),
        ("32.75", at("2023-11-19 09:00"), None),
    ])  # fmt: skip
    garut, bekasi, kota = route.stops
    dapils = list(
        db.session.execute(
            db.select(Dapil).where(Dapil.region_code == "32.16").order_by(Dapil.number).limit(2)
        ).scalars()
    )
    plan = [
        (garut, HANDOVER, "2023-11-07 09:00", None),
        (garut, OUTREACH, "2023-11-08 09:00", None),
        (garut, CAMPUS, "2023-11-09 09:00", None),
        (bekasi, HANDOVER, "2023-11-13 09:00", None),
        (bekasi, CAMPUS, "2023-11-14 09:00", None),
        (bekasi, PARADE, "2023-11-15 09:00", dapils[0]),
        (bekasi, PARADE, "2023-11-16 09:00", dapils[1]),
        (bekasi, DECLARATION, "2023-11-17 09:00", None),
        (bekasi, OUTREACH, "2023-11-18 09:00", None),
        (kota, HANDOVER, "2023-11-19 09:00", None),
        (kota, OUTREACH, "2023-11-20 09:00", None),
        (kota, PARADE, "2023-11-21 09:00", None),
        (kota, DECLARATION, "2023-11-22 09:00", None),
    ]
    for number, (stop, kind, starts, dapil) in enumerate(plan, start=1):
        make_event(stop, kind=kind, title=f"Acara {number}", starts_at=at(starts), dapil=dapil,
                   districts=list(dapil.districts) if dapil else [])  # fmt: skip
    db.session.commit()
    return route


@pytest.fixture
def recorded(app, relay):
    """The relay with people and tallies spread over its events, made from a fixed seed."""
    rng = random.Random(5)
    events = list(db.session.execute(db.select(Event).order_by(Event.id)).scalars())
    for event in events:
        for n in range(rng.randint(0, 12)):
            party = rng.choice([None, None, 1, 2, 3, 5])
            db.session.add(AttendanceRecord(
                event_id=event.id, name=f"Orang {n}", name_key=f"orang{n}",
                affiliation_key=f"p{party}" if party else "", category=rng.choice(CATEGORIES),
                party_number=party, party_self_declared=bool(party and rng.random() < 0.4),
                method=rng.choice(["organizer", "self_checkin", "import"]),
                recorded_at=event.starts_at + timedelta(minutes=n)))  # fmt: skip
        for counter in ("Utara", "Selatan", "Barat")[: rng.randint(0, 3)]:
            for n in range(rng.randint(1, 3)):  # later tallies replace earlier ones
                db.session.add(HeadcountTally(
                    event_id=event.id, counter=counter, counter_key=counter.lower(),
                    category=rng.choice(["public", "student"]), count=rng.randint(0, 500),
                    recorded_at=event.starts_at + timedelta(minutes=10 * n)))  # fmt: skip
    db.session.commit()
    return events


def direct_counts(events):
    """Named people and crowd per event, counted straight from the rows."""
    named = Counter(r.event_id for r in db.session.execute(db.select(AttendanceRecord)).scalars())
    latest: dict[tuple, HeadcountTally] = {}
    for tally in db.session.execute(db.select(HeadcountTally)).scalars():
        slot = (tally.event_id, tally.counter_key, tally.category)
        if slot not in latest or (tally.recorded_at, tally.id) > (
            latest[slot].recorded_at,
            latest[slot].id,
        ):
            latest[slot] = tally
    crowd = Counter()
    for (event_id, _counter, _category), tally in latest.items():
        crowd[event_id] += tally.count
    return named, crowd


def test_report_totals_equal_direct_counts(app, recorded):
    """Show 4."""
    events = recorded
    named, crowd = direct_counts(events)
    everything = EventFilter()

    def expected(group_of):
        groups = defaultdict(lambda: [0, 0, 0])
        for event in events:
            group = groups[group_of(event)]
            group[0] += 1
            group[1] += named[event.id]
            group[2] += crowd[event.id]
        return {key: tuple(value) for key, value in groups.items()}

    by_event = reports.by_event(everything, limit=1000)
    assert {row.key[0]: (row.named, row.crowd) for row in by_event} == {
        e.id: (named[e.id], crowd[e.id]) for e in events
    }
    assert {r.key: (r.events, r.named, r.crowd) for r in reports.by_stop(everything)} == expected(
        lambda e: e.stop_id
    )
    assert {
        r.key: (r.events, r.named, r.crowd) for r in reports.by_dapil(everything, "none")
    } == expected(lambda e: e.dapil.slug if e.dapil else None)
    assert {
        r.key: (r.events, r.named, r.crowd) for r in reports.by_kind(everything, kind_label)
    } == expected(lambda e: e.kind)

    rows = list(db.session.execute(db.select(AttendanceRecord)).scalars())
    party_rows = {r.key: (r.events, r.confirmed, r.self_declared) for r in
                  reports.by_party(everything)}  # fmt: skip
    direct_party = {}
    for number in {r.party_number for r in rows if r.party_number}:
        mine = [r for r in rows if r.party_number == number]
        declared = sum(1 for r in mine if r.party_self_declared)
        direct_party[number] = (len({r.event_id for r in mine}), len(mine) - declared, declared)
    assert party_rows == direct_party


def test_report_pages_show_the_same_totals(client, recorded):
    events = recorded
    named, crowd = direct_counts(events)
    total = sum(named.values()) + sum(crowd.values())
    for by in reports.GROUPINGS:
        page = client.get(f"/reports/attendance?by={by}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        shown = re.search(r'id="report-total">([\d.]+)<', text).group(1)
        assert int(shown.replace(".", "")) == total, by
        assert 'role="img"' in text and "<svg" in text  # the chart, inline
    # Only the Bekasi stop's events.
    bekasi = [e for e in events if e.region.code == "32.16"
              or (e.kind == "handover" and e.stop.position == 3)]  # fmt: skip
    text = client.get("/reports/attendance?by=kind&region=32.16").get_data(as_text=True)
    shown = int(re.search(r'id="report-total">([\d.]+)<', text).group(1).replace(".", ""))
    assert shown == sum(named[e.id] + crowd[e.id] for e in bekasi)
    # The region is chosen by name from the stops' regions, not typed as a code.
    assert '<select id="region" name="region">' in text
    assert '<option value="32.16" selected>Kabupaten Bekasi</option>' in text
    assert 'placeholder="32.16"' not in text


def test_the_party_matrix_keeps_confirmed_and_self_declared_apart(client, recorded):
    page = client.get("/reports/attendance/parties").get_data(as_text=True)
    rows = list(db.session.execute(db.select(AttendanceRecord)).scalars())
    declared = sum(1 for r in rows if r.party_self_declared)
    confirmed = sum(1 for r in rows if r.party_number and not r.party_self_declared)
    shown_confirmed = sum(int(n) for n in re.findall(r'class="confirmed">(\d+)<', page))
    shown_declared = sum(int(n) for n in re.findall(r'class="self-declared">(\d+)\*<', page))
    assert (shown_confirmed, shown_declared) == (confirmed, declared)


def test_the_public_sees_totals_never_names(client, recorded):
    for path in ("/reports/attendance?by=event", "/reports/attendance?by=party",
                 "/reports/attendance/parties", f"/events/{recorded[4].id}"):  # fmt: skip
        assert "Orang " not in client.get(path).get_data(as_text=True), path


@pytest.mark.parametrize(
    "query", ["by=names", "region=nowhere", "kind=feast", "from=kemarin", "by=event&page=abc"]
)
def test_bad_report_filters(client, recorded, query):
    response = client.get(f"/reports/attendance?{query}")
    assert response.status_code in (200, 400)
    if "page" not in query:
        assert response.status_code == 400


@contextmanager
def counting_queries():
    """Count the SQL statements run inside the block."""
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)


def test_lists_do_not_query_once_per_event(client, recorded, app):
    """The API's attendance totals and the reports cost the same few queries at any length."""
    observer = make_user("observer")
    db.session.commit()
    counts = {}
    for per_page in (2, 12):
        with counting_queries() as statements:
            response = client.get(f"/api/v1/events?per_page={per_page}")
        assert len(response.get_json()["events"]) == per_page
        counts[per_page] = len(statements)
    assert counts[2] == counts[12]
    totals = {e["id"]: e["attendance_total"] for e in
              client.get("/api/v1/events?per_page=100").get_json()["events"]}  # fmt: skip
    named, crowd = direct_counts(recorded)
    assert totals == {e.id: named[e.id] + crowd[e.id] for e in recorded}

    login(client, observer)
    for path in ("/reports/attendance?by=event", "/reports/attendance/parties",
                 f"/events/{recorded[4].id}/attendance"):  # fmt: skip
        with counting_queries() as statements:
            assert client.get(path).status_code == 200
        assert len(statements) < 25, (path, len(statements))


def test_a_cancelled_event_is_marked_in_the_report(client, recorded):
    event = recorded[0]
    row = re.compile(rf'href="/events/{event.id}">[^<]*</a> <span[^>]*>[^<]*</span>(.*?)</th>')
    before = row.search(client.get("/reports/attendance?by=event").get_data(as_text=True))
    assert before is not None and "Dibatalkan" not in before.group(1)
    event.status = CANCELLED
    db.session.commit()
    after = row.search(client.get("/reports/attendance?by=event").get_data(as_text=True))
    assert after is not None and 'class="badge badge-cancelled">Dibatalkan' in after.group(1)


def test_a_cancelled_event_is_marked_in_the_party_matrix(client, recorded):
    event = recorded[0]
    row = re.compile(rf'href="/events/{event.id}">[^<]*</a> <span[^>]*>[^<]*</span>(.*?)</th>')
    before = row.search(client.get("/reports/attendance/parties").get_data(as_text=True))
    assert before is not None and "Dibatalkan" not in before.group(1)
    event.status = CANCELLED
    db.session.commit()
    after = row.search(client.get("/reports/attendance/parties").get_data(as_text=True))
    assert after is not None and 'class="badge badge-cancelled">Dibatalkan' in after.group(1)
