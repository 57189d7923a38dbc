"""The demo: the Jalur VII stretch of Kirab Pemilu 2024 through West Java.

Kuningan -> Karawang -> Kabupaten Bekasi -> Kota Bekasi -> KPU RI, with a
full week of events for Kabupaten Bekasi (13-19 November 2023) and some
for its neighbours, all published, and one user of each role.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

from kirab.auth.models import ADMIN, OBSERVER, ORGANIZER, PARTY_REP
from kirab.auth.services import create_user
from kirab.database import db
from kirab.events.models import CAMPUS, DECLARATION, HANDOVER, PARADE, PUBLISHED, Event
from kirab.regions.models import Dapil, Office, Party
from kirab.relay.models import Handover, Relay, Route, Stop

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

# Nothing is ticked until a handover is recorded; party flags are added by number then.
HANDOVER_ITEMS = ["national_flag", "kpu_pataka", "kotak_hitam"]

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


def office(code: str) -> Office:
    """The office of a region code."""
    return db.session.execute(db.select(Office).where(Office.region_code == code)).scalar_one()


def national_parties() -> list[Party]:
    """The parties contesting everywhere (not only in Aceh)."""
    return list(
        db.session.execute(
            db.select(Party).where(Party.scope == "national").order_by(Party.number)
        ).scalars()
    )


def add_event(
    stop: Stop,
    kind: str,
    title: str,
    start: datetime,
    hours: float,
    venue: str,
    address: str = "",
    description: str = "",
    dapil: Dapil | None = None,
    parties: list[Party] | None = None,
) -> Event:
    """Add a published demo event to a stop."""
    event = Event(
        stop=stop,
        kind=kind,
        title=title,
        description=description,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        venue_name=venue,
        venue_address=address,
        dapil=dapil,
        districts=list(dapil.districts) if dapil else [],
        invited_parties=parties or [],
        status=PUBLISHED,
    )
    db.session.add(event)
    return event


def build_route(relay: Relay) -> list[Stop]:
    """Create Jalur VII's stops and the handovers between them."""
    offices = {code: office(code) for code, *_rest in STOPS}
    route = Route(relay=relay, name=ROUTE_NAME, position=7)
    db.session.add(route)
    stops = []
    for position, (code, receives, hands_over, venue) in enumerate(STOPS, start=1):
        stops.append(
            Stop(
                route=route,
                position=position,
                office=offices[code],
                receives_at=wib(receives),
                hands_over_at=wib(hands_over) if hands_over else None,
                venue=venue,
            )
        )
    db.session.add_all(stops)
    for giving, receiving in pairwise(stops):
        db.session.add(
            Handover(
                from_stop=giving,
                to_stop=receiving,
                planned_at=receiving.receives_at,
                venue=receiving.venue,
                items=dict.fromkeys(HANDOVER_ITEMS, False),
            )
        )
    return stops


def build_events(stops: list[Stop]) -> None:
    """Create the week of Kabupaten Bekasi and some events of its neighbours."""
    karawang, kab_bekasi, kota_bekasi, kpu_ri = stops[1], stops[2], stops[3], stops[4]
    parties = national_parties()
    plaza = "Plaza Pemda Kabupaten Bekasi"
    plaza_address = "Kompleks Perkantoran Pemkab Bekasi, Sukamahi, Cikarang Pusat"

    add_event(
        karawang,
        HANDOVER,
        "Serah terima bendera dari KPU Kabupaten Kuningan",
        wib("2023-11-07 09:00"),
        2,
        "Lapang Karangpawitan",
        "Karawang Barat",
        parties=parties,
    )
    add_event(
        karawang,
        CAMPUS,
        "KPU Goes To Campus Universitas Buana Perjuangan",
        wib("2023-11-08 09:00"),
        3,
        "Universitas Buana Perjuangan Karawang",
        "Jl. HS. Ronggo Waluyo, Puseurjaya, Telukjambe Timur",
    )
    add_event(
        karawang,
        PARADE,
        "Pawai Kirab Pemilu dengan drum band",
        wib("2023-11-09 08:00"),
        3,
        "Jl. Tuparev",
        "Karawang Barat",
    )

    add_event(
        kab_bekasi,
        HANDOVER,
        "Serah terima bendera dari KPU Kabupaten Karawang",
        wib("2023-11-13 09:00"),
        2,
        plaza,
        plaza_address,
        "Upacara serah terima bendera pataka KPU, bendera Merah Putih dan bendera "
        "partai politik dari KPU Kabupaten Karawang kepada KPU Kabupaten Bekasi, "
        "dihadiri Pj Bupati Bekasi dan Forkopimda.",
        parties=parties,
    )
    add_event(
        kab_bekasi,
        DECLARATION,
        "Deklarasi Pemilu damai partai politik",
        wib("2023-11-13 11:00"),
        1,
        plaza,
        plaza_address,
        "Perwakilan partai politik dan KPU membacakan dan menandatangani deklarasi Pemilu damai.",
        parties=parties,
    )
    add_event(
        kab_bekasi,
        CAMPUS,
        "KPU Goes To Campus",
        wib("2023-11-14 09:00"),
        3,
        "Universitas Pelita Bangsa",
        "Jl. Inspeksi Kalimalang, Cikarang Utara",
        "Sosialisasi Pemilu 2024 untuk pemilih muda.",
    )
    dapil = {
        d.number: d
        for d in db.session.execute(db.select(Dapil).where(Dapil.region_code == "32.16")).scalars()
    }
    for number, day, hour in BEKASI_PARADES:
        district = dapil[number].districts[0]
        add_event(
            kab_bekasi,
            PARADE,
            f"Pawai Kirab Pemilu Dapil {number}",
            wib(f"2023-11-{day} {hour:02d}:00"),
            3,
            f"Kecamatan {district.name}",
            f"Kantor Kecamatan {district.name}, Kabupaten Bekasi",
            f"Kirab bendera pataka dan bendera partai melalui kecamatan di {dapil[number].name}.",
            dapil=dapil[number],
        )

    add_event(
        kota_bekasi,
        HANDOVER,
        "Serah terima bendera dari KPU Kabupaten Bekasi",
        wib("2023-11-19 09:00"),
        2,
        "Plaza Pemkot Bekasi",
        "Jl. Ir. H. Juanda No. 100, Bekasi Timur",
        "Disambut Pj Wali Kota Bekasi.",
        parties=parties,
    )
    add_event(
        kpu_ri,
        HANDOVER,
        "Serah terima bendera dari KPU Kota Bekasi",
        wib("2023-11-26 09:00"),
        2,
        "Kantor KPU RI",
        "Jl. Imam Bonjol No. 29, Jakarta",
        parties=parties,
    )


def seed_demo() -> DemoResult:
    """Load the demo once; a second call finds it and changes nothing."""
    exists = db.session.execute(
        db.select(Relay.id).where(Relay.name == RELAY_NAME)
    ).scalar_one_or_none()
    if exists is not None:
        return DemoResult(False, [])
    relay = Relay(name=RELAY_NAME)
    db.session.add(relay)
    stops = build_route(relay)
    build_events(stops)
    logins = []
    for email, role, name, regions, party in DEMO_USERS:
        password = os.environ.get("KIRAB_DEMO_PASSWORD") or None
        user, password = create_user(
            email, role, name=name, region_codes=regions, party_number=party, password=password
        )
        logins.append((role, user.email, password))
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
