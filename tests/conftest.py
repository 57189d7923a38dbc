"""Fixtures: one migrated database and one app per test run, emptied after every test.

Each test gets the run's app in an app context of its own, with whatever it
changed on the app (configuration, attributes) undone afterwards.

``KIRAB_TEST_DATABASE_URL`` runs the suite on PostgreSQL (its public schema
is rebuilt at the start); without it a SQLite file in a temporary folder is
used. With ``CI=true`` nothing may be skipped: a missing database server or
browser fails the run.
"""

from __future__ import annotations

import contextvars
import html
import os
import re
import socket
import tempfile
import threading
from contextlib import contextmanager

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text
from werkzeug.serving import make_server

import kirab
from kirab import create_app
from kirab.database import db
from kirab.regions.reference import load_reference_data

IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_URL = os.environ.get("KIRAB_TEST_DATABASE_URL")
RATELIMIT_URI = os.environ.get("KIRAB_TEST_RATELIMIT_STORAGE_URI", "memory://")
BASE_URL = "https://kirab.test.example"
TEST_PASSWORD = "kata-sandi-uji-123"
# Uploads of the run go to a temporary folder, never into the checkout's instance/.
UPLOAD_FOLDER = tempfile.mkdtemp(prefix="kirab-test-uploads-")
# Tables of shipped reference data, loaded once and kept between tests.
REFERENCE_TABLES = {"regions", "offices", "parties", "dapil", "dapil_districts", "alembic_version"}


def app_config(database_url: str, **overrides) -> dict:
    """The configuration every test app gets."""
    config = {
        "TESTING": True,
        "KIRAB_ENV": "testing",
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "RATELIMIT_STORAGE_URI": RATELIMIT_URI,
        "RATELIMIT_KEY_PREFIX": "kirab-test",
        "BASE_URL": BASE_URL,
        # Fast hashing: the tests are about rules, not about hashing cost.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "UPLOAD_FOLDER": UPLOAD_FOLDER,
    }
    config.update(overrides)
    return config


