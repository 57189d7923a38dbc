"""Writing to the audit log."""

from __future__ import annotations

from typing import Any

from werkzeug.local import LocalProxy

from kirab.audit.models import AuditEntry
from kirab.database import db
from kirab.errors import StaleEdit, stale_edit_message


def _object_key(obj: Any) -> tuple[str, str]:
    """How the audit log names an object: its type and its id (or code).

    A proxy (Flask-Login's ``current_user``) is named as what it stands for:
    its own class name, "localproxy", says nothing of the object.
    """
    if isinstance(obj, LocalProxy):
        obj = obj._get_current_object()
    return type(obj).__name__.lower(), str(getattr(obj, "id", None) or getattr(obj, "code", ""))


def record(actor, action: str, obj: Any, **details: Any) -> AuditEntry:
    """Add an audit entry for ``action`` on ``obj`` by ``actor`` (a user or None)."""
    object_type, object_id = _object_key(obj)
    entry = AuditEntry(
        user_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type,
        object_id=object_id,
        details={key: _plain(value) for key, value in details.items()},
    )
    db.session.add(entry)
    return entry


def last_entry(obj: Any) -> AuditEntry | None:
    """The latest audit entry about ``obj``, if any."""
    object_type, object_id = _object_key(obj)
    return db.session.execute(
        db.select(AuditEntry)
        .where(AuditEntry.object_type == object_type, AuditEntry.object_id == object_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def check_version(obj: Any, expected_version: int | None) -> None:
    """Refuse an edit made from a form opened at an older version of ``obj``.

    ``None`` checks nothing (the CLI and the demo). The error names who
    saved the newer version and when, as the audit log tells it.
    """
    if expected_version is None or obj.version == expected_version:
        return
    entry = last_entry(obj)
    user = entry.user if entry is not None else None
    raise StaleEdit(
        stale_edit_message(),
        saved_by=(user.name or user.email) if user is not None else None,
        saved_at=entry.at if entry is not None else None,
    )


def _plain(value: Any) -> Any:
    """Make ``value`` storable as JSON (datetimes become ISO strings)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value
