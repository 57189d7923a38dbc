"""The committee's planning pages: relays, routes, stops, shifts and imports.

The handover pages are in ``handover_views.py``, on the same blueprint.
"""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from kirab import clock
from kirab.database import db
from kirab.errors import DomainError, bad_request
from kirab.forms import show_domain_error
from kirab.i18n import from_local
from kirab.params import whole_number
from kirab.permissions import (
    can_edit_stop,
    can_plan_routes,
    can_record_handover,
    is_committee,
    require,
)
from kirab.relay import planning
from kirab.relay.forms import (
    ConfirmForm,
    ImportForm,
    NameForm,
    ShiftForm,
    StopDetailsForm,
    StopForm,
)
from kirab.relay.imports import ImportRejected, import_route
from kirab.relay.models import Handover, Relay, Route, Stop
from kirab.relay.rules import transit_gaps
from kirab.submissions import create_once
from kirab.transactions import run_edit, run_or_flash, run_or_show

bp = Blueprint("planning", __name__, url_prefix="/manage")


def unprocessable(template: str, **context):
    """Re-render a form with its messages: 422 after a POST, 200 for a GET."""
    status = 422 if request.method == "POST" else 200
    return render_template(template, **context), status


def handovers_by_receiver(route: Route) -> dict[int, Handover]:
    """The route's handovers keyed by the receiving stop's id."""
    return {handover.to_stop_id: handover for handover in planning.route_handovers(route)}


def created(message: str, url: str) -> str:
    """Say what was created; where to go next."""
    flash(message, "success")
    return url


@bp.get("/relays")
@require(is_committee)
def relays():
    """Every relay with its routes; admins create relays and routes here."""
    found = db.session.execute(
        db.select(Relay)
        .options(selectinload(Relay.routes).selectinload(Route.stops))
        .order_by(Relay.created_at.desc(), Relay.id.desc())
    ).scalars()
    return render_template("planning/relays.html", relays=list(found), form=NameForm())


@bp.post("/relays")
@require(can_plan_routes)
def new_relay():
    """Create a relay."""
    form = NameForm()
    if form.validate_on_submit():
        url = create_once(
            form, "relay.new", current_user, clock.now(),
            lambda: planning.create_relay(form.name.data, actor=current_user),
            lambda relay: created(_("The relay %(name)s has been created.", name=relay.name),
                                  url_for("planning.relays")),
        )  # fmt: skip
        if url is not None:
            return redirect(url)
    found = db.session.execute(db.select(Relay).order_by(Relay.id.desc())).scalars()
    return render_template("planning/relays.html", relays=list(found), form=form), 422


@bp.post("/relays/<id:relay_id>/routes")
@require(can_plan_routes)
def new_route(relay_id: int):
    """Add a route to a relay."""
    relay = db.get_or_404(Relay, relay_id)
    form = NameForm()
    if form.validate_on_submit():
        url = create_once(
            form, "route.new", current_user, clock.now(),
            lambda: planning.create_route(relay, form.name.data, actor=current_user),
            lambda route: created(_("The route %(name)s has been created.", name=route.name),
                                  url_for("planning.route", route_id=route.id)),
        )  # fmt: skip
        if url is not None:
            return redirect(url)
    found = db.session.execute(db.select(Relay).order_by(Relay.id.desc())).scalars()
    return render_template(
        "planning/relays.html", relays=list(found), form=NameForm(formdata=None),
        route_form=form, route_relay=relay,
    ), 422  # fmt: skip


@bp.get("/routes/<id:route_id>")
@require(is_committee)
def route(route_id: int):
    """A route's stops in order with their windows, transit, handovers and warnings."""
    found = db.get_or_404(Route, route_id)
    stops = planning.ordered_stops(found)
    warnings = [
        (a, b)
        for a, b in planning.hosting_warnings(found.relay)
        if a.route_id == found.id or b.route_id == found.id
    ]
    return render_template(
        "planning/route.html",
        route=found,
        stops=stops,
        gaps=transit_gaps(planning.windows_of(stops)),
        handovers=handovers_by_receiver(found),
        warnings=warnings,
        confirm=ConfirmForm(),
        can_edit_stop=can_edit_stop,
        can_record_handover=can_record_handover,
    )


