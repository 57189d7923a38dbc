"""Flask-Login wiring: loading users from the session and refusing strangers."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user

from kirab.auth.logins import (
    Lifetimes,
    check_login_session,
    end_login_session,
    start_login_session,
)
from kirab.auth.models import User
from kirab.clock import now
from kirab.errors import wants_json, wants_plain_text
from kirab.extensions import db, login_manager
from kirab.params import whole_number

# Where the session cookie keeps the token of its login session (kirab/auth/logins.py).
LOGIN_SESSION_KEY = "_sid"


def init_login(app: Flask) -> None:
    """Configure Flask-Login for the app."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(unauthorized)


def load_user(session_id: str) -> User | None:
    """Return the user of a session identity ``"<id>:<version>"`` if still valid.

    A deactivated user, or one whose session version moved on (new password,
    deactivation), is not loaded: the old session ends. So is one whose
    login session ended (logout) or ran out, whatever the cookie says.
    """
    user_id, _sep, version = session_id.partition(":")
    user_id, version = whole_number(user_id), whole_number(version)
    if user_id is None or version is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    live = check_login_session(
        user.id,
        session.get(LOGIN_SESSION_KEY),
        now=now(),
        lifetimes=Lifetimes.from_config(current_app.config),
    )
    return user if live else None


def log_in(user: User) -> None:
    """Start a login session for ``user`` and put it in this browser's session cookie."""
    token = start_login_session(
        user, now=now(), lifetimes=Lifetimes.from_config(current_app.config)
    )
    login_user(user)
    session[LOGIN_SESSION_KEY] = token


def log_out() -> None:
    """End this browser's login session for good, then forget it in the cookie."""
    end_login_session(session.pop(LOGIN_SESSION_KEY, None), now=now())
    logout_user()


def unauthorized():
    """Anonymous visitors go to the login page; API and feed clients get 401."""
    if wants_json():
        return jsonify(
            error={"status": 401, "message": str(_l("Authentication is required."))}
        ), 401
    if wants_plain_text():
        return "Authentication is required.\n", 401, {"Content-Type": "text/plain; charset=utf-8"}
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
