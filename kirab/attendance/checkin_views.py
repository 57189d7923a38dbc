"""Self check-in: the QR code an organizer shows, and the public form it opens."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from kirab import clock
from kirab.attendance.checkin import (
    CheckinRefused,
    checkin_moment,
    checkin_window,
    self_check_in,
    served_token,
    verify_checkin_token,
)
from kirab.attendance.forms import SelfCheckinForm
from kirab.attendance.pages import (
    bp,
    checkin_url,
    event_for,
    load_event,
    record_person,
    refuse,
    with_parties,
)
from kirab.attendance.services import DuplicateAttendance
from kirab.events.models import Event
from kirab.extensions import limiter
from kirab.forms import show_domain_error
from kirab.i18n import local_datetime
from kirab.permissions import can_record_attendance
from kirab.qr import qr_svg
from kirab.transactions import run_service


@bp.get("/events/<id:event_id>/attendance/qr")
@login_required
def qr(event_id: int):
    """The event's self check-in QR code, large, to show on screen or print."""
    event = event_for(can_record_attendance, event_id)
    url = checkin_url(event)
    opens, closes = checkin_window(event)
    return render_template(
        "attendance/qr.html",
        event=event,
        checkin_url=url,
        qr=qr_svg(url, _("Self check-in code"), fit=True),
        opens=opens,
        closes=closes,
    )


def checkin_limit() -> str:
    """The configured limit on self check-ins per client address."""
    return current_app.config["SELF_CHECKIN_LIMIT"]


def public_event(event_id: int) -> Event:
    """A published or cancelled event; drafts and deleted events are 404."""
    event = load_event(event_id)
    if not event.is_public:
        abort(404)
    return event


def show_checkin_refusal(form: SelfCheckinForm, error) -> None:
    """A refused check-in: one already made is said at the top, not as a field to correct."""
    if isinstance(error, DuplicateAttendance):
        form.form_errors.append(error.message)
    else:
        show_domain_error(form, error)


@bp.route("/events/<id:event_id>/check-in/<token>", methods=["GET", "POST"])
@limiter.limit(checkin_limit, methods=["POST"])
def checkin(event_id: int, token: str):
    """The public self check-in form the event's QR code opens."""
    event = public_event(event_id)
    received = clock.now()
    if len(token) > 200:
        refuse(400, _("This check-in code is not valid. Please scan the code the committee shows."))
    form = with_parties(SelfCheckinForm())
    try:
        now = checkin_moment(event, received, form.served.data or "", stated_moment(form))
        verify_checkin_token(event, token, now)
    except CheckinRefused as error:
        refuse(error.status, error.message)
    late = received if now != received else None
    if form.validate_on_submit():
        done, outcome = run_service(
            lambda: record_person(
                form,
                event,
                partial(self_check_in, event, token, now, received_at=late),
                public=True,
            ),
            partial(show_checkin_refusal, form),
        )
        if done:
            entry = outcome.record
            # A retry gets this same page: the key identifies the first submission.
            return render_template(
                "attendance/checkin_done.html",
                event=event,
                entry=entry,
                when=local_datetime(entry.recorded_at, event.timezone),
            )
    status = 422 if request.method == "POST" else 200
    form.served.data = served_token(event, received)
    return render_template("attendance/checkin.html", event=event, form=form), status


def stated_moment(form: SelfCheckinForm) -> datetime | None:
    """The moment a phone states for a check-in it kept offline, if it states one (400 if bad)."""
    if request.method != "POST" or not form.stated_at.data:
        return None
    try:
        stated = datetime.fromisoformat(form.stated_at.data.strip()[:40])
    except ValueError:
        refuse(400, _("The time your phone gives is not a valid time."))
    if stated.tzinfo is None:
        refuse(400, _("The time your phone gives is not a valid time."))
    return stated.astimezone(UTC)
