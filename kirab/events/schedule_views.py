"""The committee's pages for scheduling a stop's events (``/manage/...``)."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from kirab import clock
from kirab.database import db
from kirab.events import scheduling
from kirab.events.advisories import (
    dapil_without_parade,
    events_outside_stop,
    identical_events,
    missing_before_publishing,
    programme_advice,
    venue_clashes,
)
from kirab.events.forms import (
    ActionForm,
    CancelForm,
    DeleteForm,
    DuplicateForm,
    EventEditForm,
    EventForm,
    NewEventForm,
    ProgrammeForm,
)
from kirab.events.models import Event
from kirab.events.venues import venues_of
from kirab.permissions import can_manage_region, can_see_planning
from kirab.regions.forms import party_choices
from kirab.regions.models import Dapil, Office, Region
from kirab.relay.models import Stop
from kirab.submissions import create_once
from kirab.transactions import run_edit, run_or_flash, run_or_show

bp = Blueprint("schedule", __name__, url_prefix="/manage")


def load_stop(stop_id: int, *, edit: bool) -> Stop:
    """The stop, or 404; 403 unless the user may see (or, with ``edit``, change) it."""
    stop = db.session.execute(
        db.select(Stop)
        .where(Stop.id == stop_id)
        .options(joinedload(Stop.office).joinedload(Office.region), joinedload(Stop.route))
    ).scalar_one_or_none()
    if stop is None:
        abort(404)
    allowed = can_manage_region if edit else can_see_planning
    if not allowed(current_user, stop.office.region_code):
        abort(403)
    return stop


def load_event(event_id: int) -> Event:
    """An event the user may change, or 404/403."""
    event = db.session.get(Event, event_id)
    if event is None or event.deleted_at is not None:
        abort(404)
    if not can_manage_region(current_user, event.stop.office.region_code):
        abort(403)
    return event


def set_choices(form: EventForm, stop: Stop) -> None:
    """Offer the dapil, kecamatan and parties of the stop's region."""
    code = stop.office.region_code
    dapil = db.session.execute(
        db.select(Dapil)
        .where(or_(Dapil.region_code == code, Dapil.region_code.like(code + ".%")))
        .order_by(Dapil.region_code, Dapil.number)
    ).scalars()
    form.dapil_id.choices = [SelectChoice("", _("(none)"))] + [
        SelectChoice(str(d.id), d.name) for d in dapil
    ]
    kecamatan = db.session.execute(
        db.select(Region).where(Region.level == "district", Region.code.like(code + ".%"))
        .order_by(Region.name)
    ).scalars()  # fmt: skip
    form.district_codes.choices = [SelectChoice(r.code, r.name) for r in kecamatan]
    form.party_numbers.choices = party_choices(blank=False)


def warn_of_clashes(event: Event) -> None:
    """Tell the planner, after saving, when the event shares its venue and time with another."""
    for first, second in venue_clashes(event.stop):
        if event.id in (first.id, second.id):
            other = second if first.id == event.id else first
            flash(
                _("%(first)s and %(second)s are at %(venue)s at the same time.",
                  first=event.title, second=other.title, venue=event.venue_name),
                "warning",
            )  # fmt: skip


def filled_event_form(event: Event, form: EventEditForm | None = None) -> EventEditForm:
    """The edit form showing the event as stored, opened at its version."""
    form = EventEditForm(formdata=None) if form is None else form
    form.fill(scheduling.EventData.of(event), event.stop.timezone)
    form.open_at(event.version)
    return form


def render_event_form(form: EventForm, stop: Stop, event: Event | None, status: int):
    """The event form page with the venues kept for the region."""
    venues = venues_of(stop.office.region_code)
    return render_template(
        "schedule/event_form.html", form=form, stop=stop, event=event, venues=venues
    ), status


@bp.get("/stops/<id:stop_id>/events")
@login_required
def stop(stop_id: int):
    """A stop's events (every status) with the warnings planners should see."""
    stop = load_stop(stop_id, edit=False)
    events = list(
        db.session.execute(
            db.select(Event)
            .where(Event.stop_id == stop.id, Event.deleted_at.is_(None))
            .options(joinedload(Event.dapil), selectinload(Event.districts))
            .order_by(Event.starts_at, Event.id)
        ).scalars()
    )
    return render_template(
        "schedule/stop.html",
        stop=stop,
        events=events,
        clashes=venue_clashes(stop),
        twins=identical_events(stop),
        outside=events_outside_stop(stop),
        missing_dapil=dapil_without_parade(stop),
        can_edit=can_manage_region(current_user, stop.office.region_code),
        action_form=ActionForm(),
    )


