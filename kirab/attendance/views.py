"""Attendance pages: the organizer's phone page, self check-in, exports, imports, erasure."""

from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import BadRequest, Forbidden, NotFound

from kirab import clock
from kirab.attendance import reports, services
from kirab.attendance.csvio import ImportFailed, export_csv, import_attendance
from kirab.attendance.forms import (
    ActionForm,
    AttendeeForm,
    DeleteForm,
    GuestForm,
    HeadcountForm,
    ImportForm,
    SelfCheckinForm,
    TickForm,
    chosen_number,
)
from kirab.attendance.models import AttendanceRecord, ExpectedGuest, HeadcountTally
from kirab.attendance.services import CheckinRefused, Outcome
from kirab.audit.services import record as audit
from kirab.auth.models import ADMIN
from kirab.database import db
from kirab.errors import DomainError, bad_request
from kirab.events.filters import FilterError, parse_filters
from kirab.events.labels import kind_label
from kirab.events.models import Event
from kirab.events.services import get_event
from kirab.extensions import limiter
from kirab.forms import show_domain_error
from kirab.i18n import local_datetime, local_time
from kirab.params import whole_number
from kirab.permissions import (
    can_erase_attendance,
    can_read_all_attendance,
    can_read_attendance,
    can_read_attendance_in,
    can_record_attendance,
    require,
)
from kirab.qr import qr_svg
from kirab.regions.forms import party_choices
from kirab.relay.models import Relay, Route, Stop
from kirab.urls import absolute_url

bp = Blueprint("attendance", __name__)

RECENT_LIMIT = 100


# --- helpers -------------------------------------------------------------------


def refuse(status: int, message: str):
    """Stop with an error page that carries ``message``."""
    error = {400: BadRequest, 403: Forbidden, 404: NotFound}[status](message)
    error.kirab_message = message
    raise error


def load_event(event_id: int) -> Event:
    """An event that is not deleted, or 404."""
    event = get_event(event_id)
    if event is None or event.deleted_at is not None:
        abort(404)
    return event


def event_for(predicate: Callable, event_id: int) -> Event:
    """The event, when the user passes ``predicate`` for it (403 otherwise)."""
    event = load_event(event_id)
    if not predicate(current_user, event):
        abort(403)
    return event


def with_parties(form):
    """Fill a form's party choices."""
    form.party.choices = party_choices()
    return form


def commit_once(attempt: Callable[[], Outcome], resolve: Callable[[], Outcome]) -> Outcome:
    """Run a recording and commit; if another worker got there first, answer as it did.

    The database's unique constraints decide races: the loser rolls back and
    reads what the winner recorded (a retry, or the same person).
    """
    try:
        outcome = attempt()
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        outcome = resolve()
    return outcome


def recorded_message(entry: AttendanceRecord) -> str:
    """What the organizer is told once a person is recorded (also on a retry)."""
    return _(
        "%(name)s is recorded (%(time)s).",
        name=entry.name,
        time=local_time(entry.recorded_at, entry.event.timezone),
    )


def checkin_url(event: Event) -> str:
    """The absolute self check-in link of an event, as its QR code carries it."""
    return absolute_url(
        "attendance.checkin", event_id=event.id, token=services.checkin_token(event)
    )


