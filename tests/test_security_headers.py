"""The Content-Security-Policy and HSTS, and the secret key rotating without breaking links.

Show 6: a rotated key still verifies an old QR link, an old session and an
open form; a token signed with a key the app does not know is refused.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from itsdangerous import URLSafeSerializer

from kirab import CONTENT_SECURITY_POLICY
from kirab.attendance.checkin import CHECKIN_SALT, checkin_token
from kirab.database import db
from tests.conftest import TEST_PASSWORD, csrf_token, extra_app, login
from tests.factories import at, make_event, make_route, make_user

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
CHECKIN_TIME = at("2023-11-13 10:30")


def test_every_answer_carries_a_strict_policy(client, app):
    login(client, make_user("admin"))
    for path in ("/", "/agenda", "/manage", "/no-such-page", "/static/css/kirab.css"):
        policy = client.get(path).headers["Content-Security-Policy"]
        assert policy == CONTENT_SECURITY_POLICY, path
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "data:" not in CONTENT_SECURITY_POLICY  # no image is a data: URL
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "style-src 'self'" in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY


def test_templates_have_no_inline_script_or_style():
    """What the policy would block: inline scripts, style attributes and elements, handlers."""
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert "<style" not in text and not re.search(r"\sstyle=", text), template
        assert not re.search(r"\son[a-z]+=", text), template
        for script in text.split("<script")[1:]:
            assert script.lstrip().startswith("src="), template


def test_qr_codes_draw_without_style_attributes(client, app):
    route = make_route([("32.16", at("2023-11-13 09:00"), None)])
    event = make_event(route.stops[0], starts_at=at("2023-11-13 10:00"))
    login(client, make_user("admin"))
    page = client.get(f"/events/{event.id}/attendance/qr").get_data(as_text=True)
    assert "<svg" in page and "style=" not in page


def test_hsts_in_production_only(client, app, migrated):
    assert "Strict-Transport-Security" not in client.get("/").headers
    with extra_app(migrated, KIRAB_ENV="production") as production:
        answer = production.test_client().get("/healthz")
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    with extra_app(migrated, KIRAB_ENV="development") as development:
        assert "Strict-Transport-Security" not in development.test_client().get("/").headers


def test_fallback_keys_come_from_the_environment(migrated, monkeypatch):
    monkeypatch.setenv("KIRAB_SECRET_KEY_FALLBACKS", " older-key, old-key ,")
    with extra_app(migrated, SECRET_KEY="new-key") as rotated:
        assert rotated.config["SECRET_KEY_FALLBACKS"] == ["older-key", "old-key"]
        # CSRF tokens sign with the newest key and verify with all of them.
        assert rotated.config["WTF_CSRF_SECRET_KEY"] == ["older-key", "old-key", "new-key"]


def checkin_path(event_id: int, token: str) -> str:
    """The self check-in page of a token."""
    return f"/events/{event_id}/check-in/{token}"


def test_a_rotated_key_still_verifies_an_old_qr_link(app, migrated):
    route = make_route([("32.16", at("2023-11-13 09:00"), None)])
    event = make_event(route.stops[0], starts_at=at("2023-11-13 10:00"))
    db.session.commit()
    poster = SimpleNamespace(id=event.id)
    with extra_app(migrated, SECRET_KEY="old-key", FIXED_NOW=CHECKIN_TIME) as before:
        printed = checkin_token(poster)
        assert before.test_client().get(checkin_path(poster.id, printed)).status_code == 200
    with extra_app(migrated, SECRET_KEY="new-key", SECRET_KEY_FALLBACKS=["old-key"],
                   FIXED_NOW=CHECKIN_TIME) as rotated:  # fmt: skip
        client = rotated.test_client()
        assert client.get(checkin_path(poster.id, printed)).status_code == 200
        # New posters are signed with the new key, which the old one alone would not accept.
        reprinted = checkin_token(poster)
        assert reprinted != printed
        stranger = URLSafeSerializer("unknown-key", salt=CHECKIN_SALT).dumps({"event": poster.id})
        assert client.get(checkin_path(poster.id, stranger)).status_code == 400
    with extra_app(migrated, SECRET_KEY="new-key", FIXED_NOW=CHECKIN_TIME) as dropped:
        # Once the old key leaves the fallbacks, its posters stop working.
        assert dropped.test_client().get(checkin_path(poster.id, printed)).status_code == 400


def test_a_rotated_key_still_verifies_an_old_session_and_an_open_form(app, migrated):
    user = make_user("observer")
    db.session.commit()
    email = user.email
    with extra_app(migrated, SECRET_KEY="old-key") as before:
        browser = before.test_client()
        token = csrf_token(browser)
        assert browser.post("/login", data={"email": email, "password": TEST_PASSWORD,
                                            "csrf_token": token}).status_code == 302  # fmt: skip
        open_form = csrf_token(browser, "/manage")  # the logout button, rendered before
        cookie = browser.get_cookie("session").value
    rotation = {"SECRET_KEY": "new-key", "SECRET_KEY_FALLBACKS": ["old-key"]}
    with extra_app(migrated, **rotation) as rotated:
        browser = rotated.test_client()
        browser.set_cookie("session", cookie)
        assert browser.get("/manage").status_code == 200
    with extra_app(migrated, SECRET_KEY="new-key") as dropped:
        browser = dropped.test_client()
        browser.set_cookie("session", cookie)
        assert browser.get("/manage").status_code == 302
    with extra_app(migrated, **rotation) as rotated:
        browser = rotated.test_client()
        browser.set_cookie("session", cookie)
        assert browser.post("/logout", data={"csrf_token": open_form}).status_code == 302
        assert browser.get("/manage").status_code == 302


def test_the_venue_field_offers_known_venues_without_a_script(client, app):
    route = make_route([("32.16", at("2023-11-13 09:00"), None)])
    login(client, make_user("admin"))
    page = client.get(f"/manage/stops/{route.stops[0].id}/events/new").get_data(as_text=True)
    assert 'list="venues"' in page and 'id="venues"' in page