@bp.route("/stops/<id:stop_id>/events/new", methods=["GET", "POST"])
@login_required
def new_event(stop_id: int):
    """Add a draft event to a stop."""
    stop = load_stop(stop_id, edit=True)
    form = NewEventForm()
    set_choices(form, stop)
    if request.method == "GET":
        form.starts_at.data = form.ends_at.data = None
    if form.validate_on_submit():
        now = clock.now()
        url = create_once(
            form,
            "event.new",
            current_user,
            now,
            lambda: scheduling.create_event(
                stop, form.to_data(stop.timezone), actor=current_user, now=now
            ),
            lambda event: created_event(stop, event),
        )
        if url is not None:
            return redirect(url)
    return render_event_form(form, stop, None, 422 if request.method == "POST" else 200)


def created_event(stop: Stop, event: Event) -> str:
    """Say a new draft was saved, with its warnings; where to go next (its stop)."""
    flash(_("The draft %(title)s has been saved.", title=event.title), "success")
    warn_of_clashes(event)
    warn_of_twins([event])
    return url_for("schedule.stop", stop_id=stop.id)


def warn_of_twins(events: list[Event]) -> None:
    """Tell the planner when a new event repeats one of the stop (stop, kind, dapil, times)."""
    ids = {event.id for event in events}
    for first, second in identical_events(events[0].stop) if events else []:
        if first.id in ids or second.id in ids:
            flash(
                _("%(first)s and %(second)s are the same event: same kind, dapil and time.",
                  first=first.title, second=second.title),
                "warning",
            )  # fmt: skip


