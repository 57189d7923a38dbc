"""How an election commission office is named on its letterhead, and where it sits."""

from __future__ import annotations

from functools import cache

from kirab.regions.models import NATIONAL, PROVINCE, Region
from kirab.regions.reference import ACEH, DATA, read_csv

# The official names of the commissions: Aceh's are the Independent Election Commission (KIP).
KPU, KIP = "KOMISI PEMILIHAN UMUM", "KOMISI INDEPENDEN PEMILIHAN"
# Prefixes a regency's name carries that its seat's name does not.
REGENCY_PREFIXES = ("Kabupaten Administrasi ", "Kota Administrasi ", "Kabupaten ", "Kota ")


@cache
def _seats() -> dict[str, str]:
    """The shipped seats by region code (kirab/data/kirab2024/seats.csv)."""
    return {row["region_code"]: row["seat"] for row in read_csv(DATA / "kirab2024" / "seats.csv")}


def seat_of(region: Region) -> str:
    """The place where a region's commission sits: "Cikarang" for Kabupaten Bekasi.

    The shipped seats first; otherwise a regency's own name without
    "Kabupaten" or "Kota" (most regencies' seats carry their name), and a
    province's name.
    """
    if (seat := _seats().get(region.code)) is not None:
        return seat
    for prefix in REGENCY_PREFIXES:
        if region.name.startswith(prefix):
            return region.name.removeprefix(prefix)
    return region.name


def letterhead_lines(region: Region) -> tuple[str, str]:
    """The two lines of a commission's letterhead, in capitals as official letters have them.

    ("KOMISI PEMILIHAN UMUM", "KABUPATEN BEKASI"); KPU RI's second line is
    "REPUBLIK INDONESIA", a province's "PROVINSI JAWA BARAT", Aceh's "ACEH".
    """
    body = KIP if region.code[:2] == ACEH else KPU
    if region.level == NATIONAL:
        return body, "REPUBLIK INDONESIA"
    if region.level == PROVINCE and region.code != ACEH:
        return body, f"PROVINSI {region.name.upper()}"
    return body, region.name.upper()
