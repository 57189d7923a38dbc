"""Login sessions kept in the database: logout ends them for good, and they run out.

Show 6: a session cookie copied before logout is refused after it, over the
test client and over HTTP; idle and absolute lifetimes end sessions.
"""

from __future__ import annotations

import http.client
import re
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

from kirab.auth.models import LoginSession
from kirab.auth.session import LOGIN_SESSION_KEY
from kirab.database import db
from tests.conftest import (
    CSRF_FIELD,
    TEST_PASSWORD,
    CommittedWrites,
    csrf_token,
    login,
    served_over_http,
)
from tests.factories import at, make_user

START = at("2023-11-13 08:00")


def post_login(client, email: str):
    """Log in through the form."""
    data = {"email": email, "password": TEST_PASSWORD, "csrf_token": csrf_token(client)}
    response = client.post("/login", data=data)
    assert response.status_code == 302
    return response


def cookie_of(client) -> str:
    """The value of the client's session cookie."""
    return client.get_cookie("session").value


def client_with(app, cookie: str):
    """Another browser holding a copy of ``cookie``."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def logout(client) -> None:
    """Log out with the button every page shows."""
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/manage")})
    assert response.status_code == 302


def test_a_cookie_copied_before_logout_is_refused_after_it(client, app):
    user = make_user("organizer", regions=["32.16"])
    db.session.commit()
    post_login(client, user.email)
    copied = cookie_of(client)
    assert client_with(app, copied).get("/manage").status_code == 200
    logout(client)
    assert client.get("/manage").status_code == 302
    replayed = client_with(app, copied).get("/manage")
    assert replayed.status_code == 302 and replayed.location.startswith("/login")
    ended = db.session.execute(db.select(LoginSession)).scalar_one()
    assert ended.user_id == user.id and ended.ended_at is not None


def test_logging_out_on_one_device_leaves_the_others_logged_in(client, app):
    user = make_user("observer")
    db.session.commit()
    phone, laptop = app.test_client(), app.test_client()
    post_login(phone, user.email)
    post_login(laptop, user.email)
    logout(phone)
    assert phone.get("/manage").status_code == 302
    assert laptop.get("/manage").status_code == 200


def test_a_cookie_without_a_known_login_session_is_refused(client, app):
    user = make_user("admin")
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = user.get_id(), True
    assert client.get("/manage").status_code == 302
    with client.session_transaction() as session:
        session[LOGIN_SESSION_KEY] = "made-up-token"
    assert client.get("/manage").status_code == 302


def test_a_login_session_belongs_to_its_user(client, app):
    """Another user's identity with one's own session token is not a login."""
    mine, theirs = make_user("observer"), make_user("admin")
    db.session.commit()
    login(client, mine)
    with client.session_transaction() as session:
        session["_user_id"] = theirs.get_id()
    assert client.get("/manage").status_code == 302


def http_request(base: str, method: str, path: str, cookie: str = "", form: dict | None = None):
    """One request to the served app; the answer, its body and its new session cookie."""
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=15)
    headers = {"Cookie": f"session={cookie}"} if cookie else {}
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
    finally:
        connection.close()
    match = re.search(r"session=([^;]*)", response.getheader("Set-Cookie") or "")
    return response, text, match.group(1) if match else cookie


def csrf_of(page: str) -> str:
    """The CSRF token of a rendered form."""
    match = CSRF_FIELD.search(page)
    return match.group(1) or match.group(2)


def test_over_http_a_cookie_copied_before_logout_is_refused_after_it(app, migrated):
    user = make_user("organizer", regions=["32.16"])
    db.session.commit()
    email = user.email
    with served_over_http(migrated) as base:
        _answer, page, cookie = http_request(base, "GET", "/login")
        form = {"email": email, "password": TEST_PASSWORD, "csrf_token": csrf_of(page)}
        answer, _page, cookie = http_request(base, "POST", "/login", cookie, form)
        assert answer.status == 302
        copied = cookie
        answer, page, cookie = http_request(base, "GET", "/manage", cookie)
        assert answer.status == 200
        form = {"csrf_token": csrf_of(page)}
        answer, _page, cookie = http_request(base, "POST", "/logout", cookie, form)
        assert answer.status == 302
        replayed, _page, _cookie = http_request(base, "GET", "/manage", copied)
        assert replayed.status == 302 and "/login" in replayed.getheader("Location")


def test_a_session_unused_for_the_idle_lifetime_ends(client, app):
    app.config.update(FIXED_NOW=START, SESSION_IDLE_MINUTES=30)
    user = make_user("observer")
    db.session.commit()
    post_login(client, user.email)
    app.config["FIXED_NOW"] = START + timedelta(minutes=29)
    assert client.get("/manage").status_code == 200
    # That request moved "last seen" on: the half hour counts from it.
    app.config["FIXED_NOW"] = START + timedelta(minutes=58)
    assert client.get("/manage").status_code == 200
    app.config["FIXED_NOW"] = START + timedelta(minutes=89)
    assert client.get("/manage").status_code == 302
    # Run out is ended: going back in time does not bring it back.
    app.config["FIXED_NOW"] = START + timedelta(minutes=60)
    assert client.get("/manage").status_code == 302


def test_a_session_ends_after_its_absolute_lifetime_however_busy(client, app):
    app.config.update(FIXED_NOW=START, SESSION_MAX_HOURS=12)
    user = make_user("observer")
    db.session.commit()
    post_login(client, user.email)
    for hour in range(1, 12):
        app.config["FIXED_NOW"] = START + timedelta(hours=hour)
        assert client.get("/manage").status_code == 200, hour
    app.config["FIXED_NOW"] = START + timedelta(hours=12, minutes=1)
    assert client.get("/manage").status_code == 302
    post_login(client, user.email)  # a new login starts afresh
    assert client.get("/manage").status_code == 200


def test_the_lifetimes_default_to_two_hours_idle_and_twelve_at_most(app):
    assert (app.config["SESSION_IDLE_MINUTES"], app.config["SESSION_MAX_HOURS"]) == (120, 12)


def test_last_seen_is_written_at_most_once_a_minute(client, app):
    app.config["FIXED_NOW"] = START
    user = make_user("observer")
    db.session.commit()
    post_login(client, user.email)
    with CommittedWrites(db.engine) as writes:
        for seconds in (0, 20, 59):
            app.config["FIXED_NOW"] = START + timedelta(seconds=seconds)
            assert client.get("/manage").status_code == 200
        assert writes.count == 0
        app.config["FIXED_NOW"] = START + timedelta(seconds=61)
        assert client.get("/manage").status_code == 200
        assert writes.count == 1
    db.session.expire_all()
    seen = db.session.execute(db.select(LoginSession.last_seen_at)).scalar_one()
    assert seen == START + timedelta(seconds=61)


def test_a_new_login_clears_the_users_ended_sessions(client, app):
    app.config["FIXED_NOW"] = START
    user = make_user("observer")
    db.session.commit()
    for _ in range(3):
        post_login(client, user.email)
        logout(client)
    post_login(client, user.email)
    open_rows = db.session.execute(db.select(LoginSession.ended_at)).scalars().all()
    assert open_rows == [None]
