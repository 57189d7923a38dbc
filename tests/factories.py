"""Small builders for test data, with keyword defaults."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kirab.auth.models import User
from kirab.auth.services import create_user
from kirab.database import db
from kirab.events.models import PUBLISHED, Event
from kirab.regions.models import Office
from kirab.relay.handovers import store_file
from kirab.relay.models import Handover, HandoverFile, Relay, Route, Stop
from kirab.relay.stops import ordered_stops, relink_handovers
from kirab.storage import file_store

WIB = ZoneInfo("Asia/Jakarta")
_numbers = itertools.count(1)


def at(text: str, zone: str = "Asia/Jakarta") -> datetime:
    """An aware time written ``YYYY-MM-DD HH:MM`` in ``zone``."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(zone))


def make_user(
    role: str = "admin",
    *,
    email: str | None = None,
    regions=(),
    party: int | None = None,
    password: str = "kata-sandi-uji-123",
    name: str = "",
) -> User:
    """A user with a known password."""
    email = email or f"user{next(_numbers)}@kirab.example"
    user, _password = create_user(
        email, role, region_codes=list(regions), party_number=party, password=password, name=name
    )
    return user


def office(code: str) -> Office:
    """The office of a region code."""
    return db.session.execute(db.select(Office).where(Office.region_code == code)).scalar_one()


def make_route(stops, *, relay: Relay | None = None, name: str | None = None) -> Route:
    """A route with stops given as (region code, receives, hands over or None)."""
    relay = relay or Relay(name=f"Relay {next(_numbers)}")
    route = Route(relay=relay, name=name or f"Jalur {next(_numbers)}")
    db.session.add_all([relay, route])
    for position, (code, receives, hands_over) in enumerate(stops, start=1):
        db.session.add(
            Stop(
                route=route,
                position=position,
                office=office(code),
                receives_at=receives,
                hands_over_at=hands_over,
            )
        )
    db.session.flush()
    return route


# Jalur VII through West Java (region code, receives, hands over), times WIB.
JALUR_VII = [
    ("32.08", "2023-11-01 09:00", "2023-11-07 09:00"),
    ("32.15", "2023-11-07 09:00", "2023-11-13 09:00"),
    ("32.16", "2023-11-13 09:00", "2023-11-19 09:00"),
    ("32.75", "2023-11-19 09:00", "2023-11-25 09:00"),
    ("RI", "2023-11-26 09:00", None),
]
# Events of Jalur VII's stops: (region code, kind, title, starts, hours).
JALUR_VII_EVENTS = [
    ("32.15", "handover", "Serah terima dari KPU Kabupaten Kuningan", "2023-11-07 09:00", 2),
    ("32.15", "campus", "KPU Goes To Campus Karawang", "2023-11-08 09:00", 3),
    ("32.15", "parade", "Pawai Kirab Pemilu Karawang", "2023-11-09 08:00", 3),
    ("32.16", "handover", "Serah terima dari KPU Kabupaten Karawang", "2023-11-13 09:00", 2),
    ("32.16", "declaration", "Deklarasi Pemilu damai", "2023-11-13 11:00", 1),
    ("32.16", "campus", "KPU Goes To Campus", "2023-11-14 09:00", 3),
    *[
        ("32.16", "parade", f"Pawai Kirab Pemilu Dapil {number}", f"2023-11-{day} {hour}", 3)
        for number, day, hour in [(1, 14, "08:00"), (2, 14, "13:00"), (3, 15, "08:00"),
                                  (4, 15, "13:00"), (5, 16, "08:00"), (6, 17, "08:00"),
                                  (7, 18, "08:00")]
    ],
    ("32.75", "handover", "Serah terima dari KPU Kabupaten Bekasi", "2023-11-19 09:00", 2),
    ("RI", "handover", "Serah terima dari KPU Kota Bekasi", "2023-11-26 09:00", 2),
]  # fmt: skip


