"""Refusals the events area answers the relay with: a stop may not leave its events behind.

Connected to the relay's signals in ``stop_moves.py``; each raises
DomainError to refuse the change the relay is about to make.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from kirab.database import db
from kirab.errors import DomainError
from kirab.events.advisories import stranded_events
from kirab.events.models import Event
from kirab.relay.models import Stop


def refuse_stranding(
    stop: Stop, receives_at: datetime, hands_over_at: datetime | None, field: str | None
) -> None:
    """Refuse a change of a stop's window that would leave events outside it."""
    stranded = stranded_events(stop, receives_at, hands_over_at)
    if stranded:
        raise DomainError(
            _(
                "%(office)s would no longer hold the flags during %(events)s; move or cancel "
                "these events first.",
                office=stop.office.name,
                events=", ".join(event.title for event in stranded[:5]),
            ),
            field,
        )


def refuse_removal(stop: Stop) -> None:
    """Refuse to remove a stop that has events, deleted ones included (they keep its id)."""
    if db.session.execute(db.select(Event.id).where(Event.stop_id == stop.id)).first():
        raise DomainError(
            _("%(name)s has events on its agenda; move or delete them first.",
              name=stop.office.name),
            None,
        )  # fmt: skip
