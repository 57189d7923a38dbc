"""The one request path that saves: commit once after a request that succeeded, else roll back.

Views load, check access, validate and call services; services flush but
never commit. After the view has answered, ``finish_transaction`` commits
when the answer is a success (1xx to 3xx) and rolls back otherwise, so a
page that refuses (422), forbids (403) or fails (500) has stored nothing.
This follows Indico's request handler, which commits once at the end.

A save over a newer version of a record (the service's ``StaleEdit``, or
SQLAlchemy's ``StaleDataError`` when another request wrote the row between
this one's read and its flush) is refused like a broken rule, and the page
that shows it again answers 409 instead of 422.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response, flash, g
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from kirab.database import db
from kirab.editing import VersionedForm
from kirab.errors import (
    OUTAGES,
    DomainError,
    StaleEdit,
    outage_response,
    stale_edit_message,
    stale_response,
)
from kirab.forms import show_domain_error

T = TypeVar("T")


def register_transaction_handling(app: Flask) -> None:
    """Commit or roll back every request's session once, after its view answered.

    Registered after the app's other ``after_request`` functions, so it
    runs before them (Flask runs them in reverse): an answer it replaces
    (503 when the commit finds the database gone) still gets their headers.
    None of them writes to the database.
    """

    @app.after_request
    def finish_transaction(response: Response) -> Response:
        if response.status_code == 422 and g.get("stale_edit"):
            response.status_code = 409
        if response.status_code >= 400:
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except OUTAGES:
            return outage_response()
        except StaleDataError:
            return stale_response()
        return response


def run_service(
    action: Callable[[], T], on_refusal: Callable[[DomainError], object]
) -> tuple[bool, T | None]:
    """Run a service; on a broken rule, undo its changes at once and hand the error on.

    Returns whether it succeeded and what the service returned. The changes
    are rolled back before ``on_refusal`` runs, so the page that shows the
    error does not show them either.
    """
    try:
        return True, action()
    except StaleDataError:
        # Another request saved the row after this one read it: as stale as a StaleEdit.
        refusal: DomainError = StaleEdit(stale_edit_message())
    except DomainError as error:
        refusal = error
    db.session.rollback()
    if isinstance(refusal, StaleEdit):
        g.stale_edit = True
    on_refusal(refusal)
    return False, None


def run_or_show(form: FlaskForm, action: Callable[[], T]) -> tuple[bool, T | None]:
    """Run a service for a valid form; a broken rule's message goes on its field or the form."""
    return run_service(action, lambda error: show_domain_error(form, error))


def run_edit(
    form: VersionedForm,
    refilled: Callable[[], VersionedForm],
    timezone: str,
    action: Callable[[], T],
) -> tuple[bool, T | None]:
    """Run the service of an edit form opened at a version; a stale save is answered with 409.

    ``refilled`` builds the form anew from the record as it is now (after
    the rollback, the record reloads); the posted form then says what
    changed meanwhile and keeps the person's own changes. Other refusals go
    on their field as with ``run_or_show``.
    """

    def refuse(error: DomainError) -> None:
        if isinstance(error, StaleEdit):
            form.reconcile(refilled(), error, timezone)
        else:
            show_domain_error(form, error)

    return run_service(action, refuse)


def run_or_flash(action: Callable[[], T]) -> tuple[bool, T | None]:
    """Run a one-button service; a broken rule's message is flashed for the next page."""
    return run_service(action, lambda error: flash(error.message, "error"))


def first_writer_wins(attempt: Callable[[], T], resolve: Callable[[], T]) -> T:
    """Run a recording and write it now; if another request got there first, answer as it did.

    The database's unique constraints decide races: the loser's flush fails,
    it rolls back and ``resolve`` reads what the winner recorded (a retry of
    the same submission, or the same person from another phone).
    """
    try:
        outcome = attempt()
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        outcome = resolve()
    return outcome
