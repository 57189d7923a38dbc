"""Health checks for a load balancer: is the process alive, and can it serve?"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import current_app, jsonify
from sqlalchemy import text

from kirab.database import db
from kirab.errors import OUTAGES, discard_session
from kirab.extensions import limiter
from kirab.main.views import bp


@cache
def latest_revisions(directory: str) -> frozenset[str]:
    """The head revisions of the migrations shipped with this code."""
    config = Config()
    config.set_main_option("script_location", directory)
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def database_state() -> str:
    """``up`` when the database answers at the latest migration, else ``behind`` or ``down``."""
    try:
        current = set(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except OUTAGES:
        discard_session()
        return "down"
    wanted = latest_revisions(str(Path(current_app.extensions["migrate"].directory)))
    return "up" if current == wanted else "behind"


def redis_state() -> str:
    """``up`` or ``down`` for the rate limits' Redis; ``unused`` when limits are kept in memory."""
    if not str(current_app.config.get("RATELIMIT_STORAGE_URI", "")).startswith("redis"):
        return "unused"
    try:
        return "up" if limiter.storage.check() else "down"
    except Exception:  # noqa: BLE001 (a storage that fails its check is down)
        return "down"


@bp.get("/healthz")
def healthz():
    """The process answers; no dependency is asked."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """Ready when the database answers at the latest migration; Redis down only degrades.

    Rate limits fall back to each process's memory while Redis is away, so
    a missing Redis leaves the app ready.
    """
    database, redis = database_state(), redis_state()
    ready = database == "up"
    body = {"status": "ready" if ready else "unready", "database": database, "redis": redis}
    return jsonify(body), 200 if ready else 503
