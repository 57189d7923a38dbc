"""The scheduling rules and warnings, as services (no HTTP)."""

from datetime import time, timedelta

import pytest

from kirab.audit.models import AuditEntry
from kirab.database import db
from kirab.errors import DomainError
from kirab.events.advisories import dapil_without_parade, venue_clashes
from kirab.events.models import CANCELLED, DRAFT, PUBLISHED, Event, Venue
from kirab.events.rules import clashes, programme_slots, spread_over_days
from kirab.events.scheduling import (
    EventData,
    ProgrammeSpec,
    cancel_event,
    create_event,
    create_programme,
    delete_event,
    duplicate_event,
    plan_programme,
    publish_event,
    update_event,
)
from kirab.regions.models import Dapil
from tests.factories import at, make_route, make_user

NOW = at("2023-11-01 10:00")


@pytest.fixture
def bekasi(app):
    """Kabupaten Bekasi's stop (13-19 November 2023 WIB) and an organizer of 32.16."""
    route = make_route(
        [
            ("32.16", at("2023-11-13 09:00"), at("2023-11-19 09:00")),
            ("32.75", at("2023-11-19 09:00"), None),
        ]
    )
    organizer = make_user("organizer", regions=["32.16"])
    return route.stops[0], organizer


def data(**changes) -> EventData:
    """Event data inside the Bekasi stop, with changes."""
    values = dict(
        kind="campus",
        title="KPU Goes To Campus",
        starts_at=at("2023-11-14 09:00"),
        ends_at=at("2023-11-14 12:00"),
        venue_name="Universitas Pelita Bangsa",
    )
    values.update(changes)
    return EventData(**values)


def dapil(number: int, region: str = "32.16") -> Dapil:
    """A shipped dapil."""
    return db.session.execute(
        db.select(Dapil).where(Dapil.region_code == region, Dapil.number == number)
    ).scalar_one()


def test_a_new_event_is_a_draft_with_sequence_zero(bekasi):
    stop, organizer = bekasi
    event = create_event(stop, data(), actor=organizer, now=NOW)
    assert (event.status, event.sequence) == (DRAFT, 0)
    assert event.uid.endswith("@kirab")
    assert event.updated_at == NOW
    assert db.session.execute(db.select(AuditEntry.action)).scalars().all()[-1] == "event.create"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"kind": "rally"}, "kind"),
        ({"ends_at": at("2023-11-14 09:00")}, "ends_at"),
        ({"ends_at": at("2023-11-14 08:00")}, "ends_at"),
        ({"starts_at": at("2023-11-13 08:59")}, "starts_at"),
        ({"starts_at": at("2023-11-19 08:00"), "ends_at": at("2023-11-19 10:00")}, "starts_at"),
        ({"latitude": -6.3}, "latitude"),
        ({"latitude": 91.0, "longitude": 107.0}, "latitude"),
        ({"capacity": 0}, "capacity"),
        ({"description": "x" * 5001}, "description"),
        ({"district_codes": ["32.75.01"]}, "district_codes"),
        ({"district_codes": ["32.16"]}, "district_codes"),
        ({"party_numbers": [99]}, "party_numbers"),
    ],
)
def test_rules_name_the_field(bekasi, changes, field):
    stop, organizer = bekasi
    with pytest.raises(DomainError) as raised:
        create_event(stop, data(**changes), actor=organizer, now=NOW)
    assert raised.value.field == field


def test_a_dapil_of_another_region_is_refused(bekasi):
    stop, organizer = bekasi
    with pytest.raises(DomainError) as raised:
        create_event(stop, data(dapil_id=dapil(1, "32.75").id), actor=organizer, now=NOW)
    assert raised.value.field == "dapil_id"


def test_times_at_the_window_edges_are_allowed(bekasi):
    stop, organizer = bekasi
    first = create_event(
        stop,
        data(starts_at=at("2023-11-13 09:00"), ends_at=at("2023-11-13 11:00")),
        actor=organizer,
        now=NOW,
    )
    last = create_event(
        stop,
        data(starts_at=at("2023-11-19 07:00"), ends_at=at("2023-11-19 09:00")),
        actor=organizer,
        now=NOW,
    )
    assert first.id and last.id


