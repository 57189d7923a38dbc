"""Attendance at the published events: named people by every method, and crowd tallies.

Records follow the rules of ``kirab.attendance``: clean names, one record
per person (name and party or organisation) per event, a party named at self
check-in counted as self-declared until an organizer confirms it, and self
check-ins inside the time their QR link works.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from kirab.attendance.identity import affiliation_key, person_key
from kirab.seeding.agenda import PlannedEvent
from kirab.seeding.context import Seeding
from kirab.seeding.names import COUNTING_POSTS, GOVERNMENT, MEDIA, person_name, phone, token

RECORDS = 650_000
# The largest events: one per route holds this many records (the attendance page's worst case).
LARGEST = 2_000
WEIGHTS = {"handover": 10.0, "declaration": 3.0, "campus": 12.0, "parade": 1.5, "outreach": 0.6}
CATEGORIES = ("party_rep", "kpu", "bawaslu", "government", "student", "media", "public", "other")
# Who comes to each kind of event (weights in the order of CATEGORIES).
MIX = {
    "handover": (20, 15, 8, 20, 5, 10, 20, 2),
    "declaration": (50, 20, 10, 10, 0, 8, 0, 2),
    "campus": (2, 5, 2, 2, 70, 3, 10, 6),
    "parade": (8, 7, 3, 7, 10, 3, 60, 2),
    "outreach": (8, 7, 3, 7, 10, 3, 60, 2),
}
# How people are recorded at each kind: (organizer, self check-in); the rest are imported.
METHODS = {"handover": (0.7, 0.05), "declaration": (0.7, 0.05), "campus": (0.1, 0.7)}
DEFAULT_METHODS = (0.5, 0.3)
HEADCOUNT_BASE = {"handover": 600, "parade": 1500, "campus": 300, "outreach": 150}


def sizes(seeding: Seeding, events: list[PlannedEvent]) -> list[int]:
    """How many named records each event gets: about RECORDS in all, by kind."""
    rng = seeding.rng
    raw = [WEIGHTS[e.kind] * rng.uniform(0.5, 1.5) if e.published else 0.0 for e in events]
    target, total = RECORDS * seeding.scale, sum(raw) or 1.0
    counts = [int(target * weight / total) for weight in raw]
    routes: dict[int, list[int]] = {}
    for stop in seeding.stops:
        routes.setdefault(stop.route_id, []).append(stop.id)
    middle = {stops[len(stops) // 2] for stops in routes.values()}
    largest: dict[int, int] = {}
    for index, event in enumerate(events):
        if event.published and event.kind == "campus" and event.stop.id in middle:
            largest.setdefault(event.stop.id, index)
    for index in largest.values():
        counts[index] = max(counts[index], round(LARGEST * seeding.scale))
    return counts


class People:
    """Makes the named records of one event, each person once."""

    def __init__(self, seeding: Seeding, event: PlannedEvent):
        self.seeding, self.event = seeding, event
        self.rng = seeding.rng
        self.place = event.stop.place
        self.seen: set[tuple[str, str]] = set()
        self.weights = MIX[event.kind]
        self.parties = (
            seeding.party_numbers if self.place.code.startswith("11") else seeding.national_parties
        )
        self.organizer = seeding.organizer_of(event.stop)
        self.imported_at = event.ends_at + timedelta(days=1)
        self.length = (event.ends_at - event.starts_at).total_seconds()
        self.organiser_methods = METHODS.get(event.kind, DEFAULT_METHODS)
        self.keys: dict[str, str] = {}

    def organisation(self, category: str) -> str:
        """The organisation a person of ``category`` gives at this event."""
        rng, short = self.rng, self.place.short
        if category == "kpu":
            return self.place.office_name
        if category == "bawaslu":
            return f"Bawaslu {short}"
        if category == "government":
            return f"{rng.choice(GOVERNMENT)} {short}"
        if category == "student":
            return (
                self.event.venue
                if self.event.kind == "campus"
                else f"SMA Negeri {rng.randint(1, 9)} {short}"
            )
        if category == "media":
            return f"{rng.choice(MEDIA)} {short}"
        if category == "other":
            return f"Relawan Demokrasi {short}" if rng.random() < 0.5 else ""
        return ""

    def method(self) -> str:
        """How this record is made."""
        draw = self.rng.random()
        by_organizer, by_self = self.organiser_methods
        if draw < by_organizer:
            return "organizer"
        return "self_checkin" if draw < by_organizer + by_self else "import"

    def party(self, category: str, method: str) -> int | None:
        """The party of a representative; some others name one at self check-in."""
        if category == "party_rep" or (method == "self_checkin" and self.rng.random() < 0.1):
            return self.rng.choice(self.parties)
        return None

    def recorded_at(self, method: str) -> datetime:
        """When the record was made: during the event, at check-in time, or at the import."""
        if method == "import":
            return self.imported_at
        if method == "self_checkin":
            # The QR link works from two hours before the start to two hours after the end.
            offset = self.rng.uniform(-3600, self.length + 3600)
        else:
            offset = self.rng.uniform(0, self.length)
        return self.event.starts_at + timedelta(seconds=int(offset))

    def record(self, record_id: int) -> tuple:
        """One new person's record at the event."""
        rng = self.rng
        category = rng.choices(CATEGORIES, self.weights)[0]
        method = self.method()
        party = self.party(category, method)
        organisation = self.organisation(category) if party is None else ""
        affiliation = self.keys.get(organisation)
        if affiliation is None:
            affiliation = self.keys[organisation] = affiliation_key(None, organisation)
        if party is not None:
            affiliation = f"p{party}"
        while True:
            name = person_name(rng)
            identity = (person_key(name), affiliation)
            if identity not in self.seen:
                break
        self.seen.add(identity)
        declared = party is not None and method == "self_checkin" and rng.random() < 0.6
        by = None if method == "self_checkin" else self.organizer
        key = None if method == "import" else token(rng)
        contact = phone(rng) if rng.random() < 0.25 else ""
        return (
            record_id,
            self.event.id,
            name,
            identity[0],
            affiliation,
            category,
            party,
            declared,
            organisation,
            contact,
            method,
            self.recorded_at(method),
            by,
            key,
        )


