"""The worker that sends the outbox: ``flask --app kirab worker``.

It keeps running: it gathers due digests, sends what is due one delivery
at a time (each attempt committed on its own), and polls again after a
short pause when nothing is left. A database or mail server that is away
only delays: deliveries stay pending and go out when both are back.
"""

from __future__ import annotations

import logging
import time as wallclock
from collections.abc import Callable

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from kirab import clock
from kirab.database import db
from kirab.notifications import smtp
from kirab.notifications.digest import queue_digests
from kirab.notifications.mail import build_message
from kirab.notifications.models import Delivery, EmailMode, NotificationPreference
from kirab.notifications.outbox import (
    claim,
    mark_dropped,
    mark_for_retry,
    mark_refused,
    mark_sent,
)

log = logging.getLogger("kirab.notifications")

# Seconds between two looks at the outbox when it was empty.
POLL_SECONDS = 2.0


def wanted(delivery: Delivery) -> NotificationPreference | None:
    """The person's preference, if they still want mail at all."""
    preference = db.session.get(NotificationPreference, delivery.user_id)
    if not delivery.user.active or preference is None or preference.email_mode == EmailMode.OFF:
        return None
    return preference


def deliver(delivery: Delivery, server: smtp.MailServer, sender: str) -> None:
    """One attempt at one delivery; what happened is written on the row (not committed)."""
    now = clock.now()
    preference = wanted(delivery)
    if preference is None:
        mark_dropped(delivery, "no longer wanted")
        return
    try:
        message = build_message(delivery, preference.lang, sender)
    except Exception as error:  # one mail that cannot be built must not stop the others
        log.exception("mail %s could not be built", delivery.key)
        mark_for_retry(delivery, now, f"could not be built: {type(error).__name__}")
        return
    try:
        smtp.send(server, message)
    except smtp.Refused as error:
        mark_refused(delivery, now, str(error))
    except smtp.Unavailable as error:
        mark_for_retry(delivery, now, str(error))
    else:
        mark_sent(delivery, clock.now())
        log.info("mail %s sent to %s", delivery.key, delivery.user.email)


def send_due(server: smtp.MailServer, sender: str, limit: int = 50) -> int:
    """Send up to ``limit`` due deliveries, committing each; return how many were tried."""
    tried = 0
    while tried < limit:
        delivery = claim(clock.now())
        if delivery is None:
            db.session.commit()  # ends the claiming transaction (and any lock) on an empty outbox
            break
        deliver(delivery, server, sender)
        db.session.commit()
        tried += 1
    return tried


def one_round(server: smtp.MailServer, sender: str) -> int:
    """Gather due digests, then send what is due; return how many deliveries were tried."""
    queue_digests(clock.now())
    db.session.commit()
    return send_due(server, sender)


def mail_sender(app: Flask) -> str:
    """The From of every mail."""
    return app.config.get("MAIL_FROM") or "Kirab Pemilu <kirab@localhost>"


def run(
    app: Flask,
    rounds: list[Callable[[], int]],
    *,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """Run each round (mails, webhooks) in turn until ``stop()`` says so (never, for the command).

    Each round returns how many items it tried; when none tried any, the worker pauses.
    """
    poll = float(app.config.get("NOTIFY_POLL_SECONDS", POLL_SECONDS))
    while not stop():
        tried = 0
        for work in rounds:
            with app.app_context():
                try:
                    tried += work()
                except SQLAlchemyError as error:
                    db.session.rollback()
                    log.warning("the outbox cannot be read now: %s", type(error).__name__)
                finally:
                    db.session.remove()
        if not tried:
            wallclock.sleep(poll)


def configured_server(app: Flask) -> smtp.MailServer | None:
    """The mail server of ``KIRAB_MAIL_URL``, or None when it is not set."""
    url = app.config.get("MAIL_URL")
    return smtp.parse_mail_url(url) if url else None