@bp.route("/routes/<id:route_id>/stops/new", methods=["GET", "POST"])
@require(can_plan_routes)
def new_stop(route_id: int):
    """Insert a stop into a route, at a position or at the end."""
    found = db.get_or_404(Route, route_id)
    form = StopForm()
    position = whole_number(request.args.get("position"))
    if request.method == "GET" and position is not None and position < 10_000:
        form.position.data = position
    if form.validate_on_submit():
        url = create_once(
            form, "stop.new", current_user, clock.now(),
            lambda: insert_from_form(found, form),
            lambda stop: created(_("%(name)s has been added to the route.", name=stop.office.name),
                                 url_for("planning.route", route_id=found.id)),
        )  # fmt: skip
        if url is not None:
            return redirect(url)
    return unprocessable("planning/stop_new.html", route=found, form=form)


def insert_from_form(route: Route, form: StopForm) -> Stop:
    """Insert the stop the form describes, times read in its office's local time."""
    office = planning.find_office(form.region_code.data)
    receives = from_local(form.receives_date.data, form.receives_time.data, office.timezone)
    hands_over = None
    if form.hands_over_date.data or form.hands_over_time.data:
        if not (form.hands_over_date.data and form.hands_over_time.data):
            raise DomainError(_("Enter both the date and the time."), "hands_over_time")
        hands_over = from_local(
            form.hands_over_date.data, form.hands_over_time.data, office.timezone
        )
    try:
        return planning.insert_stop(
            route,
            actor=current_user,
            region_code=office.region_code,
            receives_at=receives,
            hands_over_at=hands_over,
            venue=form.venue.data or "",
            position=form.position.data,
        )
    except DomainError as error:
        # The service names the times; the form has a date and a time field for each.
        if error.field in ("receives", "hands_over"):
            error.field += "_date"
        raise


def load_stop(stop_id: int) -> Stop:
    """The stop with this id, or 404."""
    return db.get_or_404(Stop, stop_id)


def filled_stop_form(stop: Stop) -> StopDetailsForm:
    """The details form showing the stop as stored, opened at its version."""
    form = StopDetailsForm(formdata=None, obj=stop)
    form.open_at(stop.version)
    return form


@bp.route("/stops/<id:stop_id>", methods=["GET", "POST"])
@require(is_committee)
def edit_stop(stop_id: int):
    """Edit a stop's venue, contacts and notes (admins, organizers of its region)."""
    stop = load_stop(stop_id)
    if not can_edit_stop(current_user, stop):
        abort(403)
    form = StopDetailsForm() if request.method == "POST" else filled_stop_form(stop)
    if form.validate_on_submit():
        saved, _stop = run_edit(
            form,
            lambda: filled_stop_form(stop),
            stop.timezone,
            lambda: planning.update_stop_details(
                stop,
                actor=current_user,
                venue=form.venue.data or "",
                contacts=form.contacts.data or "",
                notes=form.notes.data or "",
                expected_version=form.expected_version(),
            ),
        )
        if saved:
            flash(_("The stop has been saved."), "success")
            return redirect(url_for("planning.route", route_id=stop.route_id))
    return unprocessable("planning/stop_details.html", stop=stop, form=form)


@bp.post("/stops/<id:stop_id>/move")
@require(can_plan_routes)
def move_stop(stop_id: int):
    """Move a stop one place up or down the route."""
    stop = load_stop(stop_id)
    form = ConfirmForm()
    route_id = stop.route_id
    direction = request.form.get("direction", "")
    if not form.validate_on_submit() or direction not in ("up", "down"):
        bad_request(_("Choose to move the stop up or down."))
    saved, _none = run_or_flash(lambda: planning.move_stop(stop, direction, actor=current_user))
    if saved:
        flash(_("The stops have changed places; their events moved with them."), "success")
    return redirect(url_for("planning.route", route_id=route_id))


