"""A stalled, refused or missing database or Redis: a clear answer in time, never a hang or a 500.

The faults are made by a TCP proxy of the suite's own (tests/faultproxy.py)
in front of the real servers. The database faults need PostgreSQL (SQLite
has no connection to stall); Redis is there in every run.
"""

from __future__ import annotations

import http.client
import time
from urllib.parse import urlsplit

import pytest

from kirab.attendance.checkin import checkin_token
from kirab.attendance.models import AttendanceRecord
from kirab.database import db
from tests.conftest import (
    POSTGRES_URL,
    TEST_PASSWORD,
    csrf_token,
    extra_app,
    open_session,
    served_over_http,
)
from tests.factories import at, make_event, make_route, make_user
from tests.faultproxy import FaultProxy

REFUSED_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:9/kirab"
FAST_LIMITS = {"DB_CONNECT_TIMEOUT": 2, "DB_STATEMENT_TIMEOUT": 2, "DB_STALL_TIMEOUT": 3}


def get(base: str, path: str, *, timeout: float, cookie: str | None = None):
    """GET ``path`` over HTTP; the response (read whole) and how long it took."""
    started = time.monotonic()
    connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        response.body = response.read().decode("utf-8", "replace")
    finally:
        connection.close()
    return response, time.monotonic() - started


def session_cookie(app, values: dict) -> str:
    """A session cookie holding ``values`` (a login session, from ``open_session``)."""
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps(values)
    return f"{app.config['SESSION_COOKIE_NAME']}={value}"


def test_health_needs_nothing_and_readiness_needs_the_database(migrated):
    with extra_app(REFUSED_DATABASE) as away:
        client = away.test_client()
        health = client.get("/healthz")
        assert (health.status_code, health.json) == (200, {"status": "ok"})
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json["status"] == "unready" and ready.json["database"] == "down"
    with extra_app(migrated) as present:
        ready = present.test_client().get("/readyz")
        assert (ready.status_code, ready.json["status"], ready.json["database"]) == (
            200,
            "ready",
            "up",
        )


def test_readiness_wants_the_latest_migration(tmp_path):
    with extra_app(f"sqlite:///{tmp_path / 'empty.sqlite'}") as unmigrated:
        ready = unmigrated.test_client().get("/readyz")
    assert ready.status_code == 503 and ready.json["status"] == "unready"


def test_an_unreachable_database_is_a_503_in_every_format():
    with extra_app(REFUSED_DATABASE) as away:
        client = away.test_client()
        page = client.get("/agenda")
        assert page.status_code == 503 and page.headers["Retry-After"] == "30"
        text = page.get_data(as_text=True)
        assert "tidak dapat menghubungi basis datanya" in text and 'lang="id"' in text
        english = client.get("/agenda?lang=en")
        assert "cannot reach its database" in english.get_data(as_text=True)
        api = client.get("/api/v1/events")
        assert api.status_code == 503 and api.json["error"]["status"] == 503
        feed = client.get("/calendar.ics")
        assert feed.status_code == 503 and feed.mimetype == "text/plain"
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = "1:0", True
        logged_in = client.get("/manage")
        assert logged_in.status_code == 503 and logged_in.headers["Retry-After"] == "30"
        assert "tidak dapat menghubungi" in logged_in.get_data(as_text=True)


@pytest.fixture
def redis_proxy():
    """A fault proxy in front of the machine's Redis."""
    proxy = FaultProxy("127.0.0.1", 6379)
    yield proxy
    proxy.close()


@pytest.mark.parametrize("fault", ["stall", "refuse"])
def test_login_and_self_check_in_work_while_redis_is_away(app, migrated, redis_proxy, fault):
    route = make_route([("32.16", at("2023-11-13 09:00"), None)])
    event = make_event(route.stops[0], starts_at=at("2023-11-13 10:00"))
    user = make_user("organizer", regions=["32.16"])
    db.session.commit()
    # Read before the other app is current: the test's objects load through the current app.
    email, path = user.email, f"/events/{event.id}/check-in/{checkin_token(event)}"
    event_id = event.id
    limits = {
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{redis_proxy.port}/15",
        "FIXED_NOW": at("2023-11-13 10:30"),
    }
    with extra_app(migrated, **limits) as limited:
        client = limited.test_client()
        getattr(redis_proxy, fault)()
        started = time.monotonic()
        token = csrf_token(client)
        login = client.post(
            "/login", data={"email": email, "password": TEST_PASSWORD, "csrf_token": token}
        )
        assert login.status_code == 302
        data = {"name": "Rina Marlina", "category": "public", "party": "", "organisation": "",
                "contact": "", "consent": "y", "idempotency_key": "k" * 32,
                "csrf_token": csrf_token(client, path)}  # fmt: skip
        assert client.post(path, data=data).status_code == 200
        assert time.monotonic() - started < 10
        ready = client.get("/readyz")
        assert (ready.status_code, ready.json["redis"]) == (200, "down")
        recorded = db.session.execute(
            db.select(AttendanceRecord.name).where(AttendanceRecord.event_id == event_id)
        ).scalars()
        assert list(recorded) == ["Rina Marlina"]


def stalled_or_refused_database_answers_503_and_recovers(app, migrated):
    user = make_user("admin")
    logged_in = open_session(user)
    db.session.commit()
    target = urlsplit(POSTGRES_URL.replace("postgresql+psycopg", "postgresql"))
    proxy = FaultProxy(target.hostname, target.port or 5432)
    proxied = POSTGRES_URL.replace(target.netloc, f"{target.username}@127.0.0.1:{proxy.port}")
    try:
        with served_over_http(proxied, **FAST_LIMITS) as base:
            from flask import current_app

            cookie = session_cookie(current_app, logged_in)
            assert get(base, "/agenda", timeout=15)[0].status == 200
            proxy.stall()
            stalled, took = get(base, "/agenda", timeout=15)
            assert stalled.status == 503 and took < 15
            static, took = get(base, "/static/css/kirab.css", timeout=3)
            assert static.status == 200 and took < 3
            assert get(base, "/healthz", timeout=3)[0].status == 200
            proxy.refuse()
            refused, _took = get(base, "/manage", timeout=15, cookie=cookie)
            assert refused.status == 503 and refused.getheader("Retry-After") == "30"
            assert "tidak dapat menghubungi" in refused.body and "<nav" in refused.body
            proxy.restore()
            assert get(base, "/agenda", timeout=15)[0].status == 200
            assert get(base, "/manage", timeout=15, cookie=cookie)[0].status == 200
    finally:
        proxy.close()


def requests_have_a_statement_timeout_and_commands_none(migrated):
    from sqlalchemy import text

    with extra_app(migrated, DB_STATEMENT_TIMEOUT=4) as other:
        assert db.session.execute(text("SHOW statement_timeout")).scalar() == "0"
        db.session.remove()
        with other.test_request_context("/agenda"):
            assert db.session.execute(text("SHOW statement_timeout")).scalar() == "4s"
            db.session.remove()


if POSTGRES_URL:  # SQLite has no connection to stall: the PostgreSQL pass runs these
    test_requests_have_a_statement_timeout_and_commands_none = (
        requests_have_a_statement_timeout_and_commands_none
    )
    test_a_stalled_or_refused_database_answers_503_and_recovers = (
        stalled_or_refused_database_answers_503_and_recovers
    )