def compile_catalogues() -> None:
    """Compile every message catalogue whose compiled file is missing or older.

    ``make`` does this too; doing it here keeps a bare ``pytest`` honest.
    """
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in Path(kirab.__file__).parent.glob("translations/*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalogue = read_po(handle)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalogue)


LOCAL_HOSTS = ("127.", "::1", "localhost")


def guarded_connect(original):
    """Wrap ``socket.connect`` so the suite can reach this machine only."""

    def connect(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not str(host).startswith(
            LOCAL_HOSTS
        ):
            raise OSError(f"the test suite may not use the network ({host})")
        return original(sock, address)

    return connect


@pytest.fixture(scope="session", autouse=True)
def no_network():
    """Refuse every connection that leaves this machine, for the whole run."""
    original = socket.socket.connect
    socket.socket.connect = guarded_connect(original)
    yield
    socket.socket.connect = original


@pytest.fixture(scope="session", autouse=True)
def catalogues() -> None:
    """Compiled translations for the whole run."""
    compile_catalogues()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The URL of the database for this run, empty and ready for migrations."""
    if not POSTGRES_URL:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'kirab-test.sqlite'}"
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    except Exception as error:  # noqa: BLE001 (any failure means no server)
        pytest.exit(f"PostgreSQL at {POSTGRES_URL} cannot be used: {error}", returncode=3)
    finally:
        engine.dispose()
    return POSTGRES_URL


@pytest.fixture(scope="session")
def shared_app(database_url):
    """The one app of the run, on the test database, with the migrations run.

    Made once: building an app, its URL map and its templates, and compiling
    its SQL statements cost more than most tests. Each test gets it in an app
    context of its own (``app``), with the configuration restored afterwards.
    """
    app = create_app(app_config(database_url))
    app.test_client_class = OwnSessionClient
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        load_reference_data()
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()  # close the pooled connections before the run ends


@pytest.fixture(scope="session")
def migrated(shared_app, database_url) -> str:
    """The URL of the test database, migrated and holding the reference data."""
    return database_url


@contextmanager
def extra_app(database_url: str, **overrides):
    """Another app on the test database, in its own app context, cleaned up after.

    The rate limiter is one object that every app initialises with its own
    storage; the run's shared app gets its own back afterwards.
    """
    from kirab.extensions import limiter

    limiter_state = dict(vars(limiter))
    app = create_app(app_config(database_url, **overrides))
    app.test_client_class = OwnSessionClient
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()
            vars(limiter).clear()
            vars(limiter).update(limiter_state)


@contextmanager
def serving(served_app):
    """Serve ``served_app`` on a free port of 127.0.0.1 in a thread; yields its URL."""
    server = make_server("127.0.0.1", 0, served_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@contextmanager
def served_over_http(database_url: str, **overrides):
    """Another app on the test database, served on a free port of 127.0.0.1; yields its URL."""
    with extra_app(database_url, **overrides) as served, serving(served) as url:
        yield url


class OwnSessionClient(FlaskClient):
    """A test client whose every request has its own app context and database session.

    The test keeps one app context open for its own database work; Flask
    would reuse it for the client's requests, and they would share the
    test's session and ``g``. Each request runs in a fresh context instead,
    as in production, so a view that forgets to save fails its test. What
    the test itself prepared is committed first, so the request can see it.
    """

    def run_wsgi_app(self, environ, buffered=False):
        """Save the test's own work, then run the request in a context of its own.

        The answer is read whole inside that context (buffered), so a
        streamed export runs in the request's context, not the test's.
        """
        if has_app_context():
            db.session.commit()
        return contextvars.Context().run(super().run_wsgi_app, environ, True)


def empty_tables() -> None:
    """Delete every row the tests made, keeping the reference data."""
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        if table.name not in REFERENCE_TABLES:
            db.session.execute(table.delete())
    db.session.commit()


@contextmanager
def fresh_context(app):
    """``app`` in an app context of its own; what the test changes on the app is undone after.

    The configuration, the app's public attributes (``instance_path``...) and
    the extensions' entries added since are restored, and the rate limits
    start afresh, so the shared app behaves as a new one for each test.
    """
    from kirab.extensions import limiter

    config = dict(app.config)
    # Public attributes only: Flask's own state (``_got_first_request``...) is left alone.
    attributes = {name: value for name, value in vars(app).items() if not name.startswith("_")}
    extensions = set(app.extensions)
    with app.app_context():
        limiter.reset()
        try:
            yield app
        finally:
            db.session.remove()
            app.config.clear()
            app.config.update(config)
            for name, value in attributes.items():
                if vars(app).get(name) is not value:
                    setattr(app, name, value)
            for name in set(app.extensions) - extensions:
                del app.extensions[name]


WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class CommittedWrites:
    """Counts the transactions on an engine that wrote rows and were committed.

    Lets a test module share data between its tests and rebuild it only
    after a test that changed it.
    """

    def __init__(self, engine):
        self.engine = engine
        self.count = 0

    def _executing(self, connection, _cursor, statement, *_args):
        if statement.lstrip()[:7].upper().startswith(WRITES):
            connection.info["kirab_wrote"] = True

    def _committed(self, connection):
        if connection.info.pop("kirab_wrote", False):
            self.count += 1

    def _rolled_back(self, connection):
        connection.info.pop("kirab_wrote", None)

    def __enter__(self) -> CommittedWrites:
        event.listen(self.engine, "before_cursor_execute", self._executing)
        event.listen(self.engine, "commit", self._committed)
        event.listen(self.engine, "rollback", self._rolled_back)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._executing)
        event.remove(self.engine, "commit", self._committed)
        event.remove(self.engine, "rollback", self._rolled_back)


@pytest.fixture
def app(shared_app):
    """The app on the test database, inside an app context; emptied afterwards."""
    with fresh_context(shared_app):
        try:
            yield shared_app
        finally:
            empty_tables()


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A runner for the app's CLI commands."""
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """The demo data set (Jalur VII), committed."""
    from kirab.demo import seed_demo

    result = seed_demo()
    db.session.commit()
    return result


@pytest.fixture
def west_java(app):
    """The route through West Java with Kabupaten Bekasi's week of events, committed.

    Built by ``tests.factories.make_west_java_week``; tests own this data,
    unlike the demo's, which may change with the demo.
    """
    from tests.factories import make_west_java_week

    route = make_west_java_week()
    db.session.commit()
    return route


def open_session(user, now=None) -> dict:
    """A login session of ``user`` begun at ``now`` (the app's clock): what its cookie holds."""
    from flask import current_app

    from kirab.auth.logins import Lifetimes, start_login_session
    from kirab.auth.session import LOGIN_SESSION_KEY
    from kirab.clock import now as clock_now

    lifetimes = Lifetimes.from_config(current_app.config)
    token = start_login_session(user, now=now or clock_now(), lifetimes=lifetimes)
    return {"_user_id": user.get_id(), LOGIN_SESSION_KEY: token, "_fresh": True}


def login(client, user) -> None:
    """Log ``user`` (a user, or what ``open_session`` gave) in on ``client`` without the form."""
    values = user if isinstance(user, dict) else open_session(user)
    with client.session_transaction() as session:
        session.update(values)


CSRF_FIELD = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"'
    r'|name="csrf_token" value="([^"]+)"'
)


def csrf_token(client, path: str = "/login") -> str:
    """A CSRF token valid for ``client``'s session, read from a rendered form."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_FIELD.search(page)
    assert match, f"no CSRF field on {path}"
    return match.group(1) or match.group(2)


HIDDEN_FIELD = re.compile(r'<input[^>]*name="(csrf_token|version|opened)"[^>]*value="([^"]*)"')


def opened_form(client, path: str) -> dict[str, str]:
    """The hidden fields of an edit form as ``client`` opens it: CSRF token, version, digests."""
    page = client.get(path).get_data(as_text=True)
    fields: dict[str, str] = {}
    for name, value in HIDDEN_FIELD.findall(page):
        fields.setdefault(name, html.unescape(value))
    # Someone who may not edit sees no edit form: the page's CSRF token (logout) is all.
    assert "csrf_token" in fields, f"no CSRF field on {path}"
    return fields