def page(event: Event, status: int = 200, **forms):
    """Render the attendance page of an event with its forms (fresh unless given)."""
    attendee_form = forms.get("attendee_form") or with_parties(AttendeeForm(formdata=None))
    guest_form = forms.get("guest_form") or with_parties(GuestForm(formdata=None))
    headcount_form = forms.get("headcount_form")
    if headcount_form is None:
        headcount_form = HeadcountForm(formdata=None)
        # Most people count alone: their name is a good default for the counter.
        headcount_form.counter.data = current_user.name or ""
    query = (request.args.get("q") or "").strip()[:120]

    reps = services.expected_party_reps(event)
    guests = list(
        db.session.execute(
            db.select(ExpectedGuest)
            .where(ExpectedGuest.event_id == event.id)
            .options(joinedload(ExpectedGuest.party))
            .order_by(ExpectedGuest.category, ExpectedGuest.name)
        ).scalars()
    )
    expected = [
        (f"u{user.id}", services.guest_name(user), user.party, "", user.party_number)
        for user in reps
    ] + [(f"g{g.id}", g.name, g.party, g.organisation, g.party_number) for g in guests]
    identities = {
        ref: (services.person_key(name), services.affiliation_key(number, organisation))
        for ref, name, _party, organisation, number in expected
    }
    ticked = {}
    if identities:
        rows = db.session.execute(
            db.select(AttendanceRecord).where(
                AttendanceRecord.event_id == event.id,
                AttendanceRecord.name_key.in_({key for key, _aff in identities.values()}),
            )
        ).scalars()
        by_identity = {(r.name_key, r.affiliation_key): r for r in rows}
        ticked = {ref: by_identity.get(identity) for ref, identity in identities.items()}

    records_query = (
        db.select(AttendanceRecord)
        .where(AttendanceRecord.event_id == event.id)
        .options(joinedload(AttendanceRecord.party), joinedload(AttendanceRecord.recorded_by))
        .order_by(AttendanceRecord.recorded_at.desc(), AttendanceRecord.id.desc())
        .limit(RECENT_LIMIT)
    )
    if query and (query_key := services.person_key(query)):
        records_query = records_query.where(AttendanceRecord.name_key.contains(query_key))
    records = list(db.session.execute(records_query).scalars())
    named = services.named_totals([event.id]).get(event.id, 0)
    tallies = services.latest_tallies_of(event)
    crowd = sum(tally.count for tally in tallies)
    recorder = can_record_attendance(current_user, event)
    url = checkin_url(event) if recorder else None
    return render_template(
        "attendance/event.html",
        event=event,
        expected=expected,
        ticked=ticked,
        records=records,
        named=named,
        crowd=crowd,
        tallies=tallies,
        query=query,
        recorder=recorder,
        checkin_url=url,
        qr=qr_svg(url, _("Self check-in code"), fit=True) if url else None,
        attendee_form=attendee_form,
        guest_form=guest_form,
        headcount_form=headcount_form,
        tick_form=forms.get("tick_form") or TickForm(formdata=None),
        tick_error=forms.get("tick_error"),
        action_form=ActionForm(formdata=None),
        delete_form=DeleteForm(formdata=None),
        recent_limit=RECENT_LIMIT,
    ), status


def back_to(event: Event, anchor: str):
    """Redirect to the event's attendance page at a section."""
    return redirect(url_for("attendance.event_page", event_id=event.id) + "#" + anchor)


# --- the organizer's page ------------------------------------------------------


@bp.get("/events/<id:event_id>/attendance")
@login_required
def event_page(event_id: int):
    """Who came: expected guests to tick off, walk-ins, headcounts and the records."""
    return page(event_for(can_read_attendance, event_id))