@bp.route("/stops/<id:stop_id>/remove", methods=["GET", "POST"])
@require(can_plan_routes)
def remove_stop(stop_id: int):
    """Ask, then remove a stop from its route."""
    stop = load_stop(stop_id)
    form = ConfirmForm()
    route_id, name = stop.route_id, stop.office.name
    if form.validate_on_submit():
        saved, _none = run_or_show(form, lambda: planning.remove_stop(stop, actor=current_user))
        if saved:
            flash(_("%(name)s has been removed from the route.", name=name), "success")
            return redirect(url_for("planning.route", route_id=route_id))
    return unprocessable("planning/stop_remove.html", stop=stop, form=form)


def shift_delta(form: ShiftForm) -> timedelta:
    """The shift the form asks for."""
    unit = "days" if form.unit.data == "days" else "hours"
    return timedelta(**{unit: form.amount.data})


@bp.route("/stops/<id:stop_id>/shift", methods=["GET", "POST"])
@require(can_plan_routes)
def shift_stop(stop_id: int):
    """Shift a stop and everything after it: a preview first, then all or nothing."""
    stop = load_stop(stop_id)
    form = ShiftForm()
    plan = None
    if form.validate_on_submit():
        delta = shift_delta(form)
        confirmed = request.form.get("action") == "confirm"
        if confirmed:
            saved, plan = run_or_show(
                form,
                lambda: planning.apply_shift(
                    stop, delta, actor=current_user, basis=form.basis.data or ""
                ),
            )
        else:
            saved, plan = run_or_show(form, lambda: planning.plan_shift(stop, delta))
        if saved:
            if confirmed:
                flash(
                    _("%(stops)d stops and %(events)d events have been shifted.",
                      stops=len(plan.moves), events=len(plan.events)),
                    "success",
                )  # fmt: skip
                return redirect(url_for("planning.route", route_id=stop.route_id))
            form.basis.data = plan.basis
            return render_template("planning/stop_shift.html", stop=stop, form=form, plan=plan)
    return unprocessable("planning/stop_shift.html", stop=stop, form=form, plan=None)


@bp.route("/routes/<id:route_id>/import", methods=["GET", "POST"])
@require(can_plan_routes)
def import_stops(route_id: int):
    """Import a route's stops from a CSV file, all or nothing."""
    found = db.get_or_404(Route, route_id)
    form = ImportForm()
    rejected: list = []
    if form.validate_on_submit():

        def refused(error: DomainError) -> None:
            if isinstance(error, ImportRejected):
                rejected.extend(error.errors)
            show_domain_error(form, error)

        url = create_once(
            form, "route.import", current_user, clock.now(),
            lambda: import_upload(found, request.files.get("file")),
            lambda result: imported(found, result), refused,
        )  # fmt: skip
        if url is not None:
            return redirect(url)
    return unprocessable("planning/import.html", route=found, form=form, rejected=rejected)


def imported(route: Route, result) -> str:
    """Say what an import changed; where to go next."""
    flash(
        _("Imported: %(created)d stops added, %(updated)d changed, %(removed)d removed, "
          "%(unchanged)d unchanged.", created=len(result.created),
          updated=len(result.updated), removed=len(result.removed),
          unchanged=result.unchanged),
        "success",
    )  # fmt: skip
    return url_for("planning.route", route_id=route.id)


def import_upload(route: Route, upload) -> object:
    """Import the uploaded CSV file into the route (at most 512 KiB are read)."""
    if upload is None or not upload.filename:
        raise DomainError(_("Choose a CSV file."), "file")
    try:
        data = upload.read(512 * 1024 + 1)
    finally:
        upload.close()
    return import_route(route, data, actor=current_user)
