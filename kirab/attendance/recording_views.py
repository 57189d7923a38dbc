"""The organizer's phone page: expected guests to tick off, walk-ins, headcounts, records."""

from __future__ import annotations

from functools import partial

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from kirab import clock
from kirab.attendance import erasure, guests, headcounts, recent, services
from kirab.attendance.forms import (
    ActionForm,
    AttendeeForm,
    DeleteForm,
    GuestForm,
    HeadcountForm,
    TickForm,
    category_label,
    chosen_number,
    method_label,
)
from kirab.attendance.identity import idempotency_key
from kirab.attendance.models import CATEGORIES, METHODS, AttendanceRecord, ExpectedGuest
from kirab.attendance.pages import (
    bp,
    checkin_url,
    event_for,
    of_event,
    record_person,
    recorded_message,
    with_parties,
)
from kirab.attendance.posts import remember_post, remembered_post
from kirab.events.models import CANCELLED, Event
from kirab.permissions import can_read_attendance, can_record_attendance
from kirab.qr import qr_svg
from kirab.submissions import create_once
from kirab.transactions import first_writer_wins, run_or_show, run_service

# The record id the page's record URLs are built with once, then written with each record's.
RECORD_PLACEHOLDER = 2**31 - 1


def page(event: Event, status: int = 200, **forms):
    """Render the attendance page of an event with its forms (fresh unless given)."""
    attendee_form = forms.get("attendee_form") or with_parties(AttendeeForm(formdata=None))
    guest_form = forms.get("guest_form") or with_parties(GuestForm(formdata=None))
    # The post this phone counts for, unless the counter asked to count for another one.
    post = "" if request.args.get("post") == "other" else remembered_post(event.id)
    headcount_form = forms.get("headcount_form")
    if headcount_form is None:
        headcount_form = HeadcountForm(formdata=None)
        headcount_form.counter.data = post
    query = (request.args.get("q") or "").strip()[:120]
    # The history is read first: when it holds every tally, the latest are picked from it.
    history = headcounts.tally_history(event)
    tallies = headcounts.latest_tallies_of(event, history, headcounts.HISTORY_LIMIT)
    recorder = can_record_attendance(current_user, event)
    url = checkin_url(event) if recorder else None
    return render_template(
        "attendance/event.html",
        event=event,
        expected=guests.expected_guests(event),
        records=recent.recent_records(event.id, event.timezone, query),
        named=services.named_totals([event.id]).get(event.id, 0),
        crowd=sum(tally.count for tally in tallies),
        tallies=tallies,
        history=history,
        history_limit=headcounts.HISTORY_LIMIT,
        post=post,
        query=query,
        recorder=recorder,
        # A cancelled event takes no new attendance (identity.check_recordable): no forms.
        recording=recorder and event.status != CANCELLED,
        checkin_url=url,
        qr=qr_svg(url, _("Self check-in code"), fit=True) if url else None,
        attendee_form=attendee_form,
        guest_form=guest_form,
        headcount_form=headcount_form,
        tick_form=forms.get("tick_form") or TickForm(formdata=None),
        tick_error=forms.get("tick_error"),
        action_form=ActionForm(formdata=None),
        delete_form=DeleteForm(formdata=None),
        recent_limit=recent.RECENT_LIMIT,
        # The records' labels and URLs are found once for the page, not once per record.
        categories={category: category_label(category) for category in CATEGORIES},
        methods={method: method_label(method) for method in METHODS},
        record_placeholder=RECORD_PLACEHOLDER,
    ), status


def back_to(event: Event, anchor: str):
    """Redirect to the event's attendance page at a section."""
    return redirect(url_for("attendance.event_page", event_id=event.id) + "#" + anchor)


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
        done, outcome = run_or_show(
            form,
            lambda: record_person(
                form, event, partial(services.record_attendance, event, actor=current_user)
            ),
        )
        if done:
            flash(recorded_message(outcome.record), "success")
            return back_to(event, "walk-in")
    return page(event, 422, attendee_form=form)


