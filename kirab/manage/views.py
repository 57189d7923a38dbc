"""The committee's dashboard and the audit log."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user

from kirab import clock
from kirab.audit.services import record
from kirab.database import db
from kirab.errors import bad_request, not_found
from kirab.events.filters import FilterError, parse_page
from kirab.manage.audit_csv import audit_csv
from kirab.manage.audit_labels import ACTION_NAMES, OBJECT_TYPES
from kirab.manage.audit_log import (
    AuditFilter,
    audit_query,
    describe,
    parse_audit_filters,
    people_choices,
)
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
    """The audit log as sentences, newest first, filtered and paginated.

    A bad filter is answered 400 with the form and its message beside the field.
    """
    try:
        page, per_page = parse_page(request.args, 50, 200)
    except FilterError as error:
        bad_request(error.message)
    try:
        audit_filter = parse_audit_filters(request.args)
    except FilterError as error:
        return render_audit(AuditFilter(), None, [], error), 400
    pagination = db.paginate(audit_query(audit_filter), page=page, per_page=per_page,
                             error_out=False)  # fmt: skip
    items = describe(pagination.items, current_user)
    return render_audit(audit_filter, pagination, items, None)


def render_audit(audit_filter: AuditFilter, pagination, items, error: FilterError | None):
    """The audit log page with its filter form."""
    return render_template(
        "manage/audit.html", filter=audit_filter, pagination=pagination, items=items,
        error=error, people=people_choices(), actions=ACTION_NAMES, types=OBJECT_TYPES,
    )  # fmt: skip


@bp.get("/audit.csv")
@require(can_read_audit)
def audit_export():
    """The filtered audit log as CSV, streamed; the export itself is logged.

    Its audit entry is committed with the response, before the rows are streamed.
    """
    try:
        audit_filter = parse_audit_filters(request.args)
    except FilterError as error:
        bad_request(error.message)
    reader = current_user._get_current_object()
    record(reader, "audit.export", reader, filters=audit_filter.as_args())
    return Response(
        stream_with_context(audit_csv(audit_filter, reader.id)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="audit-log.csv"',
            "Cache-Control": "no-store",
        },
    )
