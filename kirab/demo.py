"""The demo: the Jalur VII stretch of Kirab Pemilu 2024 through West Java.

Kuningan -> Karawang -> Kabupaten Bekasi -> Kota Bekasi -> KPU RI, with a
full week of events for Kabupaten Bekasi (13-19 November 2023) and some
for its neighbours, all published, and one user of each role.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from kirab import clock
from kirab.auth.models import ADMIN, OBSERVER, ORGANIZER, PARTY_REP, User
from kirab.auth.services import create_user
from kirab.database import db
from kirab.events.models import CAMPUS, DECLARATION, HANDOVER, PARADE, Event
from kirab.events.scheduling import EventData, create_event, publish_event
from kirab.regions.models import Dapil, Party, PartyScope
from kirab.relay.handovers import record_handover
from kirab.relay.models import Relay, Route, Stop
from kirab.relay.planning import create_relay, create_route, insert_stop, route_handovers

RELAY_NAME = "Kirab Pemilu 2024"
ROUTE_NAME = "Jalur VII"
WIB = ZoneInfo("Asia/Jakarta")

# (region code, receives, hands over, venue); times are WIB.
STOPS = [
    ("32.08", "2023-11-01 09:00", "2023-11-07 09:00", "Pendopo Kabupaten Kuningan"),
    ("32.15", "2023-11-07 09:00", "2023-11-13 09:00", "Lapang Karangpawitan"),
    ("32.16", "2023-11-13 09:00", "2023-11-19 09:00", "Plaza Pemda Kabupaten Bekasi"),
    ("32.75", "2023-11-19 09:00", "2023-11-25 09:00", "Plaza Pemkot Bekasi"),
    ("RI", "2023-11-26 09:00", None, "Kantor KPU RI, Jl. Imam Bonjol No. 29, Jakarta"),
]

PLAZA = "Plaza Pemda Kabupaten Bekasi"
PLAZA_ADDRESS = "Kompleks Perkantoran Pemkab Bekasi, Sukamahi, Cikarang Pusat"


@dataclass(frozen=True)
class DemoEvent:
    """One event of the demo; times are WIB."""

    region: str
    kind: str
    title: str
    start: str
    hours: float
    venue: str
    address: str = ""
    description: str = ""
    # Handovers and the declaration invite every national party.
    parties: bool = False


EVENTS = [
    DemoEvent("32.15", HANDOVER, "Serah terima bendera dari KPU Kabupaten Kuningan",
              "2023-11-07 09:00", 2, "Lapang Karangpawitan", "Karawang Barat", parties=True),
    DemoEvent("32.15", CAMPUS, "KPU Goes To Campus Universitas Buana Perjuangan",
              "2023-11-08 09:00", 3, "Universitas Buana Perjuangan Karawang",
              "Jl. HS. Ronggo Waluyo, Puseurjaya, Telukjambe Timur"),
    DemoEvent("32.15", PARADE, "Pawai Kirab Pemilu dengan drum band", "2023-11-09 08:00", 3,
              "Jl. Tuparev", "Karawang Barat"),
    DemoEvent("32.16", HANDOVER, "Serah terima bendera dari KPU Kabupaten Karawang",
              "2023-11-13 09:00", 2, PLAZA, PLAZA_ADDRESS,
              "Upacara serah terima bendera pataka KPU, bendera Merah Putih dan bendera "
              "partai politik dari KPU Kabupaten Karawang kepada KPU Kabupaten Bekasi, "
              "dihadiri Pj Bupati Bekasi dan Forkopimda.", parties=True),
    DemoEvent("32.16", DECLARATION, "Deklarasi Pemilu damai partai politik", "2023-11-13 11:00",
              1, PLAZA, PLAZA_ADDRESS,
              "Perwakilan partai politik dan KPU membacakan dan menandatangani deklarasi "
              "Pemilu damai.", parties=True),
    DemoEvent("32.16", CAMPUS, "KPU Goes To Campus", "2023-11-14 09:00", 3,
              "Universitas Pelita Bangsa", "Jl. Inspeksi Kalimalang, Cikarang Utara",
              "Sosialisasi Pemilu 2024 untuk pemilih muda."),
]  # fmt: skip

# Parades of Kabupaten Bekasi: dapil number, day of November, start hour (WIB).
BEKASI_PARADES = [
    (1, 14, 8),
    (2, 14, 13),
    (3, 15, 8),
    (4, 15, 13),
    (5, 16, 8),
    (6, 17, 8),
    (7, 18, 8),
]

LATER_EVENTS = [
    DemoEvent("32.75", HANDOVER, "Serah terima bendera dari KPU Kabupaten Bekasi",
              "2023-11-19 09:00", 2, "Plaza Pemkot Bekasi",
              "Jl. Ir. H. Juanda No. 100, Bekasi Timur", "Disambut Pj Wali Kota Bekasi.",
              parties=True),
    DemoEvent("RI", HANDOVER, "Serah terima bendera dari KPU Kota Bekasi", "2023-11-26 09:00",
              2, "Kantor KPU RI", "Jl. Imam Bonjol No. 29, Jakarta", parties=True),
]  # fmt: skip

DEMO_USERS = [
    ("admin@kirab.example", ADMIN, "Admin KPU RI", [], None),
    (
        "organizer.kabbekasi@kirab.example",
        ORGANIZER,
        "Panitia KPU Kabupaten Bekasi",
        ["32.16"],
        None,
    ),
    ("organizer.jabar@kirab.example", ORGANIZER, "Panitia KPU Provinsi Jawa Barat", ["32"], None),
    ("party@kirab.example", PARTY_REP, "Perwakilan Partai", ["32.16", "32.75"], 1),
    ("observer@kirab.example", OBSERVER, "Pengawas Bawaslu", [], None),
]


@dataclass
class DemoResult:
    """What seeding did: whether anything was created, and the logins made."""

    created: bool
    logins: list[tuple[str, str, str]]


def wib(text: str) -> datetime:
    """A WIB time written ``YYYY-MM-DD HH:MM``."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=WIB)