@bp.post("/events/<id:event_id>/attendance/tick")
@login_required
def tick(event_id: int):
    """Tick off an expected guest: a party representative or a listed official."""
    event = event_for(can_record_attendance, event_id)
    form = TickForm()
    if not form.validate_on_submit():
        return page(event, 422, tick_error=_("Please reload the page and try again."))

    def record():
        key = idempotency_key(form.idempotency_key.data)

        def resolve():
            guest = guests.expected_guest(event, form.guest.data)
            return services.resolve_conflict(
                event, key, guest.name, guest.party_number, guest.organisation
            )

        return first_writer_wins(
            lambda: guests.tick_off(event, form.guest.data, actor=current_user, key=key), resolve
        )

    refusals = []
    done, outcome = run_service(record, refusals.append)
    if not done:
        return page(event, 422, tick_error=refusals[0].message)
    flash(recorded_message(outcome.record), "success")
    return back_to(event, "expected")


@bp.post("/events/<id:event_id>/attendance/headcount")
@login_required
def headcount(event_id: int):
    """Keep a counter's current tally of a category of the crowd."""
    event = event_for(can_record_attendance, event_id)
    form = HeadcountForm()
    if form.validate_on_submit():

        def record():
            key = idempotency_key(form.idempotency_key.data)
            return first_writer_wins(
                lambda: headcounts.record_headcount(
                    event,
                    counter=form.counter.data,
                    category=form.category.data,
                    count=form.count_value(),
                    actor=current_user,
                    key=key,
                ),
                lambda: headcounts.resolve_headcount_conflict(event, key),
            )

        done, outcome = run_or_show(form, record)
        if done:
            tally = outcome.record
            remember_post(event.id, tally.counter)
            flash(
                _("%(counter)s: %(count)s counted.", counter=tally.counter, count=tally.count),
                "success",
            )
            return back_to(event, "headcount")
    return page(event, 422, headcount_form=form)


def listed(event: Event, guest) -> str:
    """Say an expected guest is listed; where to go next."""
    flash(_("%(name)s is on the list.", name=guest.name), "success")
    return url_for("attendance.event_page", event_id=event.id) + "#expected"


@bp.post("/events/<id:event_id>/attendance/guests")
@login_required
def add_guest(event_id: int):
    """List an official expected at the event."""
    event = event_for(can_record_attendance, event_id)
    form = with_parties(GuestForm())
    if form.validate_on_submit():
        url = create_once(
            form,
            "attendance.guest",
            current_user,
            clock.now(),
            lambda: first_writer_wins(
                lambda: guests.add_expected_guest(
                    event,
                    name=form.name.data,
                    category=form.category.data,
                    party_number=chosen_number(form.party.data),
                    organisation=form.organisation.data or "",
                    actor=current_user,
                ),
                guests.listed_meanwhile,
            ),
            lambda guest: listed(event, guest),
        )
        if url is not None:
            return redirect(url)
    return page(event, 422, guest_form=form)


@bp.post("/events/<id:event_id>/attendance/guests/<id:guest_id>/remove")
@login_required
def remove_guest(event_id: int, guest_id: int):
    """Take an official off the list of expected guests."""
    event = event_for(can_record_attendance, event_id)
    guest = of_event(event, ExpectedGuest, guest_id)
    if ActionForm().validate_on_submit():
        guests.remove_expected_guest(guest, actor=current_user)
        flash(_("%(name)s is off the list.", name=guest.name), "info")
    return back_to(event, "expected")


@bp.post("/events/<id:event_id>/attendance/records/<id:record_id>/confirm")
@login_required
def confirm(event_id: int, record_id: int):
    """Confirm the party a person declared at self check-in."""
    event = event_for(can_record_attendance, event_id)
    entry = of_event(event, AttendanceRecord, record_id)
    if ActionForm().validate_on_submit():
        done, _none = run_service(
            lambda: services.confirm_party(entry, actor=current_user),
            lambda error: flash(error.message, "info"),
        )
        if done:
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
        refusals = []
        done, _count = run_service(
            lambda: erasure.delete_records([entry], actor=current_user, reason=form.reason.data),
            refusals.append,
        )
        if not done:
            return page(event, 422, tick_error=refusals[0].message)
        flash(_("The record has been deleted."), "info")
    return back_to(event, "records")
