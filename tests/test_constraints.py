"""The database itself refuses rows that break the rules which allow no exception.

Each case builds a valid row, then writes a value that breaks one CHECK
constraint straight to the table (past every service and model) and expects
the database to refuse it, naming the constraint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import CheckConstraint, Table, update
from sqlalchemy.exc import IntegrityError

from kirab.attendance.models import (
    AttendanceRecord,
    Category,
    ExpectedGuest,
    HeadcountTally,
    Method,
)
from kirab.auth.models import Role, User
from kirab.changes.models import AgendaChange, AgendaChangeEvent, ChangeKind
from kirab.database import db, utcnow
from kirab.dataversions import DataVersion
from kirab.events.models import Event, EventKind, EventStatus, Venue
from kirab.feeds.models import FeedDocument, RenderedEvent
from kirab.notifications.models import Delivery, DeliveryStatus, EmailMode, NotificationPreference
from kirab.regions.models import Dapil, Party, PartyScope, Region, RegionLevel
from kirab.relay.models import FileKind, Handover, HandoverFile, Route, Stop
from kirab.storage import StoredFile
from kirab.webhooks.models import HookStatus, WebhookDelivery, WebhookEndpoint
from tests.factories import at, make_event, make_route, make_user


@dataclass
class World:
    """One valid row of every table with a CHECK constraint, by table name: its primary key."""

    keys: dict[str, dict]


@pytest.fixture
def world(app) -> World:
    """A valid row in each checked table, committed."""
    rep = make_user("party_rep", party=1, regions=["32.16"])
    route = make_route(
        [
            ("32.15", at("2023-11-07 09:00"), at("2023-11-13 09:00")),
            ("32.16", at("2023-11-13 09:00"), None),
        ]
    )
    giving, receiving = route.stops
    handover = Handover(
        from_stop=giving, to_stop=receiving, planned_at=receiving.receives_at, items={}
    )
    event = make_event(receiving, capacity=100, latitude=-6.3, longitude=107.1)
    venue = Venue(region_code="32.16", name="Plaza", latitude=-6.3, longitude=107.1)
    upload = HandoverFile(
        handover=handover, kind="photo", stored_name="a.png", content_type="image/png", size=10
    )
    person = dict(name="Ani", name_key="ani", affiliation_key="", category="public")
    record = AttendanceRecord(event=event, method="organizer", **person)
    guest = ExpectedGuest(event_id=event.id, **person)
    tally = HeadcountTally(
        event_id=event.id, counter="Pos 1", counter_key="pos 1", category="public", count=5
    )
    rendering = RenderedEvent(
        event_id=event.id, lang="id", sequence=0, updated_at=utcnow(), fingerprint="f", body=b""
    )
    document = FeedDocument(
        key="k", day=utcnow().date(), data_version=0, fingerprint="f", members_hash="m",
        body_hash="b", last_modified=utcnow(), body=b"",
    )  # fmt: skip
    stored = StoredFile(key="k", sha256="0" * 64, size=0, content_type="image/png", content=b"")
    db.session.add_all([handover, venue, upload, record, guest, tally, rendering, document, stored])
    db.session.flush()
    change = AgendaChange(kind="moved", stop_id=receiving.id, region_code="32.16")
    change.events.append(AgendaChangeEvent(event_id=event.id, title=event.title))
    endpoint = WebhookEndpoint(url="https://hooks.example", secret="whsec_QUFB")
    db.session.add_all([change, endpoint])
    db.session.flush()
    preference = NotificationPreference(user_id=rep.id, email_mode="immediate", lang="id")
    delivery = Delivery(user_id=rep.id, change_id=change.id)
    hook = WebhookDelivery(
        endpoint_id=endpoint.id, change_event_id=change.events[0].id, payload="{}"
    )
    db.session.add_all([preference, delivery, hook])
    db.session.flush()
    dapil = db.session.execute(db.select(Dapil).limit(1)).scalar_one()
    db.session.commit()
    return World(
        {
            "users": {"id": rep.id},
            "routes": {"id": route.id},
            "stops": {"id": giving.id},
            "handovers": {"id": handover.id},
            "handover_files": {"id": upload.id},
            "stored_files": {"id": stored.id},
            "events": {"id": event.id},
            "venues": {"id": venue.id},
            "attendance_records": {"id": record.id},
            "expected_guests": {"id": guest.id},
            "headcount_tallies": {"id": tally.id},
            "feed_event_renderings": {"event_id": event.id, "lang": "id"},
            "feed_documents": {"key": "k"},
            "data_versions": {"scope": "all"},
            "regions": {"code": "32.16"},
            "parties": {"number": 1},
            "dapil": {"id": dapil.id},
            "agenda_changes": {"id": change.id},
            "notification_preferences": {"user_id": rep.id},
            "notification_deliveries": {"id": delivery.id},
            "webhook_deliveries": {"id": hook.id},
        }
    )


def write(world: World, table: Table, values: dict) -> None:
    """Write ``values`` straight into the world's row of ``table`` and flush."""
    key = world.keys[table.name]
    condition = [table.c[name] == value for name, value in key.items()]
    db.session.execute(update(table).where(*condition).values(**values))
    db.session.flush()


