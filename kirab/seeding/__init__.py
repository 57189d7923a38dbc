"""A national relay in bulk: the 2023 relay's seven routes at full size, for benchmarks and tests.

``seed_national`` writes, in one transaction, what people would have
entered through the forms over the whole relay: accounts, routes and stops,
about 43 events per stop, attendance and headcounts, and the audit entries
of it all. The same seed gives the same data; rows are written in bulk
(COPY on PostgreSQL), so the national size loads in minutes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func

from kirab.database import db
from kirab.dataversions import ATTENDANCE, EVENTS, GLOBAL, STOPS, USERS, bump
from kirab.errors import DomainError
from kirab.regions.models import Party, PartyScope, Region
from kirab.relay.models import Relay
from kirab.seeding.agenda import write_events
from kirab.seeding.attendance import write_attendance
from kirab.seeding.bulk import BulkWriter
from kirab.seeding.context import COLUMNS, Seeding
from kirab.seeding.relay import PLANNED_AT, plan_routes, write_relay, write_users
from kirab.seeding.routes import Reference

DEFAULT_SEED = 2023


@dataclass(frozen=True)
class SeedResult:
    """What the seeding wrote: rows per table."""

    counts: dict[str, int]


def check_empty() -> None:
    """Refuse a database that holds a relay already, or lacks the reference data."""
    if db.session.execute(db.select(Relay.id).limit(1)).first() is not None:
        raise DomainError(
            _("The database already holds a relay; seed-national loads only into one without.")
        )
    regencies = db.session.execute(
        db.select(func.count()).select_from(Region).where(Region.level == "regency")
    ).scalar()
    if not regencies:
        raise DomainError(
            _('The reference data is missing; run "flask --app kirab init-db" first.')
        )


def mark_feeds_changed() -> None:
    """Count the load as a change to everything, as flushes through the models would."""
    # Written in bulk, past the flush listener: every page and feed starts afresh.
    bump((GLOBAL, EVENTS, STOPS, ATTENDANCE, USERS))


def seed_national(*, scale: float, seed: int, password_hash: str) -> SeedResult:
    """Load the national relay at ``scale``; every user gets the one ``password_hash``.

    Flushes but does not commit, like a service; the caller commits once.
    """
    if not 0 < scale <= 2:
        raise ValueError("the scale must be above 0 and at most 2")
    check_empty()
    parties = db.session.execute(db.select(Party.number, Party.scope).order_by(Party.number)).all()
    seeding = Seeding(
        rng=random.Random(seed),  # noqa: S311 (repeatable data, not secrets)
        scale=scale,
        writer=BulkWriter(COLUMNS),
        reference=Reference(),
        party_numbers=[number for number, _scope in parties],
        national_parties=[number for number, scope in parties if scope == PartyScope.NATIONAL],
    )
    routes = plan_routes(seeding)
    write_users(seeding, routes, password_hash)
    write_relay(seeding, routes)
    events = write_events(seeding)
    write_attendance(seeding, events)
    seeding.audit(PLANNED_AT, seeding.admin_id, "relay.seed_national",
                  ("relay", seeding.relay_id), seed=seed, scale=scale)  # fmt: skip
    counts = seeding.writer.finish()
    mark_feeds_changed()
    return SeedResult(counts)