def national_parties() -> list[int]:
    """The ballot numbers of the parties contesting everywhere (not only in Aceh)."""
    return list(
        db.session.execute(
            db.select(Party.number).where(Party.scope == PartyScope.NATIONAL).order_by(Party.number)
        ).scalars()
    )


def create_users() -> tuple[User, list[tuple[str, str, str]]]:
    """Create the demo's users, the admin first; return the admin and every login."""
    password = os.environ.get("KIRAB_DEMO_PASSWORD") or None
    admin = None
    logins = []
    for email, role, name, regions, party in DEMO_USERS:
        user, given = create_user(
            email,
            role,
            actor=admin,
            name=name,
            region_codes=regions,
            party_number=party,
            password=password,
        )
        admin = admin or user
        logins.append((role, user.email, given))
    return admin, logins


def build_route(relay: Relay, *, actor: User) -> dict[str, Stop]:
    """Plan Jalur VII's stops; the planning links them by handovers. Return stops by region."""
    route = create_route(relay, ROUTE_NAME, actor=actor)
    stops = {}
    for code, receives, hands_over, venue in STOPS:
        stops[code] = insert_stop(
            route,
            actor=actor,
            region_code=code,
            receives_at=wib(receives),
            hands_over_at=wib(hands_over) if hands_over else None,
            venue=venue,
        )
    describe_handovers(route, actor=actor)
    return stops


def describe_handovers(route: Route, *, actor: User) -> None:
    """Give each handover its venue; nothing is ticked until it takes place."""
    for handover in route_handovers(route):
        record_handover(
            handover,
            actor=actor,
            actual_at=None,
            venue=handover.to_stop.venue,
            items={},
            signatories={},
            notes="",
        )


def add_event(
    stop: Stop, spec: DemoEvent, *, actor: User, now: datetime, dapil: Dapil | None = None
) -> Event:
    """Plan a demo event on its stop and publish it."""
    start = wib(spec.start)
    data = EventData(
        kind=spec.kind,
        title=spec.title,
        starts_at=start,
        ends_at=start + timedelta(hours=spec.hours),
        description=spec.description,
        venue_name=spec.venue,
        venue_address=spec.address,
        dapil_id=dapil.id if dapil else None,
        district_codes=[district.code for district in dapil.districts] if dapil else [],
        party_numbers=national_parties() if spec.parties else [],
    )
    event = create_event(stop, data, actor=actor, now=now)
    return publish_event(event, actor=actor, now=now)


def parade(number: int, day: int, hour: int, dapil: Dapil) -> DemoEvent:
    """The parade of a dapil of Kabupaten Bekasi through its first kecamatan."""
    district = dapil.districts[0]
    return DemoEvent(
        "32.16",
        PARADE,
        f"Pawai Kirab Pemilu Dapil {number}",
        f"2023-11-{day} {hour:02d}:00",
        3,
        f"Kecamatan {district.name}",
        f"Kantor Kecamatan {district.name}, Kabupaten Bekasi",
        f"Kirab bendera pataka dan bendera partai melalui kecamatan di {dapil.name}.",
    )


def build_events(stops: dict[str, Stop], *, actor: User, now: datetime) -> None:
    """Plan and publish the week of Kabupaten Bekasi and some events of its neighbours."""
    for spec in EVENTS:
        add_event(stops[spec.region], spec, actor=actor, now=now)
    dapil = {
        d.number: d
        for d in db.session.execute(db.select(Dapil).where(Dapil.region_code == "32.16")).scalars()
    }
    for number, day, hour in BEKASI_PARADES:
        spec = parade(number, day, hour, dapil[number])
        add_event(stops[spec.region], spec, actor=actor, now=now, dapil=dapil[number])
    for spec in LATER_EVENTS:
        add_event(stops[spec.region], spec, actor=actor, now=now)


def seed_demo() -> DemoResult:
    """Load the demo once, through the services, so every change is in the audit log.

    The demo's admin creates the other users, plans the route and publishes
    the events. A second call finds the relay and changes nothing.
    """
    exists = db.session.execute(
        db.select(Relay.id).where(Relay.name == RELAY_NAME)
    ).scalar_one_or_none()
    if exists is not None:
        return DemoResult(False, [])
    admin, logins = create_users()
    relay = create_relay(RELAY_NAME, actor=admin)
    stops = build_route(relay, actor=admin)
    build_events(stops, actor=admin, now=clock.now())
    db.session.flush()
    return DemoResult(True, logins)


def write_logins(path: Path, logins: list[tuple[str, str, str]]) -> None:
    """Write the demo logins to a file only its owner can read."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write("# Demo logins (role, email, password)\n")
        for role, email, password in logins:
            handle.write(f"{role}\t{email}\t{password}\n")
