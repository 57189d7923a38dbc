"""Entries of the change log as JSON (``/api/v1/changes``): public fields only, no actor."""

from __future__ import annotations

from datetime import UTC, datetime

from kirab.changes.models import AgendaChange
from kirab.changes.wording import ChangeItem
from kirab.i18n import to_local


def _local(moment: datetime | None, zone: str) -> str | None:
    """A time in the event's local offset, or None."""
    return to_local(moment, zone).isoformat() if moment is not None else None


def change_json(change: AgendaChange, item: ChangeItem) -> dict:
    """One entry with its events' before and after; times in each event's local offset."""
    lines = item.lines or [item.headline]
    events = []
    for row, line in zip(change.events, lines, strict=True):
        zone = row.event.timezone
        events.append({
            "event_id": row.event_id, "title": row.title, "text": line.text, "url": line.url,
            "old_starts_at": _local(row.old_starts_at, zone),
            "old_ends_at": _local(row.old_ends_at, zone),
            "new_starts_at": _local(row.new_starts_at, zone),
            "new_ends_at": _local(row.new_ends_at, zone),
            "old_venue": row.old_venue, "new_venue": row.new_venue, "reason": row.reason,
        })  # fmt: skip
    return {
        "id": change.id,
        "kind": change.kind,
        "occurred_at": change.occurred_at.astimezone(UTC).isoformat(),
        "stop_id": change.stop_id,
        "region_code": change.region_code,
        "text": item.headline.text,
        "events": events,
    }
