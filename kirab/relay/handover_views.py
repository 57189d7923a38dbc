"""The handover pages of the planning blueprint: the record, its files, the berita acara.

Routes are added to ``planning_views.bp``, so endpoints stay "planning.*";
the app factory imports this module before registering the blueprint.
"""

from __future__ import annotations

from io import BytesIO

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from kirab import clock
from kirab.database import db
from kirab.errors import DomainError
from kirab.i18n import from_local, to_local
from kirab.permissions import can_record_handover, can_view_handover, require
from kirab.relay import handovers as handover_service
from kirab.relay.forms import HandoverForm, UploadForm
from kirab.relay.minutes import letterhead, minutes_number, place_and_date
from kirab.relay.models import Handover, HandoverFile
from kirab.relay.planning_views import bp
from kirab.relay.words import date_in_words
from kirab.storage import file_store
from kirab.submissions import create_once
from kirab.transactions import run_edit


def load_handover(handover_id: int) -> Handover:
    """The handover with this id, or 404."""
    return db.get_or_404(Handover, handover_id)


def handover_form(handover: Handover) -> HandoverForm:
    """The handover form: as posted, or filled from the record on a GET."""
    if request.method == "GET":
        return filled_handover_form(handover)
    form = HandoverForm()
    form.extra_values["items"] = ticked_items()
    return form


def ticked_items() -> list[str]:
    """The checklist items ticked in the posted form."""
    return sorted(set(request.form.getlist("items")))


def filled_handover_form(handover: Handover) -> HandoverForm:
    """The handover form showing the record as stored, opened at its version."""
    form = HandoverForm(formdata=None)
    zone = handover.to_stop.timezone
    if handover.actual_at:
        local = to_local(handover.actual_at, zone)
        form.actual_date.data, form.actual_time.data = local.date(), local.time()
    form.venue.data = handover.venue
    for key in ("giving_name", "giving_title", "receiving_name", "receiving_title"):
        getattr(form, key).data = (handover.signatories or {}).get(key, "")
    form.notes.data = handover.notes
    ticked = (handover.items or {}).items()
    form.extra_values["items"] = sorted(key for key, is_ticked in ticked if is_ticked)
    form.open_at(handover.version)
    return form


def render_handover(handover: Handover, form: HandoverForm, upload: UploadForm, status: int = 200):
    """The handover page with its form, checklist (as the form has it) and files."""
    items = form.extra_values.get("items")
    return render_template(
        "planning/handover.html",
        handover=handover,
        form=form,
        upload=upload,
        checklist=checklist_rows(handover, None if items is None else dict.fromkeys(items, True)),
        can_record=can_record_handover(current_user, handover),
    ), status


def checklist_rows(handover: Handover, ticked: dict | None = None) -> list[tuple[str, str, bool]]:
    """The checklist as (key, label, ticked) rows."""
    ticked = handover.items if ticked is None else ticked
    parties = {
        handover_service.party_key(p.number): p for p in handover_service.handover_parties(handover)
    }
    rows = []
    for key in handover_service.checklist_keys(handover):
        if key in parties:
            label = _("Flag of %(party)s (%(number)d)", party=parties[key].abbreviation,
                      number=parties[key].number)  # fmt: skip
        else:
            label = str(handover_service.ITEM_LABELS[key])
        rows.append((key, label, bool((ticked or {}).get(key))))
    return rows


@bp.route("/handovers/<id:handover_id>", methods=["GET", "POST"])
@require(can_view_handover)
def handover(handover_id: int):
    """A handover's record; those who may record it can change it."""
    found = load_handover(handover_id)
    form = handover_form(found)
    if request.method == "POST":
        if not can_record_handover(current_user, found):
            abort(403)
        if form.validate_on_submit():
            saved, _none = run_edit(
                form,
                lambda: filled_handover_form(found),
                found.to_stop.timezone,
                lambda: record_from_form(found, form),
            )
            if saved:
                flash(_("The handover has been saved."), "success")
                return redirect(url_for("planning.handover", handover_id=found.id))
        return render_handover(found, form, UploadForm(formdata=None), 422)
    return render_handover(found, form, UploadForm(formdata=None))


def record_from_form(found: Handover, form: HandoverForm) -> None:
    """Record the handover as the form describes it, its time in the receiving office's zone."""
    actual = None
    if form.actual_date.data or form.actual_time.data:
        if not (form.actual_date.data and form.actual_time.data):
            raise DomainError(_("Enter both the date and the time."), "actual_time")
        actual = from_local(form.actual_date.data, form.actual_time.data, found.to_stop.timezone)
    handover_service.record_handover(
        found,
        actor=current_user,
        actual_at=actual,
        venue=form.venue.data or "",
        items=dict.fromkeys(ticked_items(), True),
        signatories={key: getattr(form, key).data or "" for key in
                     ("giving_name", "giving_title", "receiving_name", "receiving_title")},
        notes=form.notes.data or "",
        expected_version=form.expected_version(),
    )  # fmt: skip


@bp.post("/handovers/<id:handover_id>/files")
@require(can_view_handover)
def upload_file(handover_id: int):
    """Keep the signed scan or a photo of a handover."""
    found = load_handover(handover_id)
    if not can_record_handover(current_user, found):
        abort(403)
    upload = UploadForm()
    if upload.validate_on_submit():
        url = create_once(
            upload,
            "handover.file",
            current_user,
            clock.now(),
            lambda: store_upload(found, upload),
            lambda _stored: uploaded(found),
        )
        if url is not None:
            return redirect(url)
    return render_handover(found, filled_handover_form(found), upload, 422)


def uploaded(found: Handover) -> str:
    """Say the file was kept; where to go next."""
    flash(_("The file has been uploaded."), "success")
    return url_for("planning.handover", handover_id=found.id)


def store_upload(found: Handover, upload: UploadForm) -> bool:
    """Keep the posted file of the upload form with the handover; whether it was stored."""
    posted = request.files.get("file")
    try:
        if posted is None or not posted.filename:
            raise DomainError(_("Choose a file to upload."), "file")
        return handover_service.store_file(
            found,
            actor=current_user,
            kind=upload.kind.data,
            filename=posted.filename,
            stream=posted.stream,
            store=file_store(current_app.config),
            max_bytes=current_app.config["UPLOAD_MAX_BYTES"],
        )
    finally:
        if posted is not None:
            posted.close()


@bp.get("/handover-files/<id:file_id>")
@require(can_view_handover)
def handover_file(file_id: int):
    """An uploaded file, to the committee only, never from the static folder."""
    upload = db.get_or_404(HandoverFile, file_id)
    content = file_store(current_app.config).get(handover_service.file_key(upload))
    if content is None:
        abort(404)
    response = send_file(
        BytesIO(content),
        mimetype=upload.content_type,
        as_attachment=upload.content_type == "application/pdf",
        download_name=upload.stored_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/handovers/<id:handover_id>/berita-acara")
@require(can_view_handover)
def berita_acara(handover_id: int):
    """The printable minutes of a handover, in Indonesian as the official form is."""
    found = load_handover(handover_id)
    zone = found.to_stop.timezone
    local = to_local(found.time, zone)
    with force_locale("id"):
        return render_template(
            "planning/berita_acara.html",
            handover=found,
            local=local,
            zone=zone,
            opening=date_in_words(local.date()),
            checklist=checklist_rows(found),
            number=minutes_number(found, local.date()),
            letterhead=letterhead(found),
            place_and_date=place_and_date(found, local.date()),
        )