def row(world: World, table: Table) -> dict:
    """The world's row of ``table``, as stored."""
    key = world.keys[table.name]
    condition = [table.c[name] == value for name, value in key.items()]
    return dict(db.session.execute(db.select(table).where(*condition)).mappings().one())


LATE = at("2023-11-14 09:00")

# (constraint, table, values that break it)
VIOLATIONS = [
    ("ck_users_role", User, {"role": "superuser", "party_number": None}),
    ("ck_users_party_of_party_rep", User, {"party_number": None}),
    ("ck_users_party_of_party_rep", User, {"role": "observer"}),
    ("ck_users_session_version", User, {"session_version": 0}),
    ("ck_routes_position", Route, {"position": -1}),
    ("ck_stops_receives_before_hand_over", Stop, {"hands_over_at": at("2023-11-07 09:00")}),
    ("ck_stops_receives_before_hand_over", Stop, {"receives_at": LATE}),
    ("ck_handovers_two_stops", Handover, {"to_stop_id": Handover.from_stop_id}),
    ("ck_handover_files_kind", HandoverFile, {"kind": "video"}),
    ("ck_handover_files_size", HandoverFile, {"size": -1}),
    ("ck_stored_files_size", StoredFile, {"size": -1}),
    ("ck_events_kind", Event, {"kind": "concert"}),
    ("ck_events_status", Event, {"status": "archived"}),
    ("ck_events_starts_before_end", Event, {"ends_at": Event.starts_at}),
    ("ck_events_starts_before_end", Event, {"ends_at": at("2023-11-13 09:00")}),
    ("ck_events_capacity", Event, {"capacity": 0}),
    ("ck_events_capacity", Event, {"capacity": -5}),
    ("ck_events_sequence", Event, {"sequence": -1}),
    ("ck_events_coordinates", Event, {"latitude": None}),
    ("ck_events_coordinates", Event, {"latitude": 91.0}),
    ("ck_events_coordinates", Event, {"longitude": -180.5}),
    ("ck_venues_coordinates", Venue, {"longitude": None}),
    ("ck_venues_coordinates", Venue, {"latitude": -90.5}),
    ("ck_attendance_records_category", AttendanceRecord, {"category": "vip"}),
    ("ck_attendance_records_method", AttendanceRecord, {"method": "guess"}),
    ("ck_expected_guests_category", ExpectedGuest, {"category": "vip"}),
    ("ck_headcount_tallies_category", HeadcountTally, {"category": "vip"}),
    ("ck_headcount_tallies_count", HeadcountTally, {"count": -1}),
    ("ck_feed_event_renderings_sequence", RenderedEvent, {"sequence": -1}),
    ("ck_feed_documents_data_version", FeedDocument, {"data_version": -1}),
    ("ck_data_versions_version", DataVersion, {"version": -1}),
    ("ck_regions_level", Region, {"level": "village"}),
    ("ck_parties_scope", Party, {"scope": "papua"}),
    ("ck_dapil_number", Dapil, {"number": 0}),
    ("ck_dapil_seats", Dapil, {"seats": 0}),
    ("ck_agenda_changes_kind", AgendaChange, {"kind": "renamed"}),
    ("ck_notification_preferences_email_mode", NotificationPreference, {"email_mode": "weekly"}),
    ("ck_notification_preferences_digest_hour", NotificationPreference, {"digest_hour": 24}),
    ("ck_notification_preferences_lang", NotificationPreference, {"lang": "fr"}),
    ("ck_notification_deliveries_status", Delivery, {"status": "lost"}),
    ("ck_notification_deliveries_kind", Delivery, {"kind": "weekly", "change_id": None}),
    ("ck_notification_deliveries_change_of_kind", Delivery, {"change_id": None}),
    ("ck_notification_deliveries_change_of_kind", Delivery, {"kind": "digest"}),
    ("ck_notification_deliveries_attempts", Delivery, {"attempts": -1}),
    ("ck_webhook_deliveries_status", WebhookDelivery, {"status": "lost"}),
    ("ck_webhook_deliveries_attempts", WebhookDelivery, {"attempts": -1}),
]


