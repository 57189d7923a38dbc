"""Logging in and out, CSRF, rate limits, sessions, passwords and language."""

import re

from kirab.audit.models import AuditEntry
from kirab.auth.models import User
from kirab.auth.services import set_password, update_user
from kirab.config import instance_secret_key
from kirab.database import db
from tests.conftest import TEST_PASSWORD, csrf_token, extra_app, login
from tests.factories import make_user


def post_login(client, email, password, **extra):
    """Submit the login form with a valid CSRF token."""
    data = {"email": email, "password": password, "csrf_token": csrf_token(client), **extra}
    return client.post("/login", data=data)


def without_values(page: str) -> str:
    """A page without the values of its fields (token, email), to compare two answers."""
    return re.sub(r'value="[^"]*"', "", page)


def test_login_and_logout(client, app):
    user = make_user("organizer", regions=["32.16"])
    db.session.commit()
    response = post_login(client, user.email.upper(), TEST_PASSWORD, next="/manage")
    assert response.status_code == 302 and response.location == "/manage"
    assert client.get("/manage").status_code == 200
    logins = db.session.execute(
        db.select(AuditEntry).where(AuditEntry.action == "user.login")
    ).scalars()
    assert [entry.user_id for entry in logins] == [user.id]
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/manage")})
    assert response.status_code == 302
    assert client.get("/manage").status_code == 302


def test_login_never_redirects_elsewhere(client, app):
    user = make_user("observer")
    db.session.commit()
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = post_login(client, user.email, TEST_PASSWORD, next=target)
        assert response.location == "/", target


def test_wrong_password_and_unknown_email_get_the_same_answer(client, app):
    user = make_user("observer")
    db.session.commit()
    wrong = post_login(client, user.email, "not-the-password")
    unknown = post_login(client, "nobody@kirab.example", "not-the-password")
    assert wrong.status_code == unknown.status_code == 422
    assert without_values(wrong.get_data(as_text=True)) == without_values(
        unknown.get_data(as_text=True)
    )
    assert "Email atau kata sandi tidak benar." in wrong.get_data(as_text=True)


def test_a_deactivated_user_cannot_log_in(client, app):
    admin = make_user("admin")
    user = make_user("observer")
    update_user(user, actor=admin, name="", role="observer", region_codes=[],
                party_number=None, active=False)  # fmt: skip
    db.session.commit()
    response = post_login(client, user.email, TEST_PASSWORD)
    assert response.status_code == 422


def test_post_without_csrf_token_is_refused(client, app):
    user = make_user("observer")
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert client.get("/manage").status_code == 302  # not logged in
    assert client.post("/language", data={"lang": "en"}).status_code == 400
    bad = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD,
                                      "csrf_token": "forged"})  # fmt: skip
    assert bad.status_code == 400


def test_repeated_failed_logins_get_429(client, app):
    user = make_user("observer")
    db.session.commit()
    statuses = [post_login(client, user.email, "wrong-password").status_code for _ in range(11)]
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429
    # Even the right password waits now: the limit is per client, not per guess.
    response = post_login(client, user.email, TEST_PASSWORD)
    assert response.status_code == 429
    text = response.get_data(as_text=True)
    assert "Terlalu banyak percobaan" in text
    # The page says how long to wait, as Retry-After does.
    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= 60
    assert re.search(r"Silakan tunggu \d+ (detik|menit) lalu coba lagi", text)


def test_successful_logins_do_not_use_up_the_limit(client, app):
    user = make_user("observer")
    db.session.commit()
    for _ in range(12):
        assert post_login(client, user.email, TEST_PASSWORD).status_code == 302


def test_session_cookie_flags(client, app):
    user = make_user("observer")
    db.session.commit()
    response = post_login(client, user.email, TEST_PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_cookies_are_secure_outside_development(migrated):
    with extra_app(migrated, KIRAB_ENV="production") as production:
        assert production.config["SESSION_COOKIE_SECURE"] is True
    with extra_app(migrated, KIRAB_ENV="development") as development:
        assert development.config["SESSION_COOKIE_SECURE"] is False


def test_deactivating_a_user_ends_their_session(client, app):
    admin = make_user("admin")
    user = make_user("organizer", regions=["32.16"])
    db.session.commit()
    login(client, user)
    assert client.get("/manage").status_code == 200
    update_user(user, actor=admin, name="", role="organizer", region_codes=["32.16"],
                party_number=None, active=False)  # fmt: skip
    db.session.commit()
    assert client.get("/manage").status_code == 302


def test_a_new_password_set_by_an_admin_ends_the_old_sessions(client, app):
    admin = make_user("admin")
    user = make_user("observer")
    db.session.commit()
    login(client, user)
    set_password(user, "a-brand-new-password", actor=admin)
    db.session.commit()
    assert client.get("/manage").status_code == 302
    assert post_login(client, user.email, "a-brand-new-password").status_code == 302


def test_change_own_password(client, app):
    user = make_user("observer")
    db.session.commit()
    login(client, user)
    token = csrf_token(client, "/account/password")
    wrong = client.post("/account/password", data={
        "csrf_token": token, "current_password": "nope-nope-nope",
        "password": "another-password-1", "confirm": "another-password-1"})  # fmt: skip
    assert wrong.status_code == 422
    short = client.post("/account/password", data={
        "csrf_token": token, "current_password": TEST_PASSWORD,
        "password": "short", "confirm": "short"})  # fmt: skip
    assert short.status_code == 422
    ok = client.post("/account/password", data={
        "csrf_token": token, "current_password": TEST_PASSWORD,
        "password": "another-password-1", "confirm": "another-password-1"})  # fmt: skip
    assert ok.status_code == 302
    assert client.get("/manage").status_code == 200  # this session goes on
    db.session.expire_all()
    assert db.session.get(User, user.id).session_version == 2


def test_pages_are_indonesian_by_default(client, app):
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="id">' in page
    assert "Masuk" in page and "Log in" not in page


def test_english_on_request(client, app):
    page = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page
    # The switch is kept in the session.
    response = client.post("/language", data={"lang": "en", "next": "/agenda",
                                              "csrf_token": csrf_token(client)})  # fmt: skip
    assert response.location == "/agenda"
    assert '<html lang="en">' in client.get("/agenda").get_data(as_text=True)
    assert '<html lang="id">' in client.get("/agenda?lang=id").get_data(as_text=True)


def test_api_errors_follow_the_language(client, app):
    message = client.get("/api/v1/events?region=99").json["error"]["message"]
    english = client.get("/api/v1/events?region=99&lang=en").json["error"]["message"]
    assert message != english
    assert english == "Unknown region code: 99"


def test_secret_key_is_generated_once_and_private(tmp_path):
    key = instance_secret_key(tmp_path)
    assert len(key) >= 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert instance_secret_key(tmp_path) == key