def make_jalur_vii(*, events: bool = True) -> Route:
    """Jalur VII (Kuningan to KPU RI) with the handovers between its stops and, by
    default, a week of events for Kabupaten Bekasi and a few for its neighbours."""
    route = make_route(
        [(code, at(receives), at(hands) if hands else None) for code, receives, hands in JALUR_VII],
        relay=Relay(name="Kirab Pemilu 2024"),
        name="Jalur VII",
    )
    relink_handovers(route, ordered_stops(route))
    by_code = {stop.region_code: stop for stop in ordered_stops(route)}
    for code, kind, title, starts, hours in JALUR_VII_EVENTS if events else []:
        make_event(by_code[code], kind=kind, title=title, starts_at=at(starts), hours=hours)
    return route


def make_event(
    stop: Stop,
    *,
    kind: str = "outreach",
    title: str = "Sosialisasi",
    starts_at: datetime | None = None,
    hours: float = 2,
    status: str = PUBLISHED,
    flush: bool = True,
    **fields,
) -> Event:
    """An event of ``stop``, by default two hours from the stop's start.

    ``flush=False`` leaves it unflushed (no id yet), for adding many at once.
    """
    start = starts_at or stop.receives_at + timedelta(hours=1)
    event = Event(
        stop=stop,
        kind=kind,
        title=title,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        status=status,
        **fields,
    )
    db.session.add(event)
    if flush:
        db.session.flush()
    return event


def image_bytes(image_format: str = "PNG", size: tuple[int, int] = (4, 3)) -> bytes:
    """A small real image in ``image_format``, made with Pillow."""
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", size, (179, 0, 27)).save(buffer, format=image_format)
    return buffer.getvalue()


def make_file(
    handover: Handover, *, kind: str = "photo", data: bytes | None = None
) -> HandoverFile:
    """A file kept with a handover, in the configured upload storage."""
    from io import BytesIO

    from flask import current_app

    return store_file(
        handover,
        actor=None,
        kind=kind,
        filename="foto.png",
        stream=BytesIO(data if data is not None else image_bytes()),
        store=file_store(current_app.config),
        max_bytes=current_app.config["UPLOAD_MAX_BYTES"],
    )


# A route through West Java to KPU RI: (region code, receives, hands over, venue), WIB.
# KPU RI receives a day after Kota Bekasi hands over: the flags are a day in transit.
WEST_JAVA_STOPS = [
    ("32.08", "2023-11-01 09:00", "2023-11-07 09:00", "Pendopo Kabupaten Kuningan"),
    ("32.15", "2023-11-07 09:00", "2023-11-13 09:00", "Lapang Karangpawitan"),
    ("32.16", "2023-11-13 09:00", "2023-11-19 09:00", "Plaza Pemda Kabupaten Bekasi"),
    ("32.75", "2023-11-19 09:00", "2023-11-25 09:00", "Plaza Pemkot Bekasi"),
    ("RI", "2023-11-26 09:00", None, "Kantor KPU RI"),
]
PLAZA = "Plaza Pemda Kabupaten Bekasi"
# Parades of Kabupaten Bekasi, one per dapil: (dapil number, day of November, start hour).
BEKASI_PARADES = [
    (1, 14, 8),
    (2, 14, 13),
    (3, 15, 8),
    (4, 15, 13),
    (5, 16, 8),
    (6, 17, 8),
    (7, 18, 8),
]
# (stop's region code, kind, title, start, hours, venue, every national party invited);
# the parades are added from BEKASI_PARADES.
WEST_JAVA_EVENTS = [
    ("32.15", "handover", "Serah terima bendera dari KPU Kabupaten Kuningan", "2023-11-07 09:00",
     2, "Lapang Karangpawitan", True),
    ("32.15", "campus", "KPU Goes To Campus Universitas Buana Perjuangan", "2023-11-08 09:00",
     3, "Universitas Buana Perjuangan Karawang", False),
    ("32.15", "parade", "Pawai Kirab Pemilu dengan drum band", "2023-11-09 08:00", 3,
     "Jl. Tuparev", False),
    ("32.16", "handover", "Serah terima bendera dari KPU Kabupaten Karawang", "2023-11-13 09:00",
     2, PLAZA, True),
    ("32.16", "declaration", "Deklarasi Pemilu damai partai politik", "2023-11-13 11:00", 1,
     PLAZA, True),
    ("32.16", "campus", "KPU Goes To Campus", "2023-11-14 09:00", 3, "Universitas Pelita Bangsa",
     False),
    ("32.75", "handover", "Serah terima bendera dari KPU Kabupaten Bekasi", "2023-11-19 09:00",
     2, "Plaza Pemkot Bekasi", True),
    ("RI", "handover", "Serah terima bendera dari KPU Kota Bekasi", "2023-11-26 09:00", 2,
     "Kantor KPU RI", True),
]  # fmt: skip


