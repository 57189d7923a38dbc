"""The national relay's seven routes: which offices host a stop, and when.

Each route starts at its 2023 launch point, runs through the regencies of
its provinces in order, and ends at KPU RI on 26 November 2023. Stops meet
at one instant (the handover at 09:00 local time of the receiving office),
so each route is contiguous in time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kirab.database import db
from kirab.regions.models import NATIONAL_CODE, Dapil, DapilDistrict, Office, Region

# (name, launch office, provinces in order, fixed last regencies before KPU RI).
# Jawa Timur (35) is shared: its first half by code is Jalur IV's, the rest Jalur VI's.
ROUTES = [
    ("Jalur I", "11", ["11", "12", "13", "14"], []),
    ("Jalur II", "21.71", ["21", "19", "15", "16", "17", "18", "36", "31"], []),
    ("Jalur III", "61", ["61", "62", "33", "34"], []),
    ("Jalur IV", "65", ["65", "64", "63", "35<"], []),
    ("Jalur V", "82.07", ["82", "71", "75", "72", "76", "73", "74"], []),
    ("Jalur VI", "53", ["53", "52", "51", "35>"], []),
    (
        "Jalur VII",
        "91",
        ["91", "95", "94", "93", "92", "96", "81", "32"],
        ["32.08", "32.15", "32.16", "32.75"],
    ),
]
# Which of the fixed regencies a smaller data set keeps first (Kabupaten Bekasi has dapil).
TAIL_PRIORITY = ["32.16", "32.75", "32.15", "32.08"]
# Stops between launch point and KPU RI at scale 1.0: about 305 stops in all.
MIDDLE_STOPS = 291
FIRST_DAY = date(2023, 2, 16)  # two days after the launch at KPU RI
LAST_DAY = date(2023, 11, 26)
ARRIVAL = datetime(2023, 11, 26, 8, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
# Routes reach KPU RI one after the other, so their ceremonies do not clash.
ARRIVAL_GAP = timedelta(minutes=75)
STAY_DAYS = [5, 6, 6, 7, 7, 7, 8]
HANDOVER_HOUR = time(9, 0)
RI_VENUE = "Kantor KPU RI"
RI_ADDRESS = "Jl. Imam Bonjol No. 29, Menteng, Jakarta Pusat"


@dataclass
class Place:
    """A region that can host a stop, with what its events need."""

    code: str
    name: str
    timezone: str
    office_id: int
    office_name: str
    districts: list[tuple[str, str]] = field(default_factory=list)
    dapil: list[tuple[int, int, str, list[str]]] = field(default_factory=list)

    @property
    def short(self) -> str:
        """The region's name without "Kabupaten " or "Kota "."""
        for prefix in ("Kabupaten ", "Kota "):
            if self.name.startswith(prefix):
                return self.name[len(prefix) :]
        return self.name


@dataclass
class PlannedStop:
    """A stop as written: its id, route, office and window (aware UTC)."""

    id: int
    route_id: int
    position: int
    place: Place
    receives_at: datetime
    hands_over_at: datetime | None
    venue: str
    is_last: bool = False


