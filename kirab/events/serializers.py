"""Events as JSON in the shape the API promises (PRODUCT.md)."""

from __future__ import annotations

from datetime import UTC

from kirab.events.models import Event
from kirab.i18n import to_local, tz_abbr
from kirab.urls import absolute_url


def event_json(event: Event, attendance_total: int, link=None) -> dict:
    """One event as the API returns it; times in the event's local offset.

    ``attendance_total`` comes from ``attendance_totals`` over a whole page
    of events, so a list costs the same few queries at any length; a list
    passes ``link`` (``kirab.urls.id_links``) to build its links in one go.
    """
    zone = event.timezone
    region = event.region
    dapil = event.dapil
    return {
        "id": event.id,
        "uid": event.uid,
        "title": event.title,
        "kind": event.kind,
        "status": event.status,
        "starts_at": to_local(event.starts_at, zone).isoformat(),
        "ends_at": to_local(event.ends_at, zone).isoformat(),
        "timezone": zone,
        "tz_abbr": tz_abbr(zone),
        "region_code": region.code,
        "region_name": region.name,
        "stop_id": event.stop_id,
        "route_id": event.stop.route_id,
        "dapil": (
            {"id": dapil.slug, "number": dapil.number, "name": dapil.name} if dapil else None
        ),
        "districts": [{"code": d.code, "name": d.name} for d in event.districts],
        "venue": {
            "name": event.venue_name,
            "address": event.venue_address,
            "lat": event.latitude,
            "lon": event.longitude,
        },
        "sequence": event.sequence,
        "updated_at": event.updated_at.astimezone(UTC).isoformat(),
        "attendance_total": attendance_total,
        "url": link(event.id) if link else absolute_url("events.show", event_id=event.id),
    }
