"""The domain error type and the error pages and JSON errors the app returns."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

from kirab.database import db


class DomainError(Exception):
    """A broken business rule, with a message for people and the field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def wants_json() -> bool:
    """Whether the failed request was for the API (JSON errors, never HTML)."""
    return request.path.startswith("/api/")


def wants_plain_text() -> bool:
    """Whether the failed request was for a calendar feed (never answered with HTML)."""
    return request.path.endswith(".ics")


def error_message(code: int) -> str:
    """A short explanation of an HTTP status for people."""
    messages = {
        400: _("The request could not be understood."),
        401: _("You need to log in to see this."),
        403: _("Your account does not have access to this page."),
        404: _("This page does not exist or is not public."),
        405: _("This action is not allowed here."),
        413: _("The upload is too large."),
        422: _("Some of the input is not valid."),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _("Something went wrong on our side. Please try again later."),
    }
    return messages.get(code, _("Something went wrong."))


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
        response = make_response(_respond(code, message))
        for name, value in error.get_headers():
            if name in ("Allow", "Retry-After"):
                response.headers[name] = value
        return response

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        # The failed request may have left the session unusable for the error page.
        db.session.rollback()
        return _respond(500, error_message(500))


def bad_request(message: str):
    """Raise a 400 whose message reaches the client (API and pages alike)."""
    error = BadRequest(message)
    error.kirab_message = message
    raise error
