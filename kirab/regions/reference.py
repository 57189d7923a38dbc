"""Loading the shipped reference data: regions, offices, parties and dapil.

Every loader inserts only what is missing, so running them again changes
nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import insert, select

from kirab.database import db
from kirab.regions.models import (
    DISTRICT,
    NATIONAL,
    NATIONAL_CODE,
    NATIONAL_TIMEZONE,
    PROVINCE,
    REGENCY,
    Dapil,
    DapilDistrict,
    Office,
    Party,
    Region,
)

DATA = Path(__file__).resolve().parent.parent / "data"
ACEH = "11"  # Aceh's election commissions are called KIP, not KPU


def read_csv(path: Path) -> Iterator[dict[str, str]]:
    """Yield the rows of a shipped CSV file as dictionaries."""
    with path.open(newline="", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def region_rows() -> list[dict]:
    """Every region of the shipped data, national office first, with time zones."""
    zones = {
        row["province_code"]: row["iana_timezone"]
        for row in read_csv(DATA / "wilayah" / "province_timezones.csv")
    }
    rows = [
        dict(
            code=NATIONAL_CODE,
            name="Republik Indonesia",
            level=NATIONAL,
            parent_code=None,
            timezone=NATIONAL_TIMEZONE,
        )
    ]
    for row in read_csv(DATA / "wilayah" / "provinces.csv"):
        rows.append(
            dict(
                code=row["code"],
                name=row["name"],
                level=PROVINCE,
                parent_code=None,
                timezone=zones[row["code"]],
            )
        )
    for row in read_csv(DATA / "wilayah" / "regencies.csv"):
        rows.append(
            dict(
                code=row["code"],
                name=row["name"],
                level=REGENCY,
                parent_code=row["province_code"],
                timezone=zones[row["province_code"]],
            )
        )
    for row in read_csv(DATA / "wilayah" / "districts.csv"):
        rows.append(
            dict(
                code=row["code"],
                name=row["name"],
                level=DISTRICT,
                parent_code=row["regency_code"],
                timezone=zones[row["code"][:2]],
            )
        )
    return rows


def office_name(region: dict) -> str:
    """The usual name of the election commission office of a region."""
    if region["level"] == NATIONAL:
        return "KPU RI"
    aceh = region["code"][:2] == ACEH
    if region["level"] == PROVINCE:
        return f"KIP {region['name']}" if aceh else f"KPU Provinsi {region['name']}"
    return f"{'KIP' if aceh else 'KPU'} {region['name']}"


def _missing(rows: list[dict], column, key: str) -> list[dict]:
    """The rows whose ``key`` is not yet among the values of ``column``."""
    present = set(db.session.execute(select(column)).scalars())
    return [row for row in rows if row[key] not in present]


def load_regions() -> int:
    """Insert missing regions (parents before children); return how many."""
    rows = _missing(region_rows(), Region.code, "code")
    if rows:
        db.session.execute(insert(Region), rows)
    return len(rows)


def load_offices() -> int:
    """Insert the KPU office of RI, each province and each regency if missing."""
    regions = [row for row in region_rows() if row["level"] != DISTRICT]
    offices = [dict(region_code=row["code"], name=office_name(row), address="") for row in regions]
    rows = _missing(offices, Office.region_code, "region_code")
    if rows:
        db.session.execute(insert(Office), rows)
    return len(rows)


def load_parties() -> int:
    """Insert missing parties of the 2024 election."""
    parties = [
        dict(
            number=int(row["number"]),
            abbreviation=row["abbreviation"],
            name=row["name"],
            scope=row["scope"],
        )
        for row in read_csv(DATA / "kirab2024" / "parties.csv")
    ]
    rows = _missing(parties, Party.number, "number")
    if rows:
        db.session.execute(insert(Party), rows)
    return len(rows)


def load_dapil() -> int:
    """Insert the shipped dapil that are missing, with their kecamatan."""
    existing = {
        (region, number)
        for region, number in db.session.execute(select(Dapil.region_code, Dapil.number))
    }
    added = 0
    for row in read_csv(DATA / "kirab2024" / "dapil.csv"):
        key = (row["region_code"], int(row["dapil_number"]))
        if key in existing:
            continue
        dapil = Dapil(
            region_code=key[0], number=key[1], name=row["dapil_name"], seats=int(row["seats"])
        )
        db.session.add(dapil)
        db.session.flush()
        db.session.execute(
            insert(DapilDistrict),
            [dict(dapil_id=dapil.id, district_code=code) for code in row["district_codes"].split()],
        )
        added += 1
    return added


def load_reference_data() -> dict[str, int]:
    """Load everything that is missing; return the number added per kind."""
    counts = {
        "regions": load_regions(),
        "offices": load_offices(),
        "parties": load_parties(),
        "dapil": load_dapil(),
    }
    db.session.flush()
    return counts