@bp.post("/events/<id:event_id>/attendance/people")
@login_required
def add_person(event_id: int):
    """Record a walk-in."""
    event = event_for(can_record_attendance, event_id)
    form = with_parties(AttendeeForm())
    if form.validate_on_submit():
        party_number = chosen_number(form.party.data)
        try:
            key = services.idempotency_key(form.idempotency_key.data)
            outcome = commit_once(
                lambda: services.record_attendance(
                    event,
                    name=form.name.data,
                    category=form.category.data,
                    party_number=party_number,
                    organisation=form.organisation.data or "",
                    contact=form.contact.data or "",
                    actor=current_user,
                    key=key,
                ),
                lambda: services.resolve_conflict(
                    event, key, form.name.data, party_number, form.organisation.data
                ),
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            flash(recorded_message(outcome.record), "success")
            return back_to(event, "walk-in")
    return page(event, 422, attendee_form=form)


@bp.post("/events/<id:event_id>/attendance/tick")
@login_required
def tick(event_id: int):
    """Tick off an expected guest: a party representative or a listed official."""
    event = event_for(can_record_attendance, event_id)
    form = TickForm()
    if form.validate_on_submit():
        try:
            key = services.idempotency_key(form.idempotency_key.data)

            def resolve():
                name, _category, party_number, organisation = services.expected_guest(
                    event, form.guest.data
                )
                return services.resolve_conflict(event, key, name, party_number, organisation)

            outcome = commit_once(
                lambda: services.tick_off(event, form.guest.data, actor=current_user, key=key),
                resolve,
            )
        except DomainError as error:
            db.session.rollback()
            return page(event, 422, tick_error=error.message)
        flash(recorded_message(outcome.record), "success")
        return back_to(event, "expected")
    return page(event, 422, tick_error=_("Please reload the page and try again."))


@bp.post("/events/<id:event_id>/attendance/headcount")
@login_required
def headcount(event_id: int):
    """Keep a counter's current tally of a category of the crowd."""
    event = event_for(can_record_attendance, event_id)
    form = HeadcountForm()
    if form.validate_on_submit():
        try:
            key = services.idempotency_key(form.idempotency_key.data)

            def resolve():
                found = services.find_by_idempotency_key(HeadcountTally, key)
                if found is None:
                    raise DomainError(_("The tally could not be saved. Please try again."))
                return services.replay(event, found)

            outcome = commit_once(
                lambda: services.record_headcount(
                    event,
                    counter=form.counter.data,
                    category=form.category.data,
                    count=form.count_value(),
                    actor=current_user,
                    key=key,
                ),
                resolve,
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            tally = outcome.record
            flash(
                _("%(counter)s: %(count)s counted.", counter=tally.counter, count=tally.count),
                "success",
            )
            return back_to(event, "headcount")
    return page(event, 422, headcount_form=form)


@bp.post("/events/<id:event_id>/attendance/guests")
@login_required
def add_guest(event_id: int):
    """List an official expected at the event."""
    event = event_for(can_record_attendance, event_id)
    form = with_parties(GuestForm())
    if form.validate_on_submit():
        try:
            services.add_expected_guest(
                event,
                name=form.name.data,
                category=form.category.data,
                party_number=chosen_number(form.party.data),
                organisation=form.organisation.data or "",
                actor=current_user,
            )
            db.session.commit()
        except (DomainError, IntegrityError) as error:
            db.session.rollback()
            if isinstance(error, IntegrityError):
                error = DomainError(_("This guest is already on the list."), "name")
            show_domain_error(form, error)
        else:
            flash(_("%(name)s is on the list.", name=form.name.data.strip()), "success")
            return back_to(event, "expected")
    return page(event, 422, guest_form=form)


def of_event(event: Event, model, item_id: int):
    """An expected guest or attendance record of this event, or 404 (also for another event's)."""
    item = db.session.get(model, item_id)
    if item is None or item.event_id != event.id:
        abort(404)
    return item


@bp.post("/events/<id:event_id>/attendance/guests/<id:guest_id>/remove")
@login_required
def remove_guest(event_id: int, guest_id: int):
    """Take an official off the list of expected guests."""
    event = event_for(can_record_attendance, event_id)
    guest = of_event(event, ExpectedGuest, guest_id)
    if ActionForm().validate_on_submit():
        services.remove_expected_guest(guest, actor=current_user)
        db.session.commit()
        flash(_("%(name)s is off the list.", name=guest.name), "info")
    return back_to(event, "expected")


@bp.post("/events/<id:event_id>/attendance/records/<id:record_id>/confirm")
@login_required
def confirm(event_id: int, record_id: int):
    """Confirm the party a person declared at self check-in."""
    event = event_for(can_record_attendance, event_id)
    entry = of_event(event, AttendanceRecord, record_id)
    if ActionForm().validate_on_submit():
        try:
            services.confirm_party(entry, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "info")
        else:
            db.session.commit()
            flash(_("The party of %(name)s is confirmed.", name=entry.name), "success")
    return back_to(event, "records")


@bp.post("/events/<id:event_id>/attendance/records/<id:record_id>/delete")
@login_required
def delete(event_id: int, record_id: int):
    """Delete a person's record at their request."""
    event = event_for(can_record_attendance, event_id)
    entry = of_event(event, AttendanceRecord, record_id)
    form = DeleteForm()
    if form.validate_on_submit():
        try:
            services.delete_records([entry], actor=current_user, reason=form.reason.data)
        except DomainError as error:
            db.session.rollback()
            return page(event, 422, tick_error=error.message)
        db.session.commit()
        flash(_("The record has been deleted."), "info")
    return back_to(event, "records")


@bp.get("/events/<id:event_id>/attendance/qr")
@login_required
def qr(event_id: int):
    """The event's self check-in QR code, large, to show on screen or print."""
    event = event_for(can_record_attendance, event_id)
    url = checkin_url(event)
    opens, closes = services.checkin_window(event)
    return render_template(
        "attendance/qr.html",
        event=event,
        checkin_url=url,
        qr=qr_svg(url, _("Self check-in code"), fit=True),
        opens=opens,
        closes=closes,
    )


# --- exports and imports ----------------------------------------------------


def csv_download(name: str, *conditions) -> Response:
    """Stream an attendance export as a CSV attachment."""
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
    db.session.commit()
    return csv_download(f"attendance-event-{event_id}.csv", Event.id == event_id)


@bp.get("/stops/<id:stop_id>/attendance.csv")
@login_required
def stop_csv(stop_id: int):
    """Every attendance record of the events of a stop."""
    stop = db.get_or_404(Stop, stop_id)
    if not can_read_attendance_in(current_user, stop.office.region_code):
        abort(403)
    audit(current_user, "attendance.export", stop, scope="stop")
    db.session.commit()
    return csv_download(f"attendance-stop-{stop_id}.csv", Event.stop_id == stop_id)


@bp.get("/relays/<id:relay_id>/attendance.csv")
@require(can_read_all_attendance)
def relay_csv(relay_id: int):
    """Every attendance record of a relay (admins and observers)."""
    relay = db.get_or_404(Relay, relay_id)
    audit(current_user, "attendance.export", relay, scope="relay")
    db.session.commit()
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
        try:
            result = import_attendance(event, data, actor=current_user)
            db.session.commit()
        except ImportFailed as error:
            db.session.rollback()
            form.file.errors = [error.message]
            problems = [problem for problem in error.problems if problem[0]]
        except IntegrityError:
            db.session.rollback()
            form.file.errors = [
                _("Someone recorded attendance at the same moment. Please import the file again.")
            ]
        else:
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


# --- self check-in --------------------------------------------------------------


def checkin_limit() -> str:
    """The configured limit on self check-ins per client address."""
    return current_app.config["SELF_CHECKIN_LIMIT"]


def public_event(event_id: int) -> Event:
    """A published or cancelled event; drafts and deleted events are 404."""
    event = load_event(event_id)
    if not event.is_public:
        abort(404)
    return event


@bp.route("/events/<id:event_id>/check-in/<token>", methods=["GET", "POST"])
@limiter.limit(checkin_limit, methods=["POST"])
def checkin(event_id: int, token: str):
    """The public self check-in form the event's QR code opens."""
    event = public_event(event_id)
    now = clock.now()
    if len(token) > 200:
        refuse(400, _("This check-in code is not valid. Please scan the code the committee shows."))
    try:
        services.verify_checkin_token(event, token, now)
    except CheckinRefused as error:
        refuse(error.status, error.message)
    form = with_parties(SelfCheckinForm())
    if form.validate_on_submit():
        party_number = chosen_number(form.party.data)
        try:
            key = services.idempotency_key(form.idempotency_key.data)
            outcome = commit_once(
                lambda: services.self_check_in(
                    event,
                    token,
                    now,
                    name=form.name.data,
                    category=form.category.data,
                    party_number=party_number,
                    organisation=form.organisation.data or "",
                    contact=form.contact.data or "",
                    key=key,
                ),
                lambda: services.resolve_conflict(
                    event, key, form.name.data, party_number, form.organisation.data, public=True
                ),
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            entry = outcome.record
            # A retry gets this same page: the key identifies the first submission.
            return render_template(
                "attendance/checkin_done.html",
                event=event,
                entry=entry,
                when=local_datetime(entry.recorded_at, event.timezone),
            )
    status = 422 if request.method == "POST" else 200
    return render_template("attendance/checkin.html", event=event, form=form), status


# --- deleting a person's records on request ---------------------------------------


@bp.route("/manage/attendance/erase", methods=["GET", "POST"])
@require(can_erase_attendance)
def erase():
    """Find a person's records by name and delete them at their request."""
    scope = None if current_user.role == ADMIN else current_user.region_codes
    name = (request.args.get("name") or "").strip()[:120]
    form = DeleteForm()
    status = 200
    if request.method == "POST":
        name = (request.form.get("name") or "").strip()[:120]
        found = {entry.id: entry for entry in services.records_of_person(name, scope)}
        chosen = request.form.getlist("record")
        if form.validate_on_submit():
            if not chosen or any(whole_number(c) not in found for c in chosen):
                form.form_errors.append(_("Choose records of the person found below."))
            else:
                try:
                    count = services.delete_records(
                        [found[whole_number(c)] for c in chosen],
                        actor=current_user,
                        reason=form.reason.data,
                    )
                except DomainError as error:
                    db.session.rollback()
                    show_domain_error(form, error)
                else:
                    db.session.commit()
                    flash(_("%(n)d records deleted.", n=count), "info")
                    return redirect(url_for("attendance.erase"))
        status = 422
    records = services.records_of_person(name, scope) if name else []
    return render_template("attendance/erase.html", form=form, name=name, records=records), status


# --- reports ---------------------------------------------------------------------

REPORT_PAGE = 100
MATRIX_PAGE = 50


def report_filter():
    """The agenda filters of a report, or 400."""
    try:
        return parse_filters(request.args)
    except FilterError as error:
        bad_request(error.message)


def page_number() -> int:
    """The page asked for (1 when absent or malformed)."""
    number = whole_number(request.args.get("page", "1"))
    return number if number is not None and 0 < number < 1_000_000 else 1


@bp.get("/reports/attendance")
def report():
    """Attendance totals per event, stop, dapil, kind or party, with a chart; never names."""
    by = request.args.get("by", reports.EVENT)
    if by not in reports.GROUPINGS:
        bad_request(_("by must be one of: %(values)s.", values=", ".join(reports.GROUPINGS)))
    event_filter = report_filter()
    kinds = reports.by_kind(event_filter, kind_label)
    totals = reports.ReportRow(
        None,
        _("All events"),
        sum(r.events for r in kinds),
        sum(r.named for r in kinds),
        sum(r.crowd for r in kinds),
    )
    current_page = page_number()
    if by == reports.EVENT:
        rows = reports.by_event(
            event_filter, limit=REPORT_PAGE, offset=(current_page - 1) * REPORT_PAGE
        )
    elif by == reports.STOP:
        rows = reports.by_stop(event_filter)
    elif by == reports.DAPIL:
        rows = reports.by_dapil(event_filter, _("No single dapil"))
    elif by == reports.KIND:
        rows = kinds
    else:
        rows = reports.by_party(event_filter)
    pages = max(1, -(-totals.events // REPORT_PAGE)) if by == reports.EVENT else 1
    charts = []
    if rows:
        labels = [r.label for r in rows]
        if by == reports.PARTY:
            charts = [
                reports.bar_chart(_("Confirmed"), labels, [r.confirmed for r in rows]),
                reports.bar_chart(_("Self-declared"), labels, [r.self_declared for r in rows]),
            ]
        else:
            title = _("Attendance by %(grouping)s", grouping=grouping_label(by))
            charts = [reports.bar_chart(title, labels, [r.total for r in rows])]
    return render_template(
        "reports/attendance.html",
        by=by,
        groupings=reports.GROUPINGS,
        grouping_label=grouping_label,
        rows=rows,
        totals=totals,
        charts=charts,
        chart_bars=reports.CHART_BARS,
        filter=event_filter,
        page=current_page,
        pages=pages,
    )


def grouping_label(by: str) -> str:
    """The name of a report grouping in the current language."""
    labels = {
        reports.EVENT: _("event"),
        reports.STOP: _("stop"),
        reports.DAPIL: _("dapil"),
        reports.KIND: _("kind"),
        reports.PARTY: _("party"),
    }
    return labels[by]


@bp.get("/reports/attendance/parties")
def party_matrix():
    """Which parties attended which events, confirmed and self-declared apart."""
    event_filter = report_filter()
    current_page = page_number()
    matrix, total = reports.party_matrix(
        event_filter, limit=MATRIX_PAGE, offset=(current_page - 1) * MATRIX_PAGE
    )
    return render_template(
        "reports/parties.html",
        matrix=matrix,
        filter=event_filter,
        page=current_page,
        pages=max(1, -(-total // MATRIX_PAGE)),
    )
