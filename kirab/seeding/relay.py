"""The accounts and the relay of the national data set: users, routes, stops and handovers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from kirab.regions.models import NATIONAL_CODE
from kirab.seeding.context import Seeding
from kirab.seeding.names import SIGNATORY_TITLES, person_name
from kirab.seeding.routes import (
    ARRIVAL,
    ARRIVAL_GAP,
    ROUTES,
    PlannedStop,
    middle_counts,
    plan_windows,
    route_codes,
    stop_venue,
)

RELAY_NAME = "Kirab Pemilu 2024"
DOMAIN = "kirab-nasional.example"
ACCOUNTS_FROM = datetime(2023, 1, 9, 2, 0, tzinfo=UTC)
PLANNED_AT = datetime(2023, 1, 30, 3, 0, tzinfo=UTC)
USERS, ADMINS, OBSERVERS = 1000, 10, 40
ACEH = "11"


def plan_routes(seeding: Seeding) -> list[list[str]]:
    """The region codes of every route's stops, in route order."""
    counts = middle_counts(seeding.scale)
    return [
        route_codes(seeding.rng, seeding.reference, index, count)
        for index, count in enumerate(counts)
    ]


class Accounts:
    """Writes users one after the other, each created (and audited) by the first admin."""

    def __init__(self, seeding: Seeding, password_hash: str):
        self.seeding, self.password_hash, self.made = seeding, password_hash, 0

    def add(self, email: str, role: str, name: str, regions: list[str], party: int | None) -> int:
        """Write a user with its regions and its audit entry; return its id."""
        writer = self.seeding.writer
        user_id = writer.next_id("users")
        at = ACCOUNTS_FROM + timedelta(minutes=self.made)
        self.made += 1
        writer.add("users", (user_id, email, name, self.password_hash, role, party, True, 1, at))
        writer.extend("user_regions", [(user_id, code) for code in sorted(regions)])
        actor = self.seeding.admin_id or None
        self.seeding.audit(
            at,
            actor,
            "user.create",
            ("user", user_id),
            email=email,
            role=role,
            regions=sorted(regions),
            party=party,
        )
        return user_id


def write_users(seeding: Seeding, routes: list[list[str]], password_hash: str) -> None:
    """Admins, observers, an organizer per host region and province, party representatives."""
    accounts, rng = Accounts(seeding, password_hash), seeding.rng
    for number in range(1, seeding.scaled(ADMINS) + 1):
        user_id = accounts.add(
            f"admin.{number:02d}@{DOMAIN}", "admin", f"Admin KPU RI {number}", [], None
        )
        seeding.admin_id = seeding.admin_id or user_id
    for number in range(1, seeding.scaled(OBSERVERS) + 1):
        accounts.add(f"pengawas.{number:03d}@{DOMAIN}", "observer", person_name(rng), [], None)
    hosts = sorted({code for codes in routes for code in codes if code != NATIONAL_CODE})
    provinces = sorted({code.split(".")[0] for code in hosts} - set(hosts))
    for code in hosts + provinces:
        place = seeding.reference.places[code]
        email = f"panitia.{code.replace('.', '-')}@{DOMAIN}"
        seeding.organizers[code] = accounts.add(
            email, "organizer", f"Panitia {place.office_name}", [code], None
        )
    representatives = max(len(seeding.party_numbers), seeding.scaled(USERS) - accounts.made)
    for number in range(representatives):
        party = seeding.party_numbers[number % len(seeding.party_numbers)]
        # Aceh's own parties contest in Aceh only, so their people follow Aceh's regions.
        aceh_only = party not in seeding.national_parties
        pool = [code for code in hosts if code.split(".")[0] == ACEH] if aceh_only else hosts
        regions = rng.sample(pool, min(len(pool), rng.randint(1, 3)))
        accounts.add(
            f"partai{party:02d}.{number + 1:03d}@{DOMAIN}",
            "party_rep",
            person_name(rng),
            regions,
            party,
        )
    seeding.writer.flush()


