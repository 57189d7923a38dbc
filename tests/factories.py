"""Small builders for test data, with keyword defaults."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from kirab.auth.models import User
from kirab.auth.services import create_user
from kirab.database import db
from kirab.events.models import PUBLISHED, Event
from kirab.regions.models import Office
from kirab.relay.handovers import store_file
from kirab.relay.models import Handover, HandoverFile, Relay, Route, Stop

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


def make_event(
    stop: Stop,
    *,
    kind: str = "outreach",
    title: str = "Sosialisasi",
    starts_at: datetime | None = None,
    hours: float = 2,
    status: str = PUBLISHED,
    **fields,
) -> Event:
    """An event of ``stop``, by default two hours from the stop's start."""
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
    """A file kept with a handover, stored in the configured upload folder."""
    from io import BytesIO

    from flask import current_app

    return store_file(
        handover,
        actor=None,
        kind=kind,
        filename="foto.png",
        stream=BytesIO(data if data is not None else image_bytes()),
        folder=Path(current_app.config["UPLOAD_FOLDER"]),
        max_bytes=current_app.config["UPLOAD_MAX_BYTES"],
    )
