"""Relays, their routes, the stops along them and the handovers between stops."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy import inspect as inspect_row
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kirab.database import UTCDateTime, db, one_of, utcnow
from kirab.dataversions import EVENTS, STOPS, region_scope
from kirab.regions.models import Office


class Relay(db.Model):
    """A relay such as "Kirab Pemilu 2024", made of routes run at the same time."""

    __tablename__ = "relays"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    routes: Mapped[list[Route]] = relationship(back_populates="relay", order_by="Route.position")


class Route(db.Model):
    """A route (jalur) of a relay: an ordered chain of stops."""

    __tablename__ = "routes"
    __table_args__ = (
        UniqueConstraint("relay_id", "name"),
        CheckConstraint("position >= 0", name="position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    relay_id: Mapped[int] = mapped_column(ForeignKey("relays.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)

    relay: Mapped[Relay] = relationship(back_populates="routes")
    stops: Mapped[list[Stop]] = relationship(back_populates="route", order_by="Stop.position")


class Stop(db.Model):
    """One host office on a route, holding the flags over [receives_at, hands_over_at)."""

    __tablename__ = "stops"
    # Positions are not checked: renumbering passes them through negative values.
    __table_args__ = (
        UniqueConstraint("route_id", "position"),
        CheckConstraint(
            "hands_over_at IS NULL OR receives_at < hands_over_at", name="receives_before_hand_over"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("routes.id"), index=True)
    position: Mapped[int]
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    receives_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # None for the last stop of a route, which keeps the flags.
    hands_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    venue: Mapped[str] = mapped_column(String(200), default="")
    # Who to call at the host office during the stop: names, phone numbers.
    contacts: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    # Rises with every save (shifts and moves too); a form opened at an older one is refused.
    version: Mapped[int] = mapped_column(server_default="1")

    route: Mapped[Route] = relationship(back_populates="stops")
    office: Mapped[Office] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}

    @property
    def timezone(self) -> str:
        """The IANA time zone the stop's times are shown in."""
        return self.office.region.timezone

    @property
    def region_code(self) -> str:
        """The region code of the hosting office."""
        return self.office.region_code

    @classmethod
    def data_scopes(cls, connection, rows) -> set[str]:
        """What changed stops touch: their routes and provinces, before and after (dataversions)."""
        scopes = {EVENTS, STOPS} | {f"route:{r}" for r in values_before_and_after(rows, "route_id")}
        offices = values_before_and_after(rows, "office_id")
        codes = connection.execute(select(Office.region_code).where(Office.id.in_(offices)))
        return scopes | {region_scope(code) for code in codes.scalars()}


def values_before_and_after(rows, name: str) -> set:
    """The values a column of ``rows`` has now and had before this flush (a move touches both)."""
    found = set()
    for row in rows:
        history = inspect_row(row).attrs[name].history
        found.update(value for value in (*history.deleted, getattr(row, name)) if value)
    return found


def stop_scopes(connection, stop_ids: set[int]) -> set[str]:
    """The data scopes of stops: their routes and their provinces (one query)."""
    if not stop_ids:
        return set()
    scopes = {EVENTS}
    rows = connection.execute(
        select(Stop.route_id, Office.region_code)
        .join(Office, Office.id == Stop.office_id)
        .where(Stop.id.in_(stop_ids))
    )
    for route_id, region_code in rows:
        scopes.update((f"route:{route_id}", region_scope(region_code)))
    return scopes


class Handover(db.Model):
    """The handover of the flags from one stop to the next stop of its route.

    Its time is the receiving stop's ``receives_at``; recording an actual
    time moves that stop.
    """

    __tablename__ = "handovers"
    __table_args__ = (CheckConstraint("from_stop_id <> to_stop_id", name="two_stops"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    from_stop_id: Mapped[int] = mapped_column(ForeignKey("stops.id"), unique=True)
    to_stop_id: Mapped[int] = mapped_column(ForeignKey("stops.id"), unique=True)
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actual_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    venue: Mapped[str] = mapped_column(String(200), default="")
    # Checklist of items handed over, e.g. {"national_flag": true, "party:1": true}.
    items: Mapped[dict] = mapped_column(JSON, default=dict)
    # Who signed for each office: {"giving": "...", "receiving": "..."}.
    signatories: Mapped[dict] = mapped_column(JSON, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    # Rises with every save of the record, its checklist and signatories.
    version: Mapped[int] = mapped_column(server_default="1")

    from_stop: Mapped[Stop] = relationship(foreign_keys=[from_stop_id])
    to_stop: Mapped[Stop] = relationship(foreign_keys=[to_stop_id])
    files: Mapped[list[HandoverFile]] = relationship(
        back_populates="handover", order_by="HandoverFile.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @classmethod
    def data_scopes(cls, connection, rows) -> set[str]:
        """What changed handovers touch: the routes and provinces of both stops."""
        stops = values_before_and_after(rows, "from_stop_id") | values_before_and_after(
            rows, "to_stop_id"
        )
        return {STOPS} | stop_scopes(connection, stops)

    @property
    def is_recorded(self) -> bool:
        """Whether the handover has taken place and its actual time is on record."""
        return self.actual_at is not None

    @property
    def time(self) -> datetime:
        """The handover's time: the actual one where recorded, the planned one otherwise."""
        return self.actual_at or self.planned_at


class FileKind(StrEnum):
    """Kinds of files kept with a handover."""

    SCAN = "scan"
    PHOTO = "photo"


SCAN, PHOTO = FileKind.SCAN, FileKind.PHOTO
FILE_KINDS = tuple(kind.value for kind in FileKind)


class HandoverFile(db.Model):
    """The signed berita acara scan or a photo of a handover; its content is in kirab.storage.

    Only its checked content type and a random stored name are trusted; the
    name the uploader gave is kept for display.
    """

    __tablename__ = "handover_files"
    __table_args__ = (
        CheckConstraint(one_of("kind", FILE_KINDS), name="kind"),
        CheckConstraint("size >= 0", name="size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    handover_id: Mapped[int] = mapped_column(ForeignKey("handovers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    original_name: Mapped[str] = mapped_column(String(200), default="")
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    handover: Mapped[Handover] = relationship(back_populates="files")

    @classmethod
    def data_scopes(cls, connection, rows) -> set[str]:
        """A handover's files show on the route page only, which shows every route."""
        return {EVENTS, STOPS}