def write_attendance(seeding: Seeding, events: list[PlannedEvent]) -> None:
    """The named records and the headcount tallies of every published event, audited.

    Each event's totals are written beside its rows, as the attendance area
    keeps them on every write.
    """
    writer = seeding.writer
    for event, count in zip(events, sizes(seeding, events), strict=True):
        if not event.published:
            continue
        people, imported = People(seeding, event), 0
        parties: Counter[tuple[int, bool]] = Counter()
        for _ in range(count):
            row = people.record(writer.next_id("attendance_records"))
            writer.add("attendance_records", row)
            if row[6] is not None:
                parties[(row[6], row[7])] += 1
            if row[10] == "import":
                imported += 1
                continue
            seeding.audit(
                row[11],
                row[12],
                "attendance.record",
                ("attendancerecord", row[0]),
                event_id=event.id,
                method=row[10],
                category=row[5],
            )
        if imported:
            seeding.audit(
                people.imported_at,
                people.organizer,
                "attendance.import",
                ("event", event.id),
                added=imported,
                skipped=0,
            )
        crowd = write_tallies(seeding, event)
        write_totals(seeding, event.id, count, crowd, parties)
    writer.flush()


def write_totals(
    seeding: Seeding, event_id: int, named: int, crowd: int, parties: Counter[tuple[int, bool]]
) -> None:
    """The kept totals of one event: people by name, the crowd, and each party's people."""
    if not (named or crowd):
        return
    seeding.writer.add("event_attendance", (event_id, named, crowd))
    for number in sorted({number for number, _declared in parties}):
        seeding.writer.add(
            "event_party_attendance",
            (event_id, number, parties[(number, False)], parties[(number, True)]),
        )


def write_tallies(seeding: Seeding, event: PlannedEvent) -> int:
    """Several counting posts' running tallies of the crowd; the latest of each counts.

    Returns the crowd: the latest tally of each post and category, added up.
    """
    rng, writer = seeding.rng, seeding.writer
    base = HEADCOUNT_BASE.get(event.kind)
    if base is None or (event.kind == "outreach" and rng.random() < 0.7):
        return 0
    latest: dict[tuple[str, str], tuple[datetime, int, int]] = {}
    organizer = seeding.organizer_of(event.stop)
    categories = ["public", "student"] if event.kind == "campus" else ["public"]
    length = (event.ends_at - event.starts_at).total_seconds()
    for counter in rng.sample(COUNTING_POSTS, rng.randint(2, 4)):
        for category in categories:
            count = 0
            tallies = rng.randint(1, 3)
            for turn in range(1, tallies + 1):
                count += rng.randint(base // 4, base)
                at = event.starts_at + timedelta(seconds=int(length * turn / (tallies + 1)))
                tally_id = writer.next_id("headcount_tallies")
                slot = (person_key(counter), category)
                latest[slot] = max(latest.get(slot, (at, 0, 0)), (at, tally_id, count))
                writer.add(
                    "headcount_tallies",
                    (
                        tally_id,
                        event.id,
                        counter,
                        person_key(counter),
                        category,
                        count,
                        at,
                        organizer,
                        token(rng),
                    ),
                )
                seeding.audit(
                    at,
                    organizer,
                    "attendance.headcount",
                    ("headcounttally", tally_id),
                    event_id=event.id,
                    category=category,
                    count=count,
                )
    return sum(count for _at, _id, count in latest.values())
