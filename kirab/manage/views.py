"""The committee's dashboard and the audit log."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from kirab import clock
from kirab.audit.models import AuditEntry
from kirab.database import db
from kirab.errors import bad_request, not_found
from kirab.events.filters import FilterError, parse_page
from kirab.manage.services import event_counts, stops_in_scope
from kirab.permissions import can_read_audit, is_committee, require
from kirab.relay.moments import requested_relay_id
from kirab.relay.services import relay_overview

bp = Blueprint("manage", __name__, url_prefix="/manage")


@bp.get("")
@require(is_committee)
def dashboard():
    """The committee's overview of a relay now, and its stops within the user's scope.

    The relay asked for with ``relay=<id>``, else the one the public pages
    show now (under way, else the next, else the one that ended last);
    every relay is offered.
    """
    overview = relay_overview(clock.now(), requested_relay_id())
    if overview is None:
        not_found(_("No relay has that number."))
    stops = stops_in_scope(current_user, overview["statuses"])
    return render_template(
        "manage/dashboard.html", stops=stops, counts=event_counts(stops), **overview
    )


@bp.get("/audit")
@require(can_read_audit)
def audit():
    """The audit log, newest first, paginated."""
    try:
        page, per_page = parse_page(request.args, 50, 200)
    except FilterError as error:
        bad_request(error.message)
    pagination = db.paginate(
        db.select(AuditEntry)
        .options(joinedload(AuditEntry.user))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )
    return render_template("manage/audit.html", pagination=pagination)