def test_the_window_is_judged_in_any_zone(bekasi):
    """08.30 WIB is 09.30 WITA: a time entered in another zone is the same instant."""
    stop, organizer = bekasi
    with pytest.raises(DomainError):
        create_event(
            stop, data(starts_at=at("2023-11-13 09:30", "Asia/Makassar")), actor=organizer, now=NOW
        )


def test_noticeable_changes_raise_the_sequence(bekasi):
    stop, organizer = bekasi
    event = create_event(stop, data(), actor=organizer, now=NOW)
    later = NOW + timedelta(hours=1)
    update_event(event, data(description="Lebih rinci"), actor=organizer, now=later)
    assert (event.sequence, event.updated_at) == (0, later)
    update_event(
        event, data(description="Lebih rinci", venue_name="Aula Kampus"), actor=organizer, now=later
    )
    assert event.sequence == 1
    update_event(
        event,
        data(description="Lebih rinci", venue_name="Aula Kampus", starts_at=at("2023-11-14 10:00")),
        actor=organizer,
        now=later,
    )
    assert event.sequence == 2
    publish_event(event, actor=organizer, now=later)
    assert (event.status, event.sequence) == (PUBLISHED, 3)
    cancel_event(event, "Hujan deras", actor=organizer, now=later)
    assert (event.status, event.sequence, event.cancel_reason) == (CANCELLED, 4, "Hujan deras")


def test_an_unchanged_update_changes_nothing(bekasi):
    stop, organizer = bekasi
    event = create_event(stop, data(), actor=organizer, now=NOW)
    update_event(event, data(), actor=organizer, now=NOW + timedelta(days=1))
    assert event.updated_at == NOW and event.sequence == 0


def test_updates_are_audited_with_what_changed(bekasi):
    stop, organizer = bekasi
    event = create_event(stop, data(), actor=organizer, now=NOW)
    update_event(event, data(title="Kampus Merdeka Memilih"), actor=organizer, now=NOW)
    entry = db.session.execute(
        db.select(AuditEntry).where(AuditEntry.action == "event.update")
    ).scalar_one()
    assert entry.details["changes"] == {"title": ["KPU Goes To Campus", "Kampus Merdeka Memilih"]}
    assert entry.user_id == organizer.id


def test_cancelling_needs_a_reason_and_a_published_event(bekasi):
    stop, organizer = bekasi
    event = create_event(stop, data(), actor=organizer, now=NOW)
    with pytest.raises(DomainError):
        cancel_event(event, "Hujan", actor=organizer, now=NOW)  # still a draft
    publish_event(event, actor=organizer, now=NOW)
    with pytest.raises(DomainError) as raised:
        cancel_event(event, "   ", actor=organizer, now=NOW)
    assert raised.value.field == "reason"
    assert event.status == PUBLISHED


def test_only_drafts_are_deleted(bekasi):
    stop, organizer = bekasi
    event = create_event(stop, data(), actor=organizer, now=NOW)
    publish_event(event, actor=organizer, now=NOW)
    with pytest.raises(DomainError):
        delete_event(event, actor=organizer, now=NOW)
    draft = create_event(stop, data(), actor=organizer, now=NOW)
    delete_event(draft, actor=organizer, now=NOW)
    assert draft.deleted_at == NOW
    with pytest.raises(DomainError):
        update_event(draft, data(), actor=organizer, now=NOW)


def test_duplicating_makes_a_new_draft(bekasi):
    stop, organizer = bekasi
    event = create_event(
        stop, data(district_codes=["32.16.06"], party_numbers=[1, 2]), actor=organizer, now=NOW
    )
    publish_event(event, actor=organizer, now=NOW)
    copy = duplicate_event(event, actor=organizer, now=NOW)
    assert copy.id != event.id and copy.uid != event.uid
    assert copy.status == DRAFT and copy.title == event.title
    assert [d.code for d in copy.districts] == ["32.16.06"]
    assert [p.number for p in copy.invited_parties] == [1, 2]


def test_venues_are_kept_and_offered_again(bekasi):
    stop, organizer = bekasi
    create_event(
        stop,
        data(
            venue_name="Stadion Wibawa Mukti",
            venue_address="Cikarang Timur",
            latitude=-6.29,
            longitude=107.17,
        ),
        actor=organizer,
        now=NOW,
    )
    again = create_event(stop, data(venue_name="stadion wibawa mukti"), actor=organizer, now=NOW)
    assert again.venue_address == "Cikarang Timur"
    assert (again.latitude, again.longitude) == (-6.29, 107.17)
    assert db.session.execute(db.select(Venue.name)).scalars().all() == ["Stadion Wibawa Mukti"]


