"""The committee's dashboard and the audit log."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import joinedload

from kirab import clock
from kirab.audit.models import AuditEntry
from kirab.auth.models import ORGANIZER
from kirab.database import db
from kirab.events.models import DRAFT, PUBLISHED, Event
from kirab.permissions import can_read_audit, is_committee, region_in_scope, require
from kirab.relay.services import latest_relay, relay_status

bp = Blueprint("manage", __name__, url_prefix="/manage")


@bp.get("")
@require(is_committee)
def dashboard():
    """The committee's overview: the relay now, and the stops within the user's scope."""
    relay = latest_relay()
    statuses = relay_status(relay, clock.now()) if relay else []
    scope = current_user.region_codes if current_user.role == ORGANIZER else None
    stops = [
        stop
        for status in statuses
        for stop in status.stops
        if scope is None or region_in_scope(stop.office.region_code, scope)
    ]
    counts = dict(
        db.session.execute(
            db.select(Event.stop_id, func.count(Event.id))
            .where(Event.deleted_at.is_(None), Event.status.in_((DRAFT, PUBLISHED)))
            .group_by(Event.stop_id)
        ).all()
    )
    return render_template("manage/dashboard.html", statuses=statuses, stops=stops, counts=counts)


@bp.get("/audit")
@require(can_read_audit)
def audit():
    """The audit log, newest first, paginated."""
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and len(page) < 7 else 1
    pagination = db.paginate(
        db.select(AuditEntry)
        .options(joinedload(AuditEntry.user))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()),
        page=page,
        per_page=50,
        error_out=False,
    )
    return render_template("manage/audit.html", pagination=pagination)
