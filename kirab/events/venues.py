"""The venues kept per region: the new-event form offers them and completes their details."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy import func

from kirab.database import db
from kirab.events.models import Venue

if TYPE_CHECKING:
    from kirab.events.scheduling import EventData


def known_venue(region_code: str, name: str) -> Venue | None:
    """The venue of this name kept for the region (case aside), if any."""
    return db.session.execute(
        db.select(Venue).where(
            Venue.region_code == region_code, func.lower(Venue.name) == name.strip().lower()
        )
    ).scalar_one_or_none()


def fill_from_venue(region_code: str, data: EventData) -> EventData:
    """Complete a known venue's address and coordinates when left empty."""
    venue = known_venue(region_code, data.venue_name) if data.venue_name else None
    if venue is None:
        return data
    return replace(
        data,
        venue_address=data.venue_address or venue.address,
        latitude=data.latitude if data.latitude is not None else venue.latitude,
        longitude=data.longitude if data.longitude is not None else venue.longitude,
    )


def remember_venue(region_code: str, data: EventData) -> None:
    """Keep the event's venue for the region, updating what is known of it."""
    if not data.venue_name:
        return
    venue = known_venue(region_code, data.venue_name)
    if venue is None:
        venue = Venue(region_code=region_code, name=data.venue_name)
        db.session.add(venue)
    venue.address = data.venue_address or venue.address or ""
    if data.latitude is not None:
        venue.latitude, venue.longitude = data.latitude, data.longitude


def venues_of(region_code: str) -> list[Venue]:
    """The venues kept for a region, by name."""
    return list(
        db.session.execute(
            db.select(Venue).where(Venue.region_code == region_code).order_by(Venue.name)
        ).scalars()
    )
