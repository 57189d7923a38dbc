"""Signed one-click unsubscribe links (RFC 8058): no login, no expiry, one person each."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from kirab.audit.services import record
from kirab.auth.models import User
from kirab.config import signing_keys
from kirab.database import db
from kirab.notifications.models import EmailMode, NotificationPreference

SALT = "kirab-unsubscribe"


def _serializer() -> URLSafeSerializer:
    """Signs with the current secret key, verifies with it and the fallbacks."""
    return URLSafeSerializer(signing_keys(current_app.config), salt=SALT)


def unsubscribe_token(user: User) -> str:
    """The token of a person's unsubscribe link: their id, signed."""
    return _serializer().dumps({"u": user.id})


def user_for_unsubscribe(token: str) -> User | None:
    """The person a token names, or None for a forged, damaged or foreign token."""
    if not token or len(token) > 200:
        return None
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    user_id = payload.get("u") if isinstance(payload, dict) else None
    if not isinstance(user_id, int):
        return None
    return db.session.get(User, user_id)


def unsubscribe(user: User, now: datetime) -> bool:
    """Stop every e-mail to the person; True when something changed."""
    preference = db.session.get(NotificationPreference, user.id)
    if preference is None or preference.email_mode == EmailMode.OFF:
        return False
    preference.email_mode = EmailMode.OFF
    preference.updated_at = now
    db.session.flush()
    record(None, "notifications.unsubscribe", user)
    return True
