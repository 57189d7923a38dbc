"""Writing to the audit log."""

from __future__ import annotations

from typing import Any

from kirab.audit.models import AuditEntry
from kirab.database import db


def record(actor, action: str, obj: Any, **details: Any) -> AuditEntry:
    """Add an audit entry for ``action`` on ``obj`` by ``actor`` (a user or None)."""
    entry = AuditEntry(
        user_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__name__.lower(),
        object_id=str(getattr(obj, "id", None) or getattr(obj, "code", "")),
        details={key: _plain(value) for key, value in details.items()},
    )
    db.session.add(entry)
    return entry


def _plain(value: Any) -> Any:
    """Make ``value`` storable as JSON (datetimes become ISO strings)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value