def test_the_bekasi_parade_programme(bekasi):
    stop, organizer = bekasi
    spec = ProgrammeSpec(dapil_ids=[dapil(n).id for n in range(1, 8)])
    preview = plan_programme(stop, spec)
    assert db.session.execute(db.select(Event)).scalars().all() == []  # a preview saves nothing
    events = create_programme(stop, spec, actor=organizer, now=NOW)
    assert len(events) == 7 and {e.status for e in events} == {DRAFT}
    days = [e.starts_at.astimezone(at("2023-11-14 00:00").tzinfo).date().day for e in events]
    assert days == [14, 14, 15, 15, 16, 17, 18]
    starts = [e.starts_at for e in events]
    assert starts[0] == at("2023-11-14 08:00") and starts[1] == at("2023-11-14 13:00")
    assert all(e.ends_at - e.starts_at == timedelta(hours=3) for e in events)
    assert [e.title for e in events][2] == "Pawai Kirab Pemilu Dapil 3"
    assert [d.code for d in events[2].districts] == ["32.16.06"]
    assert sorted(d.code for d in events[0].districts) == [
        "32.16.18",
        "32.16.20",
        "32.16.21",
        "32.16.22",
        "32.16.23",
    ]
    assert all(e.kind == "parade" and e.dapil.number == n for n, e in enumerate(events, start=1))
    assert len(preview) == 7


def test_a_programme_must_fit_the_stop(bekasi):
    stop, organizer = bekasi
    spec = ProgrammeSpec(dapil_ids=[dapil(n).id for n in range(1, 8)], first_day=5, last_day=9)
    with pytest.raises(DomainError):
        create_programme(stop, spec, actor=organizer, now=NOW)
    with pytest.raises(DomainError) as raised:
        plan_programme(stop, ProgrammeSpec(dapil_ids=[]))
    assert raised.value.field == "dapil_ids"
    with pytest.raises(DomainError):
        plan_programme(stop, ProgrammeSpec(dapil_ids=[dapil(1, "32.75").id]))
    assert db.session.execute(db.select(Event)).scalars().all() == []


def test_warning_two_events_at_one_venue(bekasi):
    stop, organizer = bekasi
    first = create_event(stop, data(), actor=organizer, now=NOW)
    second = create_event(
        stop,
        data(title="Diskusi", starts_at=at("2023-11-14 11:00"), ends_at=at("2023-11-14 13:00")),
        actor=organizer,
        now=NOW,
    )
    create_event(
        stop,
        data(
            title="Sore",
            starts_at=at("2023-11-14 12:00"),
            ends_at=at("2023-11-14 14:00"),
            venue_name="Alun-alun",
        ),
        actor=organizer,
        now=NOW,
    )
    assert venue_clashes(stop) == [(first, second)]


def test_warning_dapil_without_a_parade(bekasi):
    stop, organizer = bekasi
    create_programme(
        stop, ProgrammeSpec(dapil_ids=[dapil(n).id for n in (1, 2, 3)]), actor=organizer, now=NOW
    )
    missing = dapil_without_parade(stop)
    assert [d.number for d in missing] == [4, 5, 6, 7]


def test_pure_spreading_and_slots():
    assert spread_over_days(7, 5) == [2, 2, 1, 1, 1]
    assert spread_over_days(3, 5) == [1, 1, 1, 0, 0]
    slots = programme_slots(
        3,
        at("2023-11-14 00:00").date(),
        2,
        time(8),
        timedelta(hours=3),
        timedelta(hours=2),
        "Asia/Makassar",
    )
    assert [s.starts_at.isoformat() for s in slots] == [
        "2023-11-14T08:00:00+08:00",
        "2023-11-14T13:00:00+08:00",
        "2023-11-15T08:00:00+08:00",
    ]


def test_pure_clashes_ignore_touching_events():
    class E:
        def __init__(self, venue, start, end):
            self.venue_name, self.starts_at, self.ends_at = venue, at(start), at(end)

    a = E("Aula", "2023-11-14 08:00", "2023-11-14 10:00")
    b = E(" aula ", "2023-11-14 10:00", "2023-11-14 11:00")
    c = E("AULA", "2023-11-14 09:30", "2023-11-14 12:00")
    assert clashes([a, b, c]) == [(a, c), (c, b)]