@pytest.mark.parametrize(
    ("constraint", "model", "values"),
    VIOLATIONS,
    ids=[f"{name}-{'-'.join(values)}" for name, _model, values in VIOLATIONS],
)
def test_the_database_refuses_a_row_that_breaks_a_rule(world, constraint, model, values):
    table = model.__table__
    before = row(world, table)
    with pytest.raises(IntegrityError) as refused:
        write(world, table, values)
    assert constraint in str(refused.value.orig)
    db.session.rollback()
    assert row(world, table) == before


def test_parties_numbers_are_positive(world):
    with pytest.raises(IntegrityError) as refused:
        db.session.add(Party(number=0, abbreviation="X", name="X", scope="national"))
        db.session.flush()
    assert "ck_parties_number" in str(refused.value.orig)
    db.session.rollback()


def test_every_constraint_of_the_models_has_a_refusal_test():
    checked = {name for name, _model, _values in VIOLATIONS} | {"ck_parties_number"}
    constraints = {
        str(constraint.name)
        for table in db.metadata.tables.values()
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint)
    }
    assert constraints == checked


# Every member of each vocabulary is a value the database accepts.
VOCABULARIES = [
    (Event, "kind", EventKind, {}),
    (Event, "status", EventStatus, {}),
    (HandoverFile, "kind", FileKind, {}),
    (AttendanceRecord, "category", Category, {}),
    (AttendanceRecord, "method", Method, {}),
    (ExpectedGuest, "category", Category, {}),
    (HeadcountTally, "category", Category, {}),
    (Region, "level", RegionLevel, {}),
    (Party, "scope", PartyScope, {}),
    (AgendaChange, "kind", ChangeKind, {}),
    (NotificationPreference, "email_mode", EmailMode, {}),
    (Delivery, "status", DeliveryStatus, {}),
    (WebhookDelivery, "status", HookStatus, {}),
]


@pytest.mark.parametrize(("model", "column", "vocabulary", "extra"), VOCABULARIES)
def test_the_database_accepts_every_value_of_a_vocabulary(world, model, column, vocabulary, extra):
    table = model.__table__
    for value in vocabulary:
        write(world, table, {column: value, **extra})
        assert row(world, table)[column] == value.value
    db.session.rollback()


def test_the_database_accepts_every_role_with_its_party_rule(world):
    table = User.__table__
    for role in Role:
        party = 1 if role == Role.PARTY_REP else None
        write(world, table, {"role": role, "party_number": party})
        assert row(world, table)["role"] == role.value
    db.session.rollback()


def test_a_stop_may_keep_the_flags_and_an_event_may_last_a_minute(world):
    write(world, Stop.__table__, {"hands_over_at": None})
    start = at("2023-11-13 10:00")
    write(world, Event.__table__, {"starts_at": start, "ends_at": start + timedelta(minutes=1)})
    write(world, Event.__table__, {"capacity": None, "latitude": None, "longitude": None})
    db.session.rollback()
