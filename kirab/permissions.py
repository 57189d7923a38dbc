"""Who may do what: predicates used by views, templates and tests alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from kirab.auth.models import ADMIN, OBSERVER, ORGANIZER


def region_in_scope(code: str, scopes: Iterable[str]) -> bool:
    """Whether region ``code`` lies in (or is) one of the ``scopes`` codes."""
    return any(code == scope or code.startswith(scope + ".") for scope in scopes)


def region_scope(user) -> list[str] | None:
    """The regions whose stops and records a user looks after: None for all of them.

    Admins and observers see every region and organizers their own; anyone
    else (party representatives, visitors) none.
    """
    role = _role(user)
    if role in (ADMIN, OBSERVER):
        return None
    return list(user.region_codes) if role == ORGANIZER else []


def in_scope(region_code: str, scope: list[str] | None) -> bool:
    """Whether ``region_code`` lies in a scope given by ``region_scope`` (None: every region)."""
    return scope is None or region_in_scope(region_code, scope)


def _role(user) -> str | None:
    """The role of an authenticated user, None for anonymous visitors."""
    return user.role if getattr(user, "is_authenticated", False) else None


def is_committee(user) -> bool:
    """Admins, organizers and observers see the committee's dashboard."""
    return _role(user) in (ADMIN, ORGANIZER, OBSERVER)


def can_manage_region(user, region_code: str) -> bool:
    """Admins manage every region; organizers the regions of their scope."""
    role = _role(user)
    if role == ADMIN:
        return True
    return role == ORGANIZER and region_in_scope(region_code, user.region_codes)


def can_view_event(user, event) -> bool:
    """The public sees published and cancelled events; the committee also drafts."""
    if event.is_public:
        return True
    if event.deleted_at is not None:
        return False
    return _role(user) == OBSERVER or can_manage_region(user, event.region.code)


def can_edit_event(user, event) -> bool:
    """Admins edit every event, organizers those of their regions."""
    return can_manage_region(user, event.region.code)


def can_manage_users(user) -> bool:
    """Only admins manage other users."""
    return _role(user) == ADMIN


def can_read_audit(user) -> bool:
    """Admins and observers read the audit log."""
    return _role(user) in (ADMIN, OBSERVER)


def can_plan_routes(user) -> bool:
    """Only admins plan relays, routes and stops: create, insert, remove, reorder, shift."""
    return _role(user) == ADMIN


def can_edit_stop(user, stop) -> bool:
    """Admins and the organizers of the host region edit a stop's venue, contacts and notes."""
    return can_manage_region(user, stop.region_code)


def can_record_handover(user, handover) -> bool:
    """Admins and the organizers of either office record a handover and upload its files."""
    return can_manage_region(user, handover.from_stop.region_code) or can_manage_region(
        user, handover.to_stop.region_code
    )


def can_view_handover(user) -> bool:
    """The committee and observers see handover records, berita acara and files."""
    return is_committee(user)


def require(predicate: Callable[..., bool]) -> Callable:
    """Decorate a view: log in first, then 403 unless ``predicate(user)`` holds."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can_see_planning(user, region_code: str) -> bool:
    """The planning pages of a stop: its organizers, admins and observers (read only)."""
    return _role(user) == OBSERVER or can_manage_region(user, region_code)


def can_record_attendance(user, event) -> bool:
    """Admins and the organizers of the event's region record its attendance."""
    return can_manage_region(user, event.region.code)


def can_read_attendance_in(user, region_code: str) -> bool:
    """Names and contacts of attendees: recorders of the region and observers."""
    return _role(user) == OBSERVER or can_manage_region(user, region_code)


def can_read_attendance(user, event) -> bool:
    """Who may see the names and contacts recorded at an event."""
    return can_read_attendance_in(user, event.region.code)


def can_read_all_attendance(user) -> bool:
    """Relay-wide attendance with names: admins and observers."""
    return _role(user) in (ADMIN, OBSERVER)


def can_erase_attendance(user) -> bool:
    """Admins and organizers delete a person's records on request."""
    return _role(user) in (ADMIN, ORGANIZER)
