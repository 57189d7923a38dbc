"""Pending webhook deliveries written with each recorded change, in its transaction.

The body is fixed now, with the event as the API shows it at the change:
every attempt and every redelivery posts the same bytes under the same id.
"""

from __future__ import annotations

import json
from contextlib import nullcontext

from flask import current_app, has_request_context
from sqlalchemy import select

from kirab.attendance.services import attendance_totals
from kirab.changes.models import AgendaChange, AgendaChangeEvent
from kirab.changes.signals import change_recorded
from kirab.database import db
from kirab.events.serializers import event_json
from kirab.events.services import get_event
from kirab.permissions import region_in_scope
from kirab.webhooks.models import WebhookDelivery, WebhookEndpoint


def _moment(value):
    return value.isoformat() if value is not None else None


def change_json(change: AgendaChange, item: AgendaChangeEvent) -> dict:
    """The change as the payload's ``data.change``: what it was, what it is, for one event."""
    return {
        "id": change.id,
        "kind": change.kind,
        "occurred_at": _moment(change.occurred_at),
        "stop_id": change.stop_id,
        "region_code": change.region_code,
        "events_in_change": len(change.events),
        "event_id": item.event_id,
        "title": item.title,
        "old": {"starts_at": _moment(item.old_starts_at), "ends_at": _moment(item.old_ends_at),
                "venue": item.old_venue},
        "new": {"starts_at": _moment(item.new_starts_at), "ends_at": _moment(item.new_ends_at),
                "venue": item.new_venue},
        "reason": item.reason,
    }  # fmt: skip


def payload(change: AgendaChange, item: AgendaChangeEvent) -> str:
    """The body of the POST, in the Standard Webhooks shape."""
    event = get_event(item.event_id)
    # The API's URLs are built from KIRAB_BASE_URL; outside a request a bare one will do.
    with nullcontext() if has_request_context() else current_app.test_request_context():
        shown = event_json(event, attendance_totals([event.id]).get(event.id, 0))
    body = {
        "type": "event.changed",
        "timestamp": _moment(change.occurred_at),
        "data": {"change": change_json(change, item), "event": shown},
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def listening(change: AgendaChange) -> list[WebhookEndpoint]:
    """Active endpoints that hear of the change's region."""
    endpoints = db.session.execute(
        select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True)).order_by(WebhookEndpoint.id)
    ).scalars()
    return [
        endpoint for endpoint in endpoints
        if not endpoint.regions or region_in_scope(change.region_code, endpoint.regions)
    ]  # fmt: skip


@change_recorded.connect
def webhook_deliveries_of_change(change: AgendaChange, **_details) -> None:
    """One delivery per endpoint and event of the change, in the change's session."""
    endpoints = listening(change)
    if not endpoints:
        return
    bodies = {item.id: payload(change, item) for item in change.events}
    db.session.add_all(
        WebhookDelivery(
            endpoint_id=endpoint.id, change_event_id=item.id, payload=bodies[item.id],
            created_at=change.occurred_at, next_attempt_at=change.occurred_at,
        )
        for endpoint in endpoints
        for item in change.events
    )  # fmt: skip
    db.session.flush()
