"""``seed-national`` at scale 0.01: it loads, repeats itself for a seed, refuses a second run,
and what it loads passes the checks data entered through the forms passes.

Each load goes into a database of its own: a SQLite file, or on PostgreSQL a
schema of the test database made for it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from contextlib import contextmanager
from itertools import pairwise

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, text

from kirab.attendance import counts
from kirab.attendance.checkin import checkin_window
from kirab.attendance.headcounts import MAX_HEADCOUNT
from kirab.attendance.identity import IDEMPOTENCY_KEY, clean_name, clean_person, person_key
from kirab.attendance.models import CONTACT_MAX, METHODS, AttendanceRecord, HeadcountTally
from kirab.audit.models import AuditEntry
from kirab.auth.models import ROLES, User
from kirab.auth.services import authenticate
from kirab.database import db
from kirab.dataversions import ALL, DataVersion
from kirab.events.models import KINDS, STATUSES, Event
from kirab.events.scheduling import EventData, validate
from kirab.regions.models import Party
from kirab.regions.reference import load_reference_data
from kirab.relay.models import Handover, Relay, Route, Stop
from kirab.relay.rules import route_problems
from kirab.relay.stops import ordered_stops, windows_of
from kirab.text import clean_text
from tests.conftest import POSTGRES_URL, TEST_PASSWORD, extra_app, login

SCALE, SEED = "0.01", "11"
ENV = {"KIRAB_SEED_PASSWORD": TEST_PASSWORD}


@contextmanager
def fresh_database(tmp_path, name: str):
    """An empty database as (URL, app settings): a SQLite file, or a new PostgreSQL schema.

    The schema is chosen by the connection's options (which the app's own
    time limits would otherwise set) and dropped afterwards.
    """
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / name}.sqlite", {}
        return
    schema = f"seed_{name}_{uuid.uuid4().hex[:8]}"
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    options = {"pool_pre_ping": True, "connect_args": {"options": f"-c search_path={schema}"}}
    try:
        yield POSTGRES_URL, {"SQLALCHEMY_ENGINE_OPTIONS": options}
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


@contextmanager
def seeded_app(database, tmp_path):
    """An app of its own on ``database``, migrated, with the reference data and a national load."""
    url, settings = database
    with extra_app(url, **settings) as app:
        app.instance_path = str(tmp_path)
        upgrade(directory=app.extensions["migrate"].directory)
        load_reference_data()
        db.session.commit()
        result = app.test_cli_runner().invoke(
            args=["seed-national", "--scale", SCALE, "--seed", SEED], env=ENV
        )
        assert result.exit_code == 0, result.output
        assert "National relay loaded" in result.output and " s " in result.output
        db.session.remove()
        yield app, result.output


def dump() -> dict[str, list[tuple]]:
    """Every row of every table, in key order; the password hash (salted) and clock stamps aside."""
    # The data versions' stamps are the moment of the load (for Last-Modified), not data.
    aside = {("users", "password_hash"), ("data_versions", "changed_at")}
    rows = {}
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if (table.name, c.name) not in aside]
        order = list(table.primary_key.columns) or columns
        rows[table.name] = [
            tuple(row) for row in db.session.execute(db.select(*columns).order_by(*order))
        ]
    return rows


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    """Two loads with one seed into two fresh databases: the first app, its output, both dumps."""
    tmp = tmp_path_factory.mktemp("national")
    with fresh_database(tmp, "a") as first_db, fresh_database(tmp, "b") as second_db:
        with seeded_app(second_db, tmp) as (_app, _output):
            second = dump()
        with seeded_app(first_db, tmp) as (app, output):
            yield app, output, dump(), second


@pytest.fixture
def loaded(national):
    """The first load's app, in an app context with a fresh session."""
    app = national[0]
    with app.app_context():
        yield app
        db.session.remove()


def count(model, *where) -> int:
    """How many rows of ``model`` match."""
    query = db.select(func.count()).select_from(model)
    return db.session.execute(query.where(*where) if where else query).scalar()


def test_the_same_seed_gives_the_same_data(national):
    _app, output, first, second = national
    assert first == second
    assert len(first["attendance_records"]) > 5000 and len(first["events"]) > 80
    assert "attendance_records" in output


def test_a_second_run_is_refused_and_writes_nothing(loaded):
    before = dump()
    result = loaded.test_cli_runner().invoke(
        args=["seed-national", "--scale", SCALE, "--seed", "12"], env=ENV
    )
    assert result.exit_code == 1
    assert "sudah memuat kirab" in result.output
    db.session.remove()
    assert dump() == before


def test_a_database_without_reference_data_is_refused(tmp_path):
    with fresh_database(tmp_path, "bare") as (url, settings), extra_app(url, **settings) as app:
        upgrade(directory=app.extensions["migrate"].directory)
        result = app.test_cli_runner().invoke(args=["seed-national", "--scale", SCALE], env=ENV)
        assert result.exit_code == 1
        assert "init-db" in result.output
        assert count(User) == 0


def test_seven_routes_end_at_kpu_ri_without_a_broken_rule(loaded):
    relay = db.session.execute(db.select(Relay)).scalar_one()
    routes = relay.routes
    assert [route.name for route in routes] == [
        f"Jalur {n}" for n in ("I", "II", "III", "IV", "V", "VI", "VII")
    ]
    zones = set()
    for route in routes:
        stops = ordered_stops(route)
        assert len(stops) >= 3 and stops[-1].region_code == "RI"
        assert route_problems(windows_of(stops)) == []
        for giving, receiving in pairwise(stops):
            # Contiguous: one office receives the flags as the previous one hands them over.
            assert giving.hands_over_at == receiving.receives_at
            handover = db.session.execute(
                db.select(Handover).where(Handover.from_stop_id == giving.id)
            ).scalar_one()
            assert handover.to_stop_id == receiving.id
            assert handover.planned_at == receiving.receives_at
            assert handover.actual_at in (None, receiving.receives_at)
        zones |= {stop.timezone for stop in stops}
    assert {"Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"} <= zones


