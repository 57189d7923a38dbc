"""What every step of the national seeding shares: the seed's generator, the writer, the tables."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kirab.seeding.bulk import BulkWriter
from kirab.seeding.routes import PlannedStop, Reference

# Tables in the order they are written (a table only after those it refers to).
COLUMNS = {
    "users": (
        "id",
        "email",
        "name",
        "password_hash",
        "role",
        "party_number",
        "active",
        "session_version",
        "created_at",
    ),
    "user_regions": ("user_id", "region_code"),
    "relays": ("id", "name", "created_at"),
    "routes": ("id", "relay_id", "name", "position"),
    "stops": (
        "id",
        "route_id",
        "position",
        "office_id",
        "receives_at",
        "hands_over_at",
        "venue",
        "contacts",
        "notes",
    ),
    "handovers": (
        "id",
        "from_stop_id",
        "to_stop_id",
        "planned_at",
        "actual_at",
        "venue",
        "items",
        "signatories",
        "notes",
    ),
    "events": (
        "id",
        "uid",
        "stop_id",
        "kind",
        "title",
        "description",
        "starts_at",
        "ends_at",
        "venue_name",
        "venue_address",
        "latitude",
        "longitude",
        "dapil_id",
        "capacity",
        "status",
        "cancel_reason",
        "sequence",
        "created_at",
        "updated_at",
        "deleted_at",
    ),
    "event_districts": ("event_id", "district_code"),
    "event_parties": ("event_id", "party_number"),
    "venues": ("id", "region_code", "name", "address", "latitude", "longitude"),
    "attendance_records": (
        "id",
        "event_id",
        "name",
        "name_key",
        "affiliation_key",
        "category",
        "party_number",
        "party_self_declared",
        "organisation",
        "contact",
        "method",
        "recorded_at",
        "recorded_by_id",
        "idempotency_key",
    ),
    "headcount_tallies": (
        "id",
        "event_id",
        "counter",
        "counter_key",
        "category",
        "count",
        "recorded_at",
        "recorded_by_id",
        "idempotency_key",
    ),
    # The totals the attendance area keeps on write, filled as the rows above are made.
    "event_attendance": ("event_id", "named", "crowd"),
    "event_party_attendance": ("event_id", "party_number", "confirmed", "self_declared"),
    "audit_log": ("id", "at", "user_id", "action", "object_type", "object_id", "details"),
}


def plain(value: Any) -> Any:
    """A value as the audit log stores it (times as ISO strings), as ``audit.services`` does."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


@dataclass
class Seeding:
    """One run of the seeding: its generator, writer, reference data and what it made."""

    rng: random.Random
    scale: float
    writer: BulkWriter
    reference: Reference
    admin_id: int = 0
    # The organizer who plans and records for each region's stops.
    organizers: dict[str, int] = field(default_factory=dict)
    party_numbers: list[int] = field(default_factory=list)
    national_parties: list[int] = field(default_factory=list)
    stops: list[PlannedStop] = field(default_factory=list)
    relay_id: int = 0

    def audit(
        self,
        at: datetime,
        user_id: int | None,
        action: str,
        obj: tuple[str, object],
        **details: Any,
    ) -> None:
        """An audit entry as the service making the same change writes it."""
        object_type, object_id = obj
        entry = {key: plain(value) for key, value in details.items()}
        self.writer.add(
            "audit_log",
            (
                self.writer.next_id("audit_log"),
                at,
                user_id,
                action,
                object_type,
                str(object_id),
                entry,
            ),
        )

    def organizer_of(self, stop: PlannedStop) -> int:
        """Who plans and records at a stop: its region's organizer, or an admin at KPU RI."""
        return self.organizers.get(stop.place.code, self.admin_id)

    def scaled(self, count: float, minimum: int = 1) -> int:
        """``count`` at this run's scale, never below ``minimum``."""
        return max(minimum, round(count * self.scale))
