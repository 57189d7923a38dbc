"""Personal feed tokens: random, shown once, kept only as a hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask_babel import gettext as _

from kirab.audit.services import record
from kirab.auth.models import User
from kirab.auth.signals import user_deactivated
from kirab.database import db
from kirab.errors import DomainError
from kirab.feeds.models import FeedToken

# 32 random bytes (256 bits), URL-safe: 43 characters.
TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    """The stored form of a token. One fast hash suffices: the token is random, not chosen."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def feed_token_of(user: User) -> FeedToken | None:
    """The user's personal feed, if one was created."""
    return db.session.get(FeedToken, user.id)


def issue_token(user: User, *, actor, now: datetime, confirmed: bool = True) -> str:
    """Create or reset the user's personal feed; return the new token, to be shown once.

    A reset replaces the hash, so every subscription to the old address stops: it is
    refused unless ``confirmed`` (the web form's box; the CLI command is itself the
    confirmation). A first feed needs no confirmation.
    """
    existing = feed_token_of(user)
    if existing is not None and not confirmed:
        raise DomainError(_("Tick the box to confirm the reset."), "confirm")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    if existing is None:
        db.session.add(FeedToken(user_id=user.id, token_hash=token_hash(token), created_at=now))
        action = "feed.create"
    else:
        existing.token_hash = token_hash(token)
        existing.created_at = now
        action = "feed.reset"
    db.session.flush()
    record(actor, action, user)
    return token


def revoke_token(user: User) -> None:
    """End the user's personal feed (on deactivation)."""
    existing = feed_token_of(user)
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()


# Connected when this module is imported: the feeds blueprint (views.py), which the app
# factory registers, imports it, so every app (web, CLI, tests) ends feeds on deactivation.
@user_deactivated.connect
def end_feed_of_deactivated_user(user: User, **_details) -> None:
    """A deactivated account's personal feed ends for good; a new one must be made."""
    revoke_token(user)


def user_for_token(token: str) -> User | None:
    """The active user whose personal feed this token opens, or None."""
    if not token or len(token) > 128:
        return None
    user = db.session.execute(
        db.select(User).join(FeedToken, FeedToken.user_id == User.id)
        .where(FeedToken.token_hash == token_hash(token))
    ).scalar_one_or_none()  # fmt: skip
    if user is None or not user.active:
        return None
    return user
