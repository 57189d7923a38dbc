"""Regions, KPU offices, electoral districts (dapil) and parties."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kirab.database import db, one_of

NATIONAL_CODE = "RI"
# KPU RI keeps Jakarta time; the public pages tell moments in it (WIB).
NATIONAL_TIMEZONE = "Asia/Jakarta"


class RegionLevel(StrEnum):
    """Region levels, from the national office down to the kecamatan."""

    NATIONAL = "national"
    PROVINCE = "province"
    REGENCY = "regency"
    DISTRICT = "district"


NATIONAL, PROVINCE = RegionLevel.NATIONAL, RegionLevel.PROVINCE
REGENCY, DISTRICT = RegionLevel.REGENCY, RegionLevel.DISTRICT
LEVELS = tuple(level.value for level in RegionLevel)


class PartyScope(StrEnum):
    """Where a party contests: everywhere, or in Aceh only (its local parties)."""

    NATIONAL = "national"
    ACEH = "aceh"


PARTY_SCOPES = tuple(scope.value for scope in PartyScope)


class Region(db.Model):
    """A region with its Kemendagri code (``32``, ``32.16``, ``32.16.06``) or ``RI``."""

    __tablename__ = "regions"
    __table_args__ = (CheckConstraint(one_of("level", LEVELS), name="level"),)

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    timezone: Mapped[str] = mapped_column(String(32))

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"


class Office(db.Model):
    """A KPU office that can host a stop: KPU RI, a provincial or a regency KPU."""

    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    address: Mapped[str] = mapped_column(String(255), default="")

    region: Mapped[Region] = relationship(lazy="joined")

    @property
    def timezone(self) -> str:
        """The IANA time zone of the office's region."""
        return self.region.timezone

    def __repr__(self) -> str:
        return f"<Office {self.name}>"


class DapilDistrict(db.Model):
    """One kecamatan belonging to one dapil."""

    __tablename__ = "dapil_districts"

    dapil_id: Mapped[int] = mapped_column(ForeignKey("dapil.id"), primary_key=True)
    district_code: Mapped[str] = mapped_column(
        ForeignKey("regions.code"), primary_key=True, unique=True
    )


class Dapil(db.Model):
    """A numbered electoral district of a kabupaten/kota council election."""

    __tablename__ = "dapil"
    __table_args__ = (
        UniqueConstraint("region_code", "number"),
        CheckConstraint("number > 0", name="number"),
        CheckConstraint("seats > 0", name="seats"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(80))
    seats: Mapped[int]

    region: Mapped[Region] = relationship()
    districts: Mapped[list[Region]] = relationship(
        secondary="dapil_districts", order_by=Region.code
    )

    @property
    def slug(self) -> str:
        """The public identifier used in URLs and the API, e.g. ``32.16-3``."""
        return f"{self.region_code}-{self.number}"

    def __repr__(self) -> str:
        return f"<Dapil {self.slug}>"


def dapil_in_region(dapil_region: str, code: str) -> bool:
    """Whether a dapil of the regency ``dapil_region`` belongs with the chosen region ``code``.

    A regency's dapil belong to it, to its province, and to each of its
    kecamatan (a kecamatan lies in one of them, and which is the dapil's
    concern, not the region choice's). KPU RI elects no regency council, so
    it has none. static/js/dapil-choices.js applies the same rule in the page.
    """
    if code == NATIONAL_CODE:
        return False
    return (
        dapil_region == code
        or dapil_region.startswith(code + ".")
        or code.startswith(dapil_region + ".")
    )


class Party(db.Model):
    """A party contesting the 2024 election, keyed by its ballot number."""

    __tablename__ = "parties"
    __table_args__ = (
        CheckConstraint(one_of("scope", PARTY_SCOPES), name="scope"),
        CheckConstraint("number > 0", name="number"),
    )

    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    abbreviation: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    scope: Mapped[str] = mapped_column(String(16))

    def __repr__(self) -> str:
        return f"<Party {self.number} {self.abbreviation}>"