class Reference:
    """The shipped reference data the relay is built on, read once."""

    def __init__(self):
        self.places: dict[str, Place] = {}
        rows = db.session.execute(
            db.select(Region.code, Region.name, Region.timezone, Office.id, Office.name)
            .join(Office, Office.region_code == Region.code)
            .order_by(Region.code)
        ).all()
        for code, name, zone, office_id, office_name in rows:
            self.places[code] = Place(code, name, zone, office_id, office_name)
        self.regencies: dict[str, list[str]] = {}
        for code in self.places:
            if code.count(".") == 1:
                self.regencies.setdefault(code.split(".")[0], []).append(code)
        self._add_districts()
        self._add_dapil()

    def _add_districts(self) -> None:
        """Give each region its kecamatan, and each province those of its regencies."""
        rows = db.session.execute(
            db.select(Region.code, Region.name, Region.parent_code)
            .where(Region.level == "district")
            .order_by(Region.code)
        ).all()
        for code, name, parent in rows:
            for owner in (parent, parent.split(".")[0]):
                if owner in self.places:
                    self.places[owner].districts.append((code, name))

    def _add_dapil(self) -> None:
        """Give each region that has them its dapil: (id, number, name, kecamatan codes)."""
        members: dict[int, list[str]] = {}
        for dapil_id, code in db.session.execute(
            db.select(DapilDistrict.dapil_id, DapilDistrict.district_code).order_by(
                DapilDistrict.district_code
            )
        ):
            members.setdefault(dapil_id, []).append(code)
        for dapil_id, region, number, name in db.session.execute(
            db.select(Dapil.id, Dapil.region_code, Dapil.number, Dapil.name).order_by(
                Dapil.region_code, Dapil.number
            )
        ):
            if region in self.places:
                self.places[region].dapil.append(
                    (dapil_id, number, name, members.get(dapil_id, []))
                )

    def candidates(self, provinces: list[str], skip: set[str]) -> list[str]:
        """The regencies of the provinces in route order, without those in ``skip``."""
        found = []
        for province in provinces:
            codes = self.regencies.get(province.rstrip("<>"), [])
            half = len(codes) // 2
            if province.endswith("<"):
                codes = codes[:half]
            elif province.endswith(">"):
                codes = codes[half:]
            found += [code for code in codes if code not in skip]
        return found


def middle_counts(scale: float) -> list[int]:
    """How many stops each route has between its launch point and KPU RI."""
    total = max(len(ROUTES), round(MIDDLE_STOPS * scale))
    base, extra = divmod(total, len(ROUTES))
    return [base + (1 if index < extra else 0) for index in range(len(ROUTES))]


def route_codes(rng: random.Random, reference: Reference, index: int, count: int) -> list[str]:
    """The region codes of a route's stops, launch point first and KPU RI last."""
    _name, launch, provinces, tail = ROUTES[index]
    kept = [code for code in TAIL_PRIORITY if code in tail][: min(count, len(tail))]
    kept = [code for code in tail if code in kept]
    pool = reference.candidates(provinces, {launch, *tail})
    wanted = min(count - len(kept), len(pool))
    chosen = [pool[i] for i in sorted(rng.sample(range(len(pool)), wanted))]
    return [launch, *chosen, *kept, NATIONAL_CODE]


def stay_lengths(rng: random.Random, stops: int) -> list[int]:
    """Days each stop but the last holds the flags: about a week, all within the relay."""
    days = [rng.choice(STAY_DAYS) for _ in range(stops)]
    available = (LAST_DAY - FIRST_DAY).days
    while sum(days) > available and max(days) > 2:
        days[days.index(max(days))] -= 1
    return days


def stop_venue(place: Place) -> str:
    """Where a stop's ceremonies take place."""
    if place.code == NATIONAL_CODE:
        return RI_VENUE
    if place.code.count(".") == 0:
        return f"Halaman Kantor {place.office_name}"
    return f"Pendopo {place.name}" if place.name.startswith("Kabupaten") else f"Plaza {place.name}"


def plan_windows(
    rng: random.Random, places: list[Place], arrival: datetime
) -> list[tuple[datetime, datetime | None]]:
    """Each stop's (receives, hands over) in aware UTC, worked back from the arrival at KPU RI."""
    windows: list[tuple[datetime, datetime | None]] = [(arrival.astimezone(UTC), None)]
    hands_over = arrival
    for place, days in zip(reversed(places[:-1]), stay_lengths(rng, len(places) - 1), strict=True):
        zone = ZoneInfo(place.timezone)
        first = hands_over.astimezone(zone).date() - timedelta(days=days)
        receives = datetime.combine(first, HANDOVER_HOUR, zone)
        windows.append((receives.astimezone(UTC), hands_over.astimezone(UTC)))
        hands_over = receives
    return list(reversed(windows))
