"""The admins' pages of webhooks: endpoints, their delivery logs, and redelivery."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from kirab import clock
from kirab.database import db
from kirab.permissions import can_manage_users, require
from kirab.submissions import create_once
from kirab.transactions import run_or_flash
from kirab.webhooks import receivers  # noqa: F401  (connects the webhooks to change_recorded)
from kirab.webhooks.forms import EndpointForm, RedeliverForm
from kirab.webhooks.models import WebhookDelivery, WebhookEndpoint
from kirab.webhooks.services import add_endpoint, redeliver

bp = Blueprint("webhooks", __name__)


@bp.route("/manage/webhooks", methods=["GET", "POST"])
@require(can_manage_users)
def endpoints():
    """Registered endpoints, and the form that adds one (its secret shown once)."""
    form = EndpointForm()
    secret = None
    status = 200
    if form.validate_on_submit():
        made: list[str] = []
        # A repeated post creates nothing and goes to the list: the secret was shown with
        # the first answer only, and a second endpoint would bring a second secret.
        url = create_once(
            form, "webhook.new", current_user, clock.now(),
            lambda: add_endpoint(form.url.data, (form.regions.data or "").split(),
                                 actor=current_user, now=clock.now()),
            lambda created: made.append(created[1]) or url_for("webhooks.endpoints"),
        )  # fmt: skip
        if url is None:
            status = 422
        elif not made:
            flash(_("Its signing secret was shown only with the first answer."), "info")
            return redirect(url)
        else:
            secret = made[0]
    elif request.method == "POST":
        status = 422
    listed = db.session.execute(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).scalars()
    return render_template(
        "webhooks/endpoints.html", form=form, endpoints=list(listed), secret=secret
    ), status


@bp.get("/manage/webhooks/<int:endpoint_id>")
@require(can_manage_users)
def endpoint(endpoint_id: int):
    """An endpoint's deliveries, newest first, each with every attempt."""
    found = db.session.get(WebhookEndpoint, endpoint_id) or abort(404)
    deliveries = db.session.execute(
        select(WebhookDelivery).where(WebhookDelivery.endpoint_id == found.id)
        .order_by(WebhookDelivery.id.desc()).limit(100)
    ).scalars().all()  # fmt: skip
    return render_template(
        "webhooks/endpoint.html", endpoint=found, deliveries=deliveries, form=RedeliverForm()
    )


@bp.post("/manage/webhooks/deliveries/<int:delivery_id>/redeliver")
@require(can_manage_users)
def redeliver_delivery(delivery_id: int):
    """Send a delivery again, with the same ``webhook-id``."""
    delivery = db.session.get(WebhookDelivery, delivery_id) or abort(404)
    if not RedeliverForm().validate_on_submit():
        abort(400)
    if run_or_flash(lambda: redeliver(delivery, actor=current_user, now=clock.now()))[0]:
        flash(_("The delivery is sent again soon, with the same id."), "success")
    return redirect(url_for("webhooks.endpoint", endpoint_id=delivery.endpoint_id))
