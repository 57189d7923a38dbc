"""Attendance as CSV files: exports of an event, a stop or a relay, and imports of lists."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kirab import clock
from kirab.attendance.csv_export import export_csv
from kirab.attendance.csvio import import_attendance, recorded_meanwhile
from kirab.attendance.forms import ImportForm
from kirab.attendance.pages import bp, event_for
from kirab.audit.services import record as audit
from kirab.database import db
from kirab.errors import DomainError
from kirab.events.models import Event
from kirab.permissions import (
    can_read_all_attendance,
    can_read_attendance,
    can_read_attendance_in,
    can_record_attendance,
    require,
)
from kirab.relay.models import Relay, Route, Stop
from kirab.submissions import create_once
from kirab.transactions import first_writer_wins


def csv_download(name: str, *conditions) -> Response:
    """Stream an attendance export as a CSV attachment.

    The export's audit entry is committed with the response, before the
    rows are streamed.
    """
    return Response(
        stream_with_context(export_csv(*conditions)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/events/<id:event_id>/attendance.csv")
@login_required
def event_csv(event_id: int):
    """Every attendance record of an event with its time, method and recorder."""
    event = event_for(can_read_attendance, event_id)
    audit(current_user, "attendance.export", event, scope="event")
    return csv_download(f"attendance-event-{event_id}.csv", Event.id == event_id)


@bp.get("/stops/<id:stop_id>/attendance.csv")
@login_required
def stop_csv(stop_id: int):
    """Every attendance record of the events of a stop."""
    stop = db.get_or_404(Stop, stop_id)
    if not can_read_attendance_in(current_user, stop.office.region_code):
        abort(403)
    audit(current_user, "attendance.export", stop, scope="stop")
    return csv_download(f"attendance-stop-{stop_id}.csv", Event.stop_id == stop_id)


@bp.get("/relays/<id:relay_id>/attendance.csv")
@require(can_read_all_attendance)
def relay_csv(relay_id: int):
    """Every attendance record of a relay (admins and observers)."""
    relay = db.get_or_404(Relay, relay_id)
    audit(current_user, "attendance.export", relay, scope="relay")
    stops = (
        db.select(Stop.id).join(Route, Route.id == Stop.route_id).where(Route.relay_id == relay.id)
    )
    return csv_download(f"attendance-relay-{relay_id}.csv", Event.stop_id.in_(stops))


@bp.route("/events/<id:event_id>/attendance/import", methods=["GET", "POST"])
@login_required
def import_csv(event_id: int):
    """Add a list kept on paper or in a spreadsheet; nothing is added unless every row is right."""
    event = event_for(can_record_attendance, event_id)
    form = ImportForm()
    problems, status = [], 200
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read() if upload else b""

        def refused(error: DomainError) -> None:
            form.file.errors = [error.message]
            # An ImportFailed lists every bad row; line 0 is the file as a whole.
            problems.extend(p for p in getattr(error, "problems", ()) if p[0])

        results: list = []
        url = create_once(
            form, "attendance.import", current_user, clock.now(),
            lambda: first_writer_wins(
                lambda: import_attendance(event, data, actor=current_user), recorded_meanwhile
            ),
            lambda result: results.append(result) or request.path, refused,
        )  # fmt: skip
        if url is not None and not results:  # a repeated post: the first one's list stands
            return redirect(url)
        if results:
            result = results[0]
            flash(
                _("%(added)d people added, %(skipped)d rows skipped.", added=result.added,
                  skipped=len(result.skipped)),
                "success",
            )  # fmt: skip
            return render_template(
                "attendance/import.html", form=ImportForm(formdata=None), event=event,
                result=result, problems=[],
            )  # fmt: skip
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template(
        "attendance/import.html", form=form, event=event, result=None, problems=problems
    ), status
