"""The events of every stop: the handover ceremony, the declaration, campus visits,
parades per dapil, outreach in the kecamatan; mostly published, some drafts and cancelled."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kirab.regions.models import NATIONAL_CODE
from kirab.seeding.context import Seeding
from kirab.seeding.names import CAMPUS, CANCEL_REASONS, OUTREACH, token
from kirab.seeding.routes import RI_ADDRESS, PlannedStop

# KPU RI, where every route ends, holds only the ceremonies of the arrival.
EVENTS_PER_STOP = 44
# Starting times of the events of a full day (local time); each has a venue of its own.
STARTS = [
    time(7, 0),
    time(8, 0),
    time(9, 30),
    time(10, 30),
    time(13, 0),
    time(14, 0),
    time(15, 30),
    time(16, 30),
    time(19, 0),
]
HOURS = [1, 2, 2, 3]
DRAFTS, CANCELLED = 0.05, 0.04


@dataclass
class EventSpec:
    """What an event of a stop is about, before it gets its time."""

    kind: str
    title: str
    description: str
    venue: str
    address: str
    districts: list[str] = field(default_factory=list)
    dapil_id: int | None = None
    parties: list[int] = field(default_factory=list)
    capacity: int | None = None


@dataclass
class PlannedEvent:
    """An event as written, with what its attendance needs."""

    id: int
    stop: PlannedStop
    kind: str
    starts_at: datetime
    ends_at: datetime
    venue: str
    published: bool
    districts: list[str]


def ceremonies(
    seeding: Seeding, stop: PlannedStop, previous: PlannedStop | None
) -> list[EventSpec]:
    """The handover ceremony on the day the stop receives the flags, and the declaration."""
    place = stop.place
    address = RI_ADDRESS if place.code == NATIONAL_CODE else f"Kompleks Perkantoran {place.name}"
    parties = seeding.party_numbers if place.code.startswith("11") else seeding.national_parties
    if previous is None:
        title = f"Pelepasan Kirab Pemilu 2024 dari {place.office_name}"
        giver = "KPU RI"
    else:
        title = f"Serah terima bendera dari {previous.place.office_name}"
        giver = previous.place.office_name
    handover = EventSpec(
        "handover",
        title,
        f"Upacara serah terima bendera pataka KPU, bendera Merah Putih dan bendera partai "
        f"politik dari {giver} kepada {place.office_name}, dihadiri Forkopimda.",
        stop.venue,
        address,
        parties=parties,
    )
    declaration = EventSpec(
        "declaration",
        "Deklarasi Pemilu damai partai politik",
        f"Perwakilan partai politik dan {place.office_name} membacakan dan menandatangani "
        "deklarasi Pemilu damai.",
        stop.venue,
        address,
        parties=parties,
    )
    return [handover, declaration]


def program(seeding: Seeding, stop: PlannedStop, count: int) -> list[EventSpec]:
    """The stop's other events: campus visits, parades (one per dapil if it has any), outreach."""
    place, rng = stop.place, seeding.rng
    specs = []
    for number in range(max(1, round(count * 0.08))):
        venue = f"{CAMPUS[number % len(CAMPUS)]} {place.short}"
        specs.append(
            EventSpec(
                "campus",
                f"KPU Goes To Campus {venue}",
                "Sosialisasi Pemilu 2024 untuk pemilih muda.",
                venue,
                f"Kampus {venue}, {place.name}",
                capacity=rng.choice([1000, 1500, 2500, 3000]),
            )
        )
    for dapil_id, number, name, districts in place.dapil:
        specs.append(
            EventSpec(
                "parade",
                f"Pawai Kirab Pemilu Dapil {number}",
                f"Kirab bendera pataka dan bendera partai melalui kecamatan di {name}.",
                f"Titik kumpul pawai {name}",
                place.name,
                districts=districts,
                dapil_id=dapil_id,
            )
        )
    kecamatan = list(place.districts)
    rng.shuffle(kecamatan)
    for number in range(0 if place.dapil else max(1, round(count * 0.1))):
        chosen = sorted(kecamatan[number * 3 : number * 3 + 3]) if kecamatan else []
        names = ", ".join(name for _code, name in chosen) or place.short
        specs.append(
            EventSpec(
                "parade",
                f"Pawai Kirab Pemilu {number + 1}",
                f"Kirab bendera pataka dan bendera partai melalui {names}.",
                f"Rute pawai {number + 1} {place.short}",
                place.name,
                districts=[code for code, _name in chosen],
            )
        )
    for number in range(max(1, count - 2 - len(specs))):
        theme, hall = OUTREACH[number % len(OUTREACH)]
        round_ = number // max(1, len(kecamatan))
        code, name = kecamatan[number % len(kecamatan)] if kecamatan else ("", place.short)
        venue = f"{hall} {name}" + (f" {round_ + 1}" if round_ else "")
        specs.append(
            EventSpec(
                "outreach",
                theme,
                f"{theme} bersama {place.office_name}.",
                venue,
                f"Kecamatan {name}, {place.name}",
                districts=[code] if code else [],
            )
        )
    return specs


