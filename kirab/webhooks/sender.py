"""Posting webhook deliveries: signed, retried with exponential backoff for a day.

An endpoint whose every attempt failed for a day is disabled, its pending
deliveries given up, and the admin who registered it told by e-mail.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from standardwebhooks import Webhook

from kirab import clock
from kirab.database import db, utcnow
from kirab.notifications import smtp
from kirab.notifications.outbox import claim
from kirab.webhooks.models import HookStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint

log = logging.getLogger("kirab.webhooks")

# Seconds to wait for an endpoint's answer.
TIMEOUT = 10
# Retries stop a day after the change, and an endpoint failing for a day is disabled.
GIVE_UP = timedelta(days=1)
LONGEST_WAIT = timedelta(hours=1)


def signed_headers(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt: its id, the time now, the signature."""
    moment = utcnow()  # the receiver checks it against its own clock: real time, not a test's
    signature = Webhook(endpoint.secret).sign(delivery.key, moment, delivery.payload)
    return {
        "webhook-id": delivery.key,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": "Kirab-Webhooks/1",
    }


def post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> tuple[int | None, str]:
    """POST the delivery once; the status code (None without an answer) and an error."""
    request = urllib.request.Request(  # noqa: S310 (the URL was checked: http or https only)
        endpoint.url, data=delivery.payload.encode("utf-8"),
        headers=signed_headers(endpoint, delivery), method="POST",
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310
            return answer.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except (OSError, ValueError) as error:
        return None, type(error).__name__


def retry_wait(attempts: int) -> timedelta:
    """Doubling waits from ``KIRAB_WEBHOOK_RETRY_SECONDS`` (30 s), at most an hour."""
    first = float(current_app.config.get("WEBHOOK_RETRY_SECONDS", 30))
    return min(timedelta(seconds=first * 2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def record_attempt(delivery: WebhookDelivery, now: datetime, code: int | None, error: str) -> None:
    """Log the attempt and decide what comes next for the delivery and its endpoint."""
    endpoint = delivery.endpoint
    db.session.add(WebhookAttempt(delivery_id=delivery.id, attempted_at=now, status_code=code,
                                  error=error[:500]))  # fmt: skip
    delivery.attempts += 1
    delivery.claimed_until = None
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.sent_at = HookStatus.SENT, now
        endpoint.failing_since = None
        return
    endpoint.failing_since = endpoint.failing_since or now
    if now - delivery.created_at >= GIVE_UP:
        delivery.status = HookStatus.FAILED
    else:
        delivery.next_attempt_at = now + retry_wait(delivery.attempts)
    if now - endpoint.failing_since >= GIVE_UP:
        disable(endpoint, now)


def disable(endpoint: WebhookEndpoint, now: datetime) -> None:
    """Stop an endpoint that failed for a day; its pending deliveries are given up."""
    endpoint.active = False
    endpoint.disabled_at = now
    db.session.execute(
        db.update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id,
               WebhookDelivery.status == HookStatus.PENDING)
        .values(status=HookStatus.FAILED)
    )  # fmt: skip
    log.warning("webhook endpoint %s (%s) disabled after a day of failures", endpoint.id,
                endpoint.url)  # fmt: skip
    tell_admin(endpoint)


def tell_admin(endpoint: WebhookEndpoint) -> None:
    """E-mail the admin who registered the endpoint; a mail server away is only logged."""
    admin = endpoint.created_by
    url = current_app.config.get("MAIL_URL")
    if admin is None or not url:
        return
    with force_locale("id"):
        message = EmailMessage()
        message["Subject"] = _("Kirab webhook disabled: %(url)s", url=endpoint.url)
        message["From"] = current_app.config.get("MAIL_FROM") or "kirab@localhost"
        message["To"] = admin.email
        message.set_content(_("Every delivery to %(url)s failed for a day, so it is disabled.",
                              url=endpoint.url))  # fmt: skip
    try:
        smtp.send(smtp.parse_mail_url(url), message)
    except (smtp.Refused, smtp.Unavailable, smtp.MailSettingError) as error:
        log.warning("could not tell the admin of webhook %s: %s", endpoint.id, error)


def send_due(limit: int = 50) -> int:
    """Post up to ``limit`` due deliveries, committing each; return how many were tried."""
    tried = 0
    while tried < limit:
        delivery = claim(clock.now(), WebhookDelivery)
        if delivery is None:
            db.session.commit()
            break
        if not delivery.endpoint.active:
            delivery.status, delivery.claimed_until = HookStatus.FAILED, None
        else:
            code, error = post(delivery.endpoint, delivery)
            record_attempt(delivery, clock.now(), code, error)
        db.session.commit()
        tried += 1
    return tried
