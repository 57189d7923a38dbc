"""Configuration defaults and the layers that override them.

Order: these defaults, then ``instance/config.py``, then ``KIRAB_*``
environment variables, then the test configuration passed to the factory.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from flask import Flask

# Environment variables read as configuration, with the key each sets.
ENVIRONMENT_KEYS = {
    "KIRAB_SECRET_KEY": "SECRET_KEY",
    "KIRAB_SECRET_KEY_FALLBACKS": "SECRET_KEY_FALLBACKS",
    "KIRAB_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "KIRAB_BASE_URL": "BASE_URL",
    "KIRAB_RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "KIRAB_ENV": "KIRAB_ENV",
    "KIRAB_LOGIN_LIMIT": "LOGIN_LIMIT",
    "KIRAB_PROXY_COUNT": "PROXY_COUNT",
    "KIRAB_UPLOAD_FOLDER": "UPLOAD_FOLDER",
    "KIRAB_UPLOAD_STORAGE": "UPLOAD_STORAGE",
    "KIRAB_S3_ENDPOINT_URL": "S3_ENDPOINT_URL",
    "KIRAB_S3_REGION": "S3_REGION",
    "KIRAB_S3_TIMEOUT": "S3_TIMEOUT",
    "KIRAB_SELF_CHECKIN_LIMIT": "SELF_CHECKIN_LIMIT",
    "KIRAB_DB_CONNECT_TIMEOUT": "DB_CONNECT_TIMEOUT",
    "KIRAB_DB_STATEMENT_TIMEOUT": "DB_STATEMENT_TIMEOUT",
    "KIRAB_DB_STALL_TIMEOUT": "DB_STALL_TIMEOUT",
    "KIRAB_REDIS_TIMEOUT": "REDIS_TIMEOUT",
    "KIRAB_SESSION_IDLE_MINUTES": "SESSION_IDLE_MINUTES",
    "KIRAB_SESSION_MAX_HOURS": "SESSION_MAX_HOURS",
    "KIRAB_MAIL_URL": "MAIL_URL",
    "KIRAB_MAIL_FROM": "MAIL_FROM",
    "KIRAB_NOTIFY_POLL_SECONDS": "NOTIFY_POLL_SECONDS",
    "KIRAB_NOTIFY_RETRY_SECONDS": "NOTIFY_RETRY_SECONDS",
    "KIRAB_NOTIFY_CLAIM_SECONDS": "NOTIFY_CLAIM_SECONDS",
    "KIRAB_WEBHOOK_RETRY_SECONDS": "WEBHOOK_RETRY_SECONDS",
}


class DefaultConfig:
    """Package defaults; safe for production except where noted."""

    KIRAB_ENV = "production"
    BASE_URL = "http://127.0.0.1:5000"
    SQLALCHEMY_DATABASE_URI = None  # filled in with instance/kirab.sqlite
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Failed logins per client address; a successful login does not count.
    LOGIN_LIMIT = "10 per minute;50 per hour"
    # Self check-ins per client address; generous, since a campus may share one address.
    SELF_CHECKIN_LIMIT = "60 per minute;600 per hour"
    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
    LANGUAGES = ("id", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    # A login ends after this long without a request, and this long after it began
    # at the latest, whatever its cookie says (kirab/auth/logins.py).
    SESSION_IDLE_MINUTES = 120
    SESSION_MAX_HOURS = 12
    # Keys that signed before the current one; they still verify, only the current one signs.
    SECRET_KEY_FALLBACKS: list[str] = []
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 (an algorithm name, not a secret)
    PER_PAGE_DEFAULT = 50
    PER_PAGE_MAX = 500
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    # Feed bodies each process keeps a copy of (checked against the database on every use).
    FEED_COPIES_BYTES = 64 * 1024 * 1024
    # VEVENT blocks each process keeps a copy of, by event, language, sequence, last change
    # and fingerprint: the same key always names the same bytes.
    FEED_BLOCK_COPIES_BYTES = 32 * 1024 * 1024
    # Anonymous public pages answered from the store of rendered pages (kirab/pagecache.py).
    PAGE_CACHE = True
    # Stored page bodies each process keeps a copy of (used while the store still holds them).
    PAGE_COPIES_BYTES = 32 * 1024 * 1024
    # Reverse proxies in front of the app whose X-Forwarded-For is trusted;
    # without it every client would share the proxy's address (and its limits).
    PROXY_COUNT = 0
    # Handover scans and photos are kept in the database or in S3-compatible storage
    # ("s3://bucket/prefix"; kirab/storage.py), so every app server serves them, and served
    # after a permission check. The folder is where earlier versions kept them: upgrading
    # moves its files into the database.
    UPLOAD_STORAGE = "database"
    # S3: the server of a non-AWS service (MinIO...), the region (else AWS's own settings),
    # and seconds to connect and per read, each call tried twice. Credentials are AWS's
    # standard environment variables or files, never this configuration.
    S3_ENDPOINT_URL = None
    S3_REGION = None
    S3_TIMEOUT = 3
    UPLOAD_FOLDER = None  # filled in with instance/uploads
    UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    # Seconds before a dependency that does not answer is given up (kirab/dependencies.py):
    # connecting to PostgreSQL, a statement on a live server, any wait on a stalled one,
    # a free connection in the pool, and any wait on Redis.
    DB_CONNECT_TIMEOUT = 3
    DB_STATEMENT_TIMEOUT = 5
    DB_STALL_TIMEOUT = 6
    DB_POOL_TIMEOUT = 5
    REDIS_TIMEOUT = 0.5
    # Mail of agenda changes (kirab/notifications): smtp://user:pass@host:587 (STARTTLS when
    # offered) or smtps://...:465; the worker polls the outbox this often, and waits this
    # long after a first failed attempt, doubling up to 10 minutes.
    MAIL_URL = None
    MAIL_FROM = "Kirab Pemilu <kirab@localhost>"
    NOTIFY_POLL_SECONDS = 2
    NOTIFY_RETRY_SECONDS = 10
    # SQLite only: how long a worker's claim on a delivery holds (a killed worker's runs out).
    NOTIFY_CLAIM_SECONDS = 120
    # Webhooks: the wait after a first failed POST, doubling up to an hour, for a day.
    WEBHOOK_RETRY_SECONDS = 30


def load_config(app: Flask, test_config: dict | None) -> None:
    """Fill ``app.config`` from every layer in order."""
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    for variable, key in ENVIRONMENT_KEYS.items():
        if os.environ.get(variable):
            app.config[key] = os.environ[variable]
    if test_config:
        app.config.update(test_config)

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        path = Path(app.instance_path) / "kirab.sqlite"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    if not app.config.get("UPLOAD_FOLDER"):
        app.config["UPLOAD_FOLDER"] = str(Path(app.instance_path) / "uploads")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))
    app.config["SECRET_KEY_FALLBACKS"] = key_list(app.config["SECRET_KEY_FALLBACKS"])
    # Flask-WTF signs with one key; given the list it signs with the newest and verifies with all.
    app.config.setdefault("WTF_CSRF_SECRET_KEY", signing_keys(app.config))

    development = app.config["KIRAB_ENV"] in ("development", "testing")
    # Cookies travel only over HTTPS outside development.
    app.config["SESSION_COOKIE_SECURE"] = not development
    app.config["REMEMBER_COOKIE_SECURE"] = not development
    app.config["BASE_URL"] = app.config["BASE_URL"].rstrip("/")


def key_list(keys: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """Keys given as a comma-separated string (the environment) or a list, blanks left out."""
    if isinstance(keys, str):
        keys = keys.split(",")
    return [key.strip() for key in keys or () if key.strip()]


def signing_keys(config) -> list[str]:
    """Every key that verifies, oldest first and the current one last (itsdangerous's order).

    A signer given this list signs with the current key and accepts what
    any of them signed, so the secret key rotates without breaking printed
    QR codes, open forms or sessions.
    """
    return [*config["SECRET_KEY_FALLBACKS"], config["SECRET_KEY"]]


def instance_secret_key(instance: Path) -> str:
    """Return the key kept in the instance folder, creating it on first use.

    The file is readable by its owner only, and appears whole: workers
    starting together all read the same key. Several machines must share a
    configured ``KIRAB_SECRET_KEY`` instead.
    """
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        descriptor, draft = tempfile.mkstemp(dir=instance, prefix=".secret_key.")
        with os.fdopen(descriptor, "w") as handle:  # mkstemp makes it mode 0600
            handle.write(secrets.token_hex(32) + "\n")
        try:
            os.link(draft, path)  # fails if another worker linked its key first
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    return path.read_text().strip()
