"""Login sessions kept in the database: started at login, checked on each request, ended at logout.

The session cookie is signed but lives with the browser; a copy taken
before logout would otherwise stay good. Each login therefore gets a row
here, and a request is logged in only while its row is open and within
the idle and absolute lifetimes. The row lives in the database, not in
Redis, so logging in works while Redis is away.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_

from kirab.auth.models import LoginSession, User
from kirab.database import db

# "Last seen" moves on at most this often: a request within it writes nothing.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Lifetimes:
    """How long a session lasts unused (idle) and at most (absolute)."""

    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_config(cls, config) -> Lifetimes:
        """The lifetimes configured as ``SESSION_IDLE_MINUTES`` and ``SESSION_MAX_HOURS``."""
        return cls(
            idle=timedelta(minutes=float(config["SESSION_IDLE_MINUTES"])),
            absolute=timedelta(hours=float(config["SESSION_MAX_HOURS"])),
        )


def token_hash(token: str) -> str:
    """The hash under which a session's token is kept."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_login_session(user: User, *, now: datetime, lifetimes: Lifetimes) -> str:
    """Open a session for ``user`` and return the token its cookie carries.

    The user's sessions that ended or ran out are deleted on the way, so
    the table holds little more than the sessions in use.
    """
    db.session.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user.id,
            or_(
                LoginSession.ended_at.is_not(None),
                LoginSession.last_seen_at < now - lifetimes.idle,
                LoginSession.created_at < now - lifetimes.absolute,
            ),
        )
    )
    token = secrets.token_urlsafe(32)
    login = LoginSession(token_hash=token_hash(token), user_id=user.id, created_at=now)
    login.last_seen_at = now
    db.session.add(login)
    db.session.flush()
    return token


def _session_of(token: object) -> LoginSession | None:
    """The session a token names, or None (also for anything but a string)."""
    if not isinstance(token, str) or not token:
        return None
    return db.session.execute(
        db.select(LoginSession).where(LoginSession.token_hash == token_hash(token))
    ).scalar_one_or_none()


def expired(login: LoginSession, now: datetime, lifetimes: Lifetimes) -> bool:
    """Whether a session ran out: unused too long, or open longer than allowed.

    Times ahead of ``now`` count as now: several app machines' clocks
    differ a little, and a session is not refused for that.
    """
    idle = max(now - login.last_seen_at, timedelta(0))
    age = max(now - login.created_at, timedelta(0))
    return idle > lifetimes.idle or age > lifetimes.absolute


def check_login_session(
    user_id: int, token: object, *, now: datetime, lifetimes: Lifetimes
) -> bool:
    """Whether ``token`` names an open session of ``user_id`` that has not run out.

    A session found run out is ended. One still good has its "last seen"
    moved on, at most once every ``TOUCH_EVERY``.
    """
    login = _session_of(token)
    if login is None or login.user_id != user_id or login.ended_at is not None:
        return False
    if expired(login, now, lifetimes):
        login.ended_at = now
        db.session.flush()
        return False
    if now - login.last_seen_at >= TOUCH_EVERY:
        login.last_seen_at = now
        db.session.flush()
    return True


def end_login_session(token: object, *, now: datetime) -> None:
    """End the session ``token`` names, if it is open; its cookie is refused from now on."""
    login = _session_of(token)
    if login is not None and login.ended_at is None:
        login.ended_at = now
        db.session.flush()
