"""Forms that create something do so once: a submission key rendered with the form.

The server renders a fresh key into every form that creates something
(``SubmissionForm``; the browser may replace it with its own, see
static/js/submission-keys.js). The first post with a key records it with
where its answer led; a post with a key seen before, a double click or a
retry after a lost answer, creates nothing and is sent where the first one
was. A race between two posts of one key is decided by the key's primary key:
the loser rolls back and answers as the winner did.

Attendance records keep their key on the record itself (kirab/attendance);
everything else keeps it here.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from flask import flash
from flask_babel import gettext as _
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import HiddenField

from kirab.database import UTCDateTime, db
from kirab.errors import DomainError
from kirab.forms import KirabForm, show_domain_error
from kirab.transactions import first_writer_wins, run_service

T = TypeVar("T")
SUBMISSION_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# Keys older than this are forgotten: nobody retries a form a month later.
KEEP_DAYS = 30


class Submission(db.Model):
    """One accepted post of a creating form: its key, who sent it, where its answer led."""

    __tablename__ = "submissions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    user_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"))
    answer: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def new_submission_key() -> str:
    """A key for a form rendered by the server; the browser may replace it with its own."""
    return secrets.token_urlsafe(24)


def submission_key(value: str | None) -> str:
    """The key sent with a submission; one is made here when none was sent (an old page)."""
    value = (value or "").strip()
    if not value:
        return new_submission_key()
    if not SUBMISSION_KEY.match(value):
        raise DomainError(
            _("The form was damaged on the way. Please reload the page and try again."), None
        )
    return value


class SubmissionForm(KirabForm):
    """A form whose submission creates something once, however often it is sent."""

    idempotency_key = HiddenField(default=new_submission_key)


def _replayed(key: str, kind: str, actor) -> str:
    """Where the first post of ``key`` led; a key of another form or person is refused."""
    found = db.session.get(Submission, key)
    if found is None or found.kind != kind or found.user_id != getattr(actor, "id", None):
        raise DomainError(
            _("The form was damaged on the way. Please reload the page and try again."), None
        )
    flash(_("This form had been sent already: it was saved once, nothing more was made."), "info")
    return found.answer


def _claim(key: str, kind: str, actor, now: datetime) -> Submission:
    """Record the key; a second post of it waits at the flush until the first commits."""
    row = Submission(key=key, kind=kind, user_id=getattr(actor, "id", None), created_at=now)
    db.session.add(row)
    db.session.execute(
        db.delete(Submission).where(Submission.created_at < now - timedelta(days=KEEP_DAYS))
    )
    return row


def create_once(
    form: SubmissionForm,
    kind: str,
    actor,
    now: datetime,
    create: Callable[[], T],
    answer: Callable[[T], str],
    refuse: Callable[[DomainError], object] | None = None,
) -> str | None:
    """Run a creating service once per submission key; the URL to go to, or None if refused.

    ``create`` runs the service (a broken rule goes on the form as with
    ``run_or_show``, or to ``refuse``); ``answer`` gets its result, says what was made and
    returns where to go. A replayed key runs neither and returns the first
    post's destination.
    """

    def attempt() -> str:
        key = submission_key(form.idempotency_key.data)
        if db.session.get(Submission, key) is not None:
            return _replayed(key, kind, actor)
        row = first_writer_wins(lambda: _claim(key, kind, actor, now), lambda: None)
        if row is None:  # another post of this key was saved meanwhile
            return _replayed(key, kind, actor)
        row.answer = answer(create())[:500]
        return row.answer

    saved, url = run_service(attempt, refuse or (lambda error: show_domain_error(form, error)))
    return url if saved else None
