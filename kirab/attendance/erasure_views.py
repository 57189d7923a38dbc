"""Deleting a person's records at their request, found by name across the user's regions."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kirab.attendance.erasure import delete_records, records_of_person
from kirab.attendance.forms import DeleteForm
from kirab.attendance.pages import bp
from kirab.params import whole_number
from kirab.permissions import can_erase_attendance, region_scope, require
from kirab.transactions import run_or_show


@bp.route("/manage/attendance/erase", methods=["GET", "POST"])
@require(can_erase_attendance)
def erase():
    """Find a person's records by name and delete them at their request."""
    scope = region_scope(current_user)
    name = (request.args.get("name") or "").strip()[:120]
    form = DeleteForm()
    status = 200
    if request.method == "POST":
        name = (request.form.get("name") or "").strip()[:120]
        found = {entry.id: entry for entry in records_of_person(name, scope)}
        chosen = request.form.getlist("record")
        if form.validate_on_submit():
            if not chosen or any(whole_number(c) not in found for c in chosen):
                form.form_errors.append(_("Choose records of the person found below."))
            else:
                done, count = run_or_show(
                    form,
                    lambda: delete_records(
                        [found[whole_number(c)] for c in chosen],
                        actor=current_user,
                        reason=form.reason.data,
                    ),
                )
                if done:
                    flash(_("%(n)d records deleted.", n=count), "info")
                    return redirect(url_for("attendance.erase"))
        status = 422
    records = records_of_person(name, scope) if name else []
    return render_template("attendance/erase.html", form=form, name=name, records=records), status