def write_relay(seeding: Seeding, routes: list[list[str]]) -> None:
    """The relay, its seven routes and their stops, linked by handovers."""
    writer, admin = seeding.writer, seeding.admin_id
    seeding.relay_id = writer.next_id("relays")
    writer.add("relays", (seeding.relay_id, RELAY_NAME, PLANNED_AT))
    seeding.audit(PLANNED_AT, admin, "relay.create", ("relay", seeding.relay_id), name=RELAY_NAME)
    for index, codes in enumerate(routes):
        name = ROUTES[index][0]
        route_id = writer.next_id("routes")
        at = PLANNED_AT + timedelta(minutes=index + 1)
        writer.add("routes", (route_id, seeding.relay_id, name, index + 1))
        seeding.audit(
            at, admin, "route.create", ("route", route_id), relay=seeding.relay_id, name=name
        )
        places = [seeding.reference.places[code] for code in codes]
        windows = plan_windows(seeding.rng, places, ARRIVAL + index * ARRIVAL_GAP)
        stops = []
        for position, (place, (receives, hands_over)) in enumerate(
            zip(places, windows, strict=True), 1
        ):
            stop = PlannedStop(
                writer.next_id("stops"),
                route_id,
                position,
                place,
                receives,
                hands_over,
                stop_venue(place),
                is_last=hands_over is None,
            )
            stops.append(stop)
            writer.add(
                "stops",
                (
                    stop.id,
                    route_id,
                    position,
                    place.office_id,
                    receives,
                    hands_over,
                    stop.venue,
                    "",
                    "",
                ),
            )
            seeding.audit(
                at,
                admin,
                "stop.create",
                ("stop", stop.id),
                route=route_id,
                position=position,
                region=place.code,
                receives_at=receives,
                hands_over_at=hands_over,
            )
        write_handovers(seeding, stops)
        seeding.stops += stops
    writer.flush()


def checklist(seeding: Seeding, codes: tuple[str, str]) -> list[str]:
    """The items a handover between two regions ticks, as ``relay.handovers`` lists them."""
    in_aceh = any(code == ACEH or code.startswith(ACEH + ".") for code in codes)
    parties = seeding.party_numbers if in_aceh else seeding.national_parties
    return ["national_flag", "kpu_pataka", *(f"party:{n}" for n in parties), "kotak_hitam"]


def write_handovers(seeding: Seeding, stops: list[PlannedStop]) -> None:
    """A handover between each pair of neighbours; most recorded as held on time."""
    writer, rng = seeding.writer, seeding.rng
    for giving, receiving in pairwise(stops):
        handover_id = writer.next_id("handovers")
        keys = checklist(seeding, (giving.place.code, receiving.place.code))
        recorded = rng.random() < 0.9
        items = {key: recorded and (key != "kotak_hitam" or rng.random() < 0.3) for key in keys}
        signatories = dict.fromkeys(
            ("giving_name", "giving_title", "receiving_name", "receiving_title"), ""
        )
        if recorded:
            signatories = {
                "giving_name": person_name(rng),
                "giving_title": f"{rng.choice(SIGNATORY_TITLES)} {giving.place.office_name}",
                "receiving_name": person_name(rng),
                "receiving_title": f"{rng.choice(SIGNATORY_TITLES)} {receiving.place.office_name}",
            }
        actual = receiving.receives_at if recorded else None
        writer.add(
            "handovers",
            (
                handover_id,
                giving.id,
                receiving.id,
                receiving.receives_at,
                actual,
                receiving.venue,
                items,
                signatories,
                "",
            ),
        )
        at = receiving.receives_at + timedelta(hours=3)
        seeding.audit(
            at,
            seeding.organizer_of(receiving),
            "handover.record",
            ("handover", handover_id),
            actual_at=actual,
            previous_actual_at=None,
            venue=receiving.venue,
            items=[k for k, ticked in items.items() if ticked],
            signatories=signatories,
        )
