"""The account page of notifications, one-click unsubscribe, and the admins' delivery log."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from kirab import clock
from kirab.database import db
from kirab.extensions import csrf
from kirab.notifications import receivers  # noqa: F401  (connects the outbox to change_recorded)
from kirab.notifications.forms import NotificationForm, UnsubscribeForm
from kirab.notifications.models import Delivery, DeliveryStatus
from kirab.notifications.services import preference_of, set_preferences
from kirab.notifications.unsubscribe import unsubscribe, user_for_unsubscribe
from kirab.permissions import can_manage_users, require
from kirab.transactions import run_or_show

bp = Blueprint("notifications", __name__)


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def account():
    """Choose how changes of the followed regions and invitations reach the person."""
    preference = preference_of(current_user)
    form = NotificationForm(
        data={
            "email_mode": preference.email_mode,
            "digest_hour": "" if preference.digest_hour is None else str(preference.digest_hour),
            "lang": preference.lang,
        }
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        hour = int(form.digest_hour.data) if form.digest_hour.data else None
        # The user itself, not the request's proxy: the audit log names the object by its type.
        user = current_user._get_current_object()
        saved, _none = run_or_show(
            form,
            lambda: set_preferences(
                user, email_mode=form.email_mode.data, digest_hour=hour,
                lang=form.lang.data, actor=current_user, now=clock.now(),
            ),
        )  # fmt: skip
        if saved:
            flash(_("Your notification choices are saved."), "success")
            return redirect(url_for("notifications.account"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "notifications/account.html", form=form, regions=current_user.region_codes
    ), status


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"], endpoint="unsubscribe")
@csrf.exempt  # RFC 8058: mail clients post the one click with no session and no token
def unsubscribe_page(token: str):
    """GET asks to confirm (link scanners only read); POST stops every mail, without login."""
    user = user_for_unsubscribe(token)
    if user is None:
        abort(404)
    done = False
    if request.method == "POST":
        unsubscribe(user, clock.now())
        done = True
    return render_template(
        "notifications/unsubscribe.html", form=UnsubscribeForm(), done=done, email=user.email
    )


@bp.get("/manage/notifications")
@require(can_manage_users)
def deliveries():
    """The admins' log: deliveries refused or waiting, newest first, and counts by status."""
    counts = dict(
        db.session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
    )
    troubled = db.session.execute(
        select(Delivery)
        .where(
            (Delivery.status == DeliveryStatus.FAILED)
            | ((Delivery.status == DeliveryStatus.PENDING) & (Delivery.attempts > 0))
        )
        .order_by(Delivery.id.desc())
        .limit(200)
    ).scalars().all()  # fmt: skip
    return render_template("notifications/deliveries.html", counts=counts, troubled=troubled)