@bp.route("/events/<id:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit_event(event_id: int):
    """Change an event's details."""
    event = load_event(event_id)
    stop = event.stop
    form = EventEditForm()
    set_choices(form, stop)
    if request.method == "GET":
        filled_event_form(event, form)
    if form.validate_on_submit():
        saved, _event = run_edit(
            form,
            lambda: filled_event_form(event),
            stop.timezone,
            lambda: scheduling.update_event(
                event,
                form.to_data(stop.timezone),
                actor=current_user,
                now=clock.now(),
                expected_version=form.expected_version(),
            ),
        )
        if saved:
            flash(_("%(title)s has been saved.", title=event.title), "success")
            warn_of_clashes(event)
            return redirect(url_for("schedule.stop", stop_id=stop.id))
    return render_event_form(form, stop, event, 422 if request.method == "POST" else 200)


def event_action(event_id: int, action, message: str):
    """Run a one-button action on an event, then go back to its stop."""
    event = load_event(event_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    saved, result = run_or_flash(lambda: action(event, actor=current_user, now=clock.now()))
    if saved:
        flash(message % {"title": (result or event).title}, "success")
    return redirect(url_for("schedule.stop", stop_id=event.stop_id))


@bp.post("/events/<id:event_id>/publish")
@login_required
def publish_event(event_id: int):
    """Publish a draft."""
    return event_action(event_id, scheduling.publish_event, _("%(title)s is published."))


@bp.post("/events/<id:event_id>/duplicate")
@login_required
def duplicate_event(event_id: int):
    """Copy an event into a new draft, once per press of the button (its submission key)."""
    event = load_event(event_id)
    form = DuplicateForm()
    if not form.validate_on_submit():
        abort(400)
    back = url_for("schedule.stop", stop_id=event.stop_id)
    url = create_once(
        form, "event.duplicate", current_user, clock.now(),
        lambda: scheduling.duplicate_event(event, actor=current_user, now=clock.now()),
        lambda copy: flash(_("A draft copy of %(title)s has been made.", title=event.title),
                           "success") or back,
        lambda error: flash(error.message, "error"),
    )  # fmt: skip
    return redirect(url or back)


def confirmed_change(event: Event, form, template: str, action, done: str):
    """The confirmation page of a change to ``event``, and its confirmed POST.

    A valid POST runs ``action``; done, it says ``done`` on the stop's page. A POST that is
    not confirmed, or a change the rules refuse, shows the page again with the reason (422).
    """
    if form.validate_on_submit():
        saved, _result = run_or_show(form, action)
        if saved:
            flash(done, "success")
            return redirect(url_for("schedule.stop", stop_id=event.stop_id))
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, event=event), status


@bp.route("/events/<id:event_id>/delete", methods=["GET", "POST"])
@login_required
def delete_event(event_id: int):
    """Delete a draft, once a ticked box confirms it."""
    event = load_event(event_id)
    return confirmed_change(
        event, DeleteForm(), "schedule/delete.html",
        lambda: scheduling.delete_event(event, actor=current_user, now=clock.now()),
        _("%(title)s has been deleted.", title=event.title),
    )  # fmt: skip


@bp.post("/events/<id:event_id>/withdraw")
@login_required
def withdraw_event(event_id: int):
    """Take a published or cancelled event back from the agenda, as a draft."""
    return event_action(event_id, scheduling.withdraw_event,
                        _("%(title)s has been taken off the agenda."))  # fmt: skip


@bp.route("/events/<id:event_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_event(event_id: int):
    """Cancel a published event with a reason."""
    event = load_event(event_id)
    form = CancelForm()
    return confirmed_change(
        event, form, "schedule/cancel.html",
        lambda: scheduling.cancel_event(event, form.reason.data, actor=current_user,
                                        now=clock.now()),
        _("%(title)s is cancelled.", title=event.title),
    )  # fmt: skip


@bp.post("/stops/<id:stop_id>/publish")
@login_required
def publish_drafts(stop_id: int):
    """Publish every draft of a stop at once."""
    stop = load_stop(stop_id, edit=True)
    if not ActionForm().validate_on_submit():
        abort(400)
    saved, published = run_or_flash(
        lambda: scheduling.publish_drafts(stop, actor=current_user, now=clock.now())
    )
    if saved:
        flash(_("%(n)d drafts published.", n=len(published)), "success")
        warn_of_missing(stop, published)
    return redirect(url_for("schedule.stop", stop_id=stop.id))


def warn_of_missing(stop: Stop, published: list[Event]) -> None:
    """Name what the published drafts still lack: venues, and dapil without a parade."""
    no_venue, no_parade = missing_before_publishing(stop, published)
    if no_venue:
        flash(
            _("Published without a venue: %(events)s.",
              events=", ".join(event.title for event in no_venue)),
            "warning",
        )  # fmt: skip
    if no_parade:
        flash(
            _("No parade yet in: %(dapil)s.", dapil=", ".join(d.name for d in no_parade)),
            "warning",
        )


def created_programme(stop: Stop, events: list[Event]) -> str:
    """Say how many drafts the programme made, with its warnings; where to go next."""
    flash(_("%(n)d drafts created.", n=len(events)), "success")
    warn_of_twins(events)
    return url_for("schedule.stop", stop_id=stop.id)


@bp.route("/stops/<id:stop_id>/programme", methods=["GET", "POST"])
@login_required
def programme(stop_id: int):
    """One event per dapil over days of the stop: preview first, then create drafts."""
    stop = load_stop(stop_id, edit=True)
    form = ProgrammeForm()
    dapil = list(
        db.session.execute(
            db.select(Dapil).where(Dapil.region_code == stop.office.region_code)
            .order_by(Dapil.number)
        ).scalars()
    )  # fmt: skip
    form.dapil_ids.choices = [SelectChoice(str(d.id), d.name) for d in dapil]
    if request.method == "GET":
        form.dapil_ids.data = [str(d.id) for d in dapil]
    preview = advice = None
    venues = {d.id: request.form.get(f"venue-{d.id}", "") for d in dapil}
    if form.validate_on_submit():
        spec = replace(form.to_spec(), venues=venues)
        if request.form.get("confirm") == "1":
            now = clock.now()
            url = create_once(
                form,
                "event.programme",
                current_user,
                now,
                lambda: scheduling.create_programme(stop, spec, actor=current_user, now=now),
                lambda events: created_programme(stop, events),
            )
            if url is not None:
                return redirect(url)
        else:
            _saved, preview = run_or_show(form, lambda: scheduling.plan_programme(stop, spec))
            advice = programme_advice(stop, preview) if preview else None
    status = 422 if request.method == "POST" and preview is None else 200
    return render_template(
        "schedule/programme.html", form=form, stop=stop, preview=preview, dapil=dapil,
        advice=advice, venues=venues, known_venues=venues_of(stop.office.region_code),
    ), status  # fmt: skip
