"""What the attendance pages share: their blueprint, and loading an event a user may see.

The pages themselves live in the ``*_views`` modules of this area, which all
register on this one blueprint, so their URLs and endpoint names are those
of a single "attendance" blueprint.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import BadRequest, Forbidden, NotFound

from kirab.attendance import services
from kirab.attendance.checkin import checkin_token
from kirab.attendance.forms import AttendeeForm, chosen_number
from kirab.attendance.identity import Outcome, idempotency_key
from kirab.attendance.models import AttendanceRecord
from kirab.database import db
from kirab.events.models import Event
from kirab.events.services import get_event
from kirab.i18n import local_time
from kirab.regions.forms import party_choices
from kirab.transactions import first_writer_wins
from kirab.urls import absolute_url

bp = Blueprint("attendance", __name__)


def refuse(status: int, message: str):
    """Stop with an error page that carries ``message``."""
    error = {400: BadRequest, 403: Forbidden, 404: NotFound}[status](message)
    error.kirab_message = message
    raise error


def load_event(event_id: int) -> Event:
    """An event that is not deleted, or 404."""
    event = get_event(event_id)
    if event is None or event.deleted_at is not None:
        abort(404)
    return event


def event_for(predicate: Callable, event_id: int) -> Event:
    """The event, when the user passes ``predicate`` for it (403 otherwise)."""
    event = load_event(event_id)
    if not predicate(current_user, event):
        abort(403)
    return event


def of_event(event: Event, model, item_id: int):
    """An expected guest or attendance record of this event, or 404 (also for another event's)."""
    item = db.session.get(model, item_id)
    if item is None or item.event_id != event.id:
        abort(404)
    return item


def with_parties(form):
    """Fill a form's party choices."""
    form.party.choices = party_choices()
    return form


def recorded_message(entry: AttendanceRecord) -> str:
    """What the organizer is told once a person is recorded (also on a retry)."""
    return _(
        "%(name)s is recorded (%(time)s).",
        name=entry.name,
        time=local_time(entry.recorded_at, entry.event.timezone),
    )


def checkin_url(event: Event) -> str:
    """The absolute self check-in link of an event, as its QR code carries it."""
    return absolute_url("attendance.checkin", event_id=event.id, token=checkin_token(event))


def record_person(
    form: AttendeeForm, event: Event, attempt: Callable[..., Outcome], *, public: bool = False
) -> Outcome:
    """Record the person a walk-in or self check-in form describes, once.

    ``attempt`` takes the person's fields and the submission key. When
    another request records the same submission or person at the same
    moment, the database lets one win and this one answers as it did.
    """
    person = {
        "name": form.name.data,
        "category": form.category.data,
        "party_number": chosen_number(form.party.data),
        "organisation": form.organisation.data or "",
        "contact": form.contact.data or "",
    }
    key = idempotency_key(form.idempotency_key.data)
    return first_writer_wins(
        lambda: attempt(key=key, **person),
        lambda: services.resolve_conflict(
            event,
            key,
            person["name"],
            person["party_number"],
            person["organisation"],
            public=public,
        ),
    )
