"""The domain error type and the error pages and JSON errors the app returns."""

from __future__ import annotations

import math
import time
from datetime import datetime, timedelta

from flask import Flask, g, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError, NotFound

from kirab.database import db
from kirab.extensions import limiter
from kirab.i18n import duration

# Failures that mean the database is away, stalled or overloaded, not that the request was wrong.
OUTAGES = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError, exc.DisconnectionError)
# Seconds a client is asked to wait before trying again during an outage.
RETRY_AFTER = 30


class DomainError(Exception):
    """A broken business rule, with a message for people and the field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class StaleEdit(DomainError):
    """An edit made over a newer version of the record: someone else saved it meanwhile.

    The request path answers it with 409. ``saved_by`` and ``saved_at`` say
    who saved the newer version and when, where the audit log knows.
    """

    def __init__(
        self,
        message: str,
        field: str | None = None,
        *,
        saved_by: str | None = None,
        saved_at: datetime | None = None,
    ):
        super().__init__(message, field)
        self.saved_by = saved_by
        self.saved_at = saved_at


class StorageUnavailable(DomainError):
    """The file storage (S3-compatible) failed or did not answer in time: not the request's fault.

    On an upload form it is the file field's message; anywhere else the app
    answers 503 with Retry-After. ``detail`` says what failed, for the log.
    """

    def __init__(self, detail: str):
        super().__init__(storage_outage_message(), "file")
        self.detail = detail


def storage_outage_message() -> str:
    """What people are told while the file storage is away."""
    return _("Kirab cannot reach its file storage right now. Please try again in a moment.")


def stale_edit_message() -> str:
    """What a person is told when someone else saved the record after they opened it."""
    return _("Someone else saved this after you opened it, so your changes were not saved.")


def wants_json() -> bool:
    """Whether the failed request was for the API (JSON errors, never HTML)."""
    return request.path.startswith("/api/")


def wants_plain_text() -> bool:
    """Whether the failed request was for a calendar or Atom feed (never answered with HTML)."""
    return request.path.endswith((".ics", ".atom"))


def error_message(code: int) -> str:
    """A short explanation of an HTTP status for people."""
    messages = {
        400: _("The request could not be understood."),
        401: _("You need to log in to see this."),
        403: _("Your account does not have access to this page."),
        404: _("This page does not exist or is not public."),
        405: _("This action is not allowed here."),
        409: stale_edit_message(),
        413: _("The upload is too large."),
        422: _("Some of the input is not valid."),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Please try again later."),
        503: _("Kirab cannot reach its database right now. Please try again in a moment."),
    }
    return messages.get(code, _("Something went wrong."))


def seconds_to_wait() -> int | None:
    """Whole seconds until the rate limit this request broke lets it through again."""
    breached = limiter.current_limit
    if breached is None:
        return None
    return max(1, math.ceil(breached.reset_at - time.time()))


def _respond(code: int, message: str):
    """Render an error as JSON, plain text or an HTML page, as the path requires."""
    if wants_json():
        return jsonify(error={"status": code, "message": message}), code
    if wants_plain_text():
        return message + "\n", code, {"Content-Type": "text/plain; charset=utf-8"}
    return render_template("errors/error.html", code=code, message=message), code


def register_error_handlers(app: Flask) -> None:
    """Install handlers so every error speaks the client's format and language."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _respond(
            400,
            _("The form expired or was sent from elsewhere. Please reload the page and try again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        # Our own aborts carry a message for people; werkzeug's defaults are English.
        message = getattr(error, "kirab_message", None) or error_message(code)
        wait = seconds_to_wait() if code == 429 else None
        if wait is not None:
            message = _(
                "Too many attempts. Please wait %(wait)s and try again.",
                wait=duration(timedelta(seconds=wait)),
            )
        response = make_response(_respond(code, message))
        for name, value in error.get_headers():
            if name in ("Allow", "Retry-After"):
                response.headers[name] = value
        if wait is not None:
            response.headers["Retry-After"] = str(wait)
        return response

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        if isinstance(error.original_exception, OUTAGES):
            return outage_response()
        # The failed request may have left the session unusable for the error page.
        db.session.rollback()
        return _respond(500, error_message(500))

    @app.errorhandler(StaleDataError)
    def stale_data(error: StaleDataError):
        # A flush outside a service call (the services' own are answered on their form).
        return stale_response()

    @app.errorhandler(StorageUnavailable)
    def storage_away(error: StorageUnavailable):
        app.logger.warning("File storage unavailable: %s", error.detail)
        discard_session()
        response = make_response(_respond(503, error.message))
        response.headers["Retry-After"] = str(RETRY_AFTER)
        response.headers["Cache-Control"] = "no-store"
        return response

    for outage in OUTAGES:
        app.register_error_handler(outage, lambda error: outage_response())


def discard_session() -> None:
    """End the request's transaction without waiting on a server that may not answer."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 (the connection is gone; drop it unasked)
        db.session.invalidate()


def outage_response():
    """503 with Retry-After, in the visitor's language and format, built without the database.

    Whoever is logged in is shown the page as a visitor: loading them would
    need the database that just failed.
    """
    discard_session()
    g._login_user = AnonymousUserMixin()
    response = make_response(_respond(503, error_message(503)))
    response.headers["Retry-After"] = str(RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response


def stale_response():
    """409 for a write that found its row saved by another request since it was read."""
    discard_session()
    return make_response(_respond(409, error_message(409)))


def not_found(message: str):
    """Raise a 404 whose message reaches the client (API and pages alike)."""
    error = NotFound(message)
    error.kirab_message = message
    raise error


def bad_request(message: str):
    """Raise a 400 whose message reaches the client (API and pages alike)."""
    error = BadRequest(message)
    error.kirab_message = message
    raise error
