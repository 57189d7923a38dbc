"""Kirab: planning and following the Kirab Pemilu election-outreach relay."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, g
from werkzeug.middleware.proxy_fix import ProxyFix

from kirab.config import load_config

# Templates and static files sit beside the package, in the checkout.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure an instance of the Kirab application."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    load_config(app, test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    from kirab.storage import check_storage_setting

    # A storage that cannot be used stops the start, not the first upload.
    app.config["UPLOAD_STORAGE"] = check_storage_setting(app.config.get("UPLOAD_STORAGE"))

    from kirab import models  # noqa: F401  (registers every table)
    from kirab.auth.session import init_login
    from kirab.cli import register_commands
    from kirab.compression import init_compression
    from kirab.dependencies import (
        engine_options,
        guard_engine,
        redis_options,
        statement_milliseconds,
    )
    from kirab.errors import register_error_handlers
    from kirab.extensions import babel, csrf, db, limiter, migrate
    from kirab.i18n import register_template_helpers, select_locale
    from kirab.params import register_parameter_checks
    from kirab.templating import register_context
    from kirab.transactions import register_transaction_handling

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app)
    redis_options(app)
    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    init_login(app)
    register_template_helpers(app)
    register_context(app)
    register_error_handlers(app)
    register_parameter_checks(app)
    register_blueprints(app)
    register_commands(app)
    # Before the headers and the commit: Flask runs after_request functions in reverse,
    # so bodies are compressed last, once they are final.
    init_compression(app)
    register_security_headers(app)
    register_transaction_handling(app)
    proxies = int(app.config["PROXY_COUNT"])
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        enable_sqlite_pragmas(app)
    elif app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        with app.app_context():
            guard_engine(
                db.engine, float(app.config["DB_STALL_TIMEOUT"]), statement_milliseconds(app)
            )
    logging.getLogger("kirab").setLevel(logging.INFO)
    from kirab.logmask import mask_app_logs

    mask_app_logs(app)
    return app


def register_blueprints(app: Flask) -> None:
    """Attach every area's blueprint."""
    from kirab.api.views import bp as api_bp
    from kirab.attendance import (  # noqa: F401  (each adds its pages to the blueprint)
        checkin_views,
        erasure_views,
        exchange_views,
        recording_views,
        report_views,
    )
    from kirab.attendance.pages import bp as attendance_bp
    from kirab.auth.views import bp as auth_bp
    from kirab.changes.views import bp as changes_bp
    from kirab.events.schedule_views import bp as schedule_bp
    from kirab.events.views import bp as events_bp
    from kirab.feeds.views import bp as feeds_bp
    from kirab.main import health, offline  # noqa: F401  (add /healthz, /readyz, /sw.js to main)
    from kirab.main.views import bp as main_bp
    from kirab.manage.views import bp as manage_bp
    from kirab.notifications.views import bp as notifications_bp
    from kirab.relay import handover_views  # noqa: F401  (adds the handover pages to planning)
    from kirab.relay.planning_views import bp as planning_bp
    from kirab.relay.views import bp as relay_bp
    from kirab.users.views import bp as users_bp
    from kirab.webhooks.views import bp as webhooks_bp

    blueprints = (
        main_bp,
        auth_bp,
        events_bp,
        schedule_bp,
        relay_bp,
        manage_bp,
        planning_bp,
        users_bp,
        api_bp,
        attendance_bp,
        feeds_bp,
        changes_bp,
        notifications_bp,
        webhooks_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)


# Everything a page uses comes from Kirab itself, with no inline script or style:
# injected markup can neither run code nor restyle a page, nor send a form elsewhere.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self'",  # charts and QR codes are inline SVG: no data: images
        "style-src 'self'",
        "script-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    )
)
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def register_security_headers(app: Flask) -> None:
    """Headers every response carries: a strict CSP, no framing or sniffing, private pages unstored.

    HSTS only in production: development and tests serve plain HTTP.
    """
    hsts = app.config["KIRAB_ENV"] == "production"

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        # Pages made for a logged-in person (and the passwords shown once) stay out
        # of caches. Only a response that looked at the user is one: feeds and
        # static files never load the session, so they stay cacheable. Asked as
        # "not anonymous": being logged in is not in doubt here, and asking
        # is_authenticated would reload the user a commit has expired.
        user = g.get("_login_user")
        if user is not None and not user.is_anonymous:
            response.headers["Cache-Control"] = "private, no-store"
        return response


def enable_sqlite_pragmas(app: Flask) -> None:
    """Turn on foreign keys and WAL for every SQLite connection."""
    from sqlalchemy import event

    from kirab.extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets readers go on while a writer writes, and several workers share one file.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