def slots(rng, stop: PlannedStop, count: int) -> list[tuple[datetime, datetime]]:
    """Times for ``count`` events on the stop's full days (after the day it receives)."""
    zone = ZoneInfo(stop.place.timezone)
    first = stop.receives_at.astimezone(zone).date()
    last = (
        stop.hands_over_at.astimezone(zone).date()
        if stop.hands_over_at
        else first + timedelta(days=7)
    )
    days = [first + timedelta(days=n) for n in range(1, (last - first).days)] or [first]
    starts = [
        datetime.combine(day, start, zone)
        for day in days
        for start in STARTS
        if datetime.combine(day, start, zone) >= stop.receives_at + timedelta(hours=3)
    ]
    chosen = [starts[n % len(starts)] for n in range(count)]
    rng.shuffle(chosen)
    return [(start, start + timedelta(hours=rng.choice(HOURS))) for start in chosen]


def status_of(seeding: Seeding, kind: str, forced: str | None) -> str:
    """Ceremonies are published; other events mostly, some left drafts or cancelled."""
    if forced or kind in ("handover", "declaration"):
        return forced or "published"
    draw = seeding.rng.random()
    return "draft" if draw < DRAFTS else "cancelled" if draw < DRAFTS + CANCELLED else "published"


def write_events(seeding: Seeding) -> list[PlannedEvent]:
    """Every stop's events with their kecamatan, parties and venues, each audited."""
    planned, venues = [], {}
    previous = None
    for stop in seeding.stops:
        previous = previous if previous and previous.route_id == stop.route_id else None
        specs = ceremonies(seeding, stop, previous)
        if not stop.is_last:
            specs += program(seeding, stop, seeding.scaled(EVENTS_PER_STOP, 5))
        times = [
            (stop.receives_at, stop.receives_at + timedelta(hours=2)),
            (stop.receives_at + timedelta(hours=2), stop.receives_at + timedelta(hours=3)),
        ]
        times += slots(seeding.rng, stop, len(specs) - 2)
        for index, (spec, (starts, ends)) in enumerate(zip(specs, times, strict=True)):
            # The second stop of each route shows a draft and a cancellation at any scale.
            forced = (
                {1: "cancelled", 2: "draft"}.get(len(specs) - index) if stop.position == 2 else None
            )
            planned.append(
                write_event(
                    seeding, stop, spec, starts, ends, status_of(seeding, spec.kind, forced)
                )
            )
            venues[(stop.place.code, spec.venue.lower())] = (
                stop.place.code,
                spec.venue,
                spec.address,
            )
        previous = stop
    for region, name, address in venues.values():
        seeding.writer.add(
            "venues", (seeding.writer.next_id("venues"), region, name, address, None, None)
        )
    seeding.writer.flush()
    return planned


def write_event(
    seeding: Seeding,
    stop: PlannedStop,
    spec: EventSpec,
    starts: datetime,
    ends: datetime,
    status: str,
) -> PlannedEvent:
    """One event row with its links and the audit entries of its planning."""
    writer, actor = seeding.writer, seeding.organizer_of(stop)
    event_id = writer.next_id("events")
    created = stop.receives_at - timedelta(days=20)
    published = stop.receives_at - timedelta(days=10)
    cancelled = starts - timedelta(days=2)
    reason = seeding.rng.choice(CANCEL_REASONS) if status == "cancelled" else ""
    sequence = {"draft": 0, "published": 1, "cancelled": 2}[status]
    updated = {"draft": created, "published": published, "cancelled": cancelled}[status]
    writer.add(
        "events",
        (
            event_id,
            f"{token(seeding.rng)}@kirab",
            stop.id,
            spec.kind,
            spec.title,
            spec.description,
            starts.astimezone(UTC),
            ends.astimezone(UTC),
            spec.venue,
            spec.address,
            None,
            None,
            spec.dapil_id,
            spec.capacity,
            status,
            reason,
            sequence,
            created,
            updated,
            None,
        ),
    )
    writer.extend("event_districts", [(event_id, code) for code in sorted(set(spec.districts))])
    writer.extend("event_parties", [(event_id, number) for number in sorted(spec.parties)])
    seeding.audit(
        created, actor, "event.create", ("event", event_id), title=spec.title, stop=stop.id
    )
    if status != "draft":
        seeding.audit(published, actor, "event.publish", ("event", event_id))
    if status == "cancelled":
        seeding.audit(cancelled, actor, "event.cancel", ("event", event_id), reason=reason)
    return PlannedEvent(
        event_id, stop, spec.kind, starts, ends, spec.venue, status == "published", spec.districts
    )