def test_every_event_passes_the_event_form_s_validation(loaded):
    events = list(db.session.execute(db.select(Event)).scalars())
    for event in events:
        data = EventData.of(event)
        assert validate(event.stop, data) == data, event.title
        assert event.deleted_at is None and event.uid.endswith("@kirab")
    assert {event.kind for event in events} == set(KINDS)
    assert {event.status for event in events} == set(STATUSES)
    assert all(e.cancel_reason for e in events if e.status == "cancelled")
    assert Counter(e.status for e in events).most_common(1)[0][0] == "published"
    assert any(event.dapil_id for event in events)
    # Each stop but the first of a route opens with the ceremony of its handover.
    for stop in db.session.execute(db.select(Stop)).scalars():
        assert any(
            e.kind == "handover" and e.starts_at == stop.receives_at
            for e in events
            if e.stop_id == stop.id
        )


def test_every_record_passes_the_attendance_rules(loaded):
    records = list(db.session.execute(db.select(AttendanceRecord)).scalars())
    events = {event.id: event for event in db.session.execute(db.select(Event)).scalars()}
    for entry in records:
        person = clean_person(entry.name, entry.category, entry.party_number, entry.organisation)
        assert person.columns() == {
            "name": entry.name,
            "name_key": entry.name_key,
            "affiliation_key": entry.affiliation_key,
            "category": entry.category,
            "party_number": entry.party_number,
            "organisation": entry.organisation,
        }
        assert clean_text(entry.contact, "contact", CONTACT_MAX, plain=True) == entry.contact
        assert entry.method in METHODS
        assert not entry.party_self_declared or entry.party_number is not None
        assert entry.idempotency_key is None or IDEMPOTENCY_KEY.match(entry.idempotency_key)
        event = events[entry.event_id]
        assert event.status == "published"
        if entry.method == "self_checkin":
            opens, closes = checkin_window(event)
            assert opens <= entry.recorded_at <= closes and entry.recorded_by_id is None
    identities = Counter((r.event_id, r.name_key, r.affiliation_key) for r in records)
    assert max(identities.values()) == 1
    assert {r.method for r in records} == set(METHODS)
    assert any(r.party_self_declared for r in records)
    tallies = list(db.session.execute(db.select(HeadcountTally)).scalars())
    assert len({(t.event_id, t.counter_key) for t in tallies}) > len({t.event_id for t in tallies})
    for tally in tallies:
        assert clean_name(tally.counter, "counter", 60) == tally.counter
        assert tally.counter_key == person_key(tally.counter)
        assert 0 <= tally.count <= MAX_HEADCOUNT


def test_the_kept_attendance_totals_equal_the_records(loaded):
    """The totals the seeding writes are those the write paths would have kept."""
    kept = counts.all_kept()
    assert kept == counts.recount()
    assert sum(named for named, _crowd in kept.events.values()) == count(AttendanceRecord)


def test_users_of_every_role_can_log_in(loaded):
    users = list(db.session.execute(db.select(User)).scalars())
    assert {user.role for user in users} == set(ROLES)
    assert all(user.region_codes for user in users if user.role in ("organizer", "party_rep"))
    parties = {user.party_number for user in users if user.role == "party_rep"}
    assert parties == set(db.session.execute(db.select(Party.number)).scalars())
    for role in ROLES:
        user = next(user for user in users if user.role == role)
        assert authenticate(user.email, TEST_PASSWORD) == user


def test_what_was_made_is_in_the_audit_log(loaded):
    assert count(AuditEntry, AuditEntry.action == "event.create") == count(Event)
    assert count(AuditEntry, AuditEntry.action == "user.create") == count(User)
    assert count(AuditEntry, AuditEntry.action == "stop.create") == count(Stop)
    assert count(AuditEntry, AuditEntry.action == "route.create") == count(Route) == 7
    imported = count(AttendanceRecord, AttendanceRecord.method == "import")
    assert count(AuditEntry, AuditEntry.action == "attendance.record") == (
        count(AttendanceRecord) - imported
    )
    assert db.session.get(DataVersion, ALL).version >= 1


def test_the_pages_show_the_national_relay(loaded):
    stop = (
        db.session.execute(db.select(Stop).where(Stop.position == 2).order_by(Stop.id))
        .scalars()
        .first()
    )
    region = stop.region_code
    event = (
        db.session.execute(
            db.select(Event).where(Event.stop_id == stop.id, Event.status == "published")
        )
        .scalars()
        .first()
    )
    admin = db.session.execute(db.select(User).where(User.role == "admin")).scalars().first()
    event_id, event_title = event.id, event.title
    client = loaded.test_client()
    home = client.get("/")
    assert home.status_code == 200 and "Jalur VII" in home.get_data(as_text=True)
    assert "Jalur III" in client.get("/route").get_data(as_text=True)
    agenda = client.get(f"/agenda?region={region}")
    assert agenda.status_code == 200
    page = client.get(f"/events/{event_id}")
    assert page.status_code == 200
    assert event_title.split()[0] in page.get_data(as_text=True)
    assert client.get("/reports/attendance?by=stop").status_code == 200
    login(client, admin)
    assert client.get(f"/events/{event_id}/attendance").status_code == 200
