"""What the attendance area adds to an event's page.

The events area sits below attendance and may not import it, so its event
page asks for the attendance figure through a template global that this
area registers.
"""

from __future__ import annotations

from flask import Flask

from kirab.attendance.services import attendance_totals
from kirab.events.models import Event


def event_attendance_total(event: Event) -> int:
    """People at the event: those recorded by name plus the crowd counted."""
    return attendance_totals([event.id])[event.id]


def register_event_page(app: Flask) -> None:
    """Offer the attendance figure to the event page's template."""
    app.add_template_global(event_attendance_total, "event_attendance_total")