def make_west_java_week() -> Route:
    """The relay "Kirab Pemilu 2024" with one route, "Jalur VII", through West Java.

    Kuningan -> Karawang -> Kabupaten Bekasi -> Kota Bekasi -> KPU RI
    (WEST_JAVA_STOPS), with the handovers between them, and fifteen
    published events: the handover into each stop after Kuningan, a campus
    visit in Karawang and in Kabupaten Bekasi, a parade in Karawang, and
    Kabupaten Bekasi's week of 13-19 November 2023 (a handover, a
    declaration, a campus visit and a parade in each of its seven dapil).
    Every national party is invited to the handovers and the declaration.
    """
    from kirab.regions.models import Dapil, Party
    from kirab.relay.planning import relink_handovers

    route = make_route(
        [(code, at(receives), at(hands_over) if hands_over else None)
         for code, receives, hands_over, _venue in WEST_JAVA_STOPS],
        relay=Relay(name="Kirab Pemilu 2024"),
        name="Jalur VII",
    )  # fmt: skip
    stops = {stop.region_code: stop for stop in route.stops}
    for stop, (*_times, venue) in zip(route.stops, WEST_JAVA_STOPS, strict=True):
        stop.venue = venue
    relink_handovers(route, route.stops)
    parties = list(
        db.session.execute(
            db.select(Party).where(Party.scope == "national").order_by(Party.number)
        ).scalars()
    )
    for code, kind, title, start, hours, venue, invited in WEST_JAVA_EVENTS:
        make_event(
            stops[code], kind=kind, title=title, starts_at=at(start), hours=hours,
            venue_name=venue, invited_parties=parties if invited else [],
        )  # fmt: skip
    dapil = {
        d.number: d
        for d in db.session.execute(db.select(Dapil).where(Dapil.region_code == "32.16")).scalars()
    }
    for number, day, hour in BEKASI_PARADES:
        make_event(
            stops["32.16"], kind="parade", title=f"Pawai Kirab Pemilu Dapil {number}",
            starts_at=at(f"2023-11-{day} {hour:02d}:00"), hours=3,
            venue_name=f"Kecamatan {dapil[number].districts[0].name}",
            dapil=dapil[number], districts=list(dapil[number].districts),
        )  # fmt: skip
    return route


def stop_of(route: Route, code: str) -> Stop:
    """The stop of ``route`` hosted by the office of ``code``."""
    return next(stop for stop in route.stops if stop.region_code == code)


def handover_into(stop: Stop) -> Handover:
    """The handover into ``stop``."""
    return db.session.execute(
        db.select(Handover).where(Handover.to_stop_id == stop.id)
    ).scalar_one()


# How spreadsheets save CSV: (encoding, byte order mark, delimiter) by the name of the save option.
SAVED_AS = {
    "utf-8": ("utf-8", b"", ","),
    "excel csv utf-8": ("utf-8", codecs.BOM_UTF8, ";"),
    "excel unicode text": ("utf-16-le", codecs.BOM_UTF16_LE, "\t"),
    "utf-16 big-endian": ("utf-16-be", codecs.BOM_UTF16_BE, ","),
    "utf-16 without a mark": ("utf-16-le", b"", ";"),
    "windows-1252": ("cp1252", b"", ","),
    "windows-1252 with tabs": ("cp1252", b"", "\t"),
}


def saved_as(rows: list[list[str]], how: str) -> bytes:
    """``rows`` as a spreadsheet saves them the way ``how`` names (a key of SAVED_AS)."""
    encoding, mark, delimiter = SAVED_AS[how]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return mark + buffer.getvalue().encode(encoding)
