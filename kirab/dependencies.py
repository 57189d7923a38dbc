"""Time limits on the database and Redis, so a stalled dependency gets an answer, not a hang.

A stopped or stalled PostgreSQL still has its packets acknowledged by the
kernel, so neither TCP nor the server's own ``statement_timeout`` ever fires.
Three limits together make every wait end:

- connecting gives up after ``DB_CONNECT_TIMEOUT`` seconds (libpq's
  ``connect_timeout`` covers the whole handshake);
- a live server cancels a request's statement after ``DB_STATEMENT_TIMEOUT``
  seconds;
- a watchdog thread cuts the connection of any statement or ping of a
  request that has waited ``DB_STALL_TIMEOUT`` seconds: the blocked read then fails at once,
  the pool throws the connection away, and the request answers 503.

Commands (migrations, backups, the national load) are not requests and
run without the last two limits. Redis (rate limits) gets socket and
connect timeouts and an in-memory fallback in :func:`redis_options`.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

from flask import Flask, has_request_context
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

logger = logging.getLogger("kirab.dependencies")


class Watchdog:
    """Cuts the connections whose statement has waited too long for the server."""

    def __init__(self, limit: float, tick: float = 0.25):
        self.limit = limit
        self.tick = tick
        self._waiting: dict[int, tuple[float, object, int]] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def begin(self, key: object, dbapi_connection) -> None:
        """Note that a statement was sent on this connection (``key`` names the wait)."""
        with self._lock:
            started = (time.monotonic(), dbapi_connection, dbapi_connection.fileno())
            self._waiting[id(key)] = started
            if self._thread is None or not self._thread.is_alive():
                # Started lazily, so each forked worker runs its own.
                self._thread = threading.Thread(target=self._watch, name="kirab-db-watchdog")
                self._thread.daemon = True
                self._thread.start()

    def end(self, key: object) -> None:
        """Note that the server answered (or the statement failed)."""
        with self._lock:
            self._waiting.pop(id(key), None)

    def _watch(self) -> None:
        while True:
            time.sleep(self.tick)
            now = time.monotonic()
            with self._lock:
                stalled = [
                    k for k, (since, *_rest) in self._waiting.items() if now - since > self.limit
                ]
                for key in stalled:
                    _since, connection, descriptor = self._waiting.pop(key)
                    cut(connection, descriptor)


def cut(dbapi_connection, descriptor: int) -> None:
    """Shut the connection's socket down, so a read blocked on it fails at once."""
    try:
        # A connection closed meanwhile may have handed its descriptor number on.
        if getattr(dbapi_connection, "closed", False) or dbapi_connection.fileno() != descriptor:
            return
        # A duplicate of the descriptor: shutting it down ends the shared socket,
        # closing it leaves the driver's own descriptor to the driver.
        with socket.fromfd(descriptor, socket.AF_INET, socket.SOCK_STREAM) as duplicate:
            duplicate.shutdown(socket.SHUT_RDWR)
        logger.warning("Cut a database connection that waited too long for the server")
    except Exception:
        logger.debug("A stalled connection was gone before it could be cut", exc_info=True)


def statement_milliseconds(app: Flask) -> int:
    """The statement timeout of a request, in milliseconds."""
    return int(float(app.config["DB_STATEMENT_TIMEOUT"]) * 1000)


def postgresql_connect_args(app: Flask) -> dict:
    """libpq settings that bound connecting, and every statement until a checkout sets its own."""
    return {
        "connect_timeout": max(1, round(float(app.config["DB_CONNECT_TIMEOUT"]))),
        "options": f"-c statement_timeout={statement_milliseconds(app)}",
    }


def engine_options(app: Flask) -> dict:
    """The engine options for the configured database, with the time limits added."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        return options
    connect_args = {**postgresql_connect_args(app), **options.get("connect_args", {})}
    # The ping is made by ``guard_engine`` under the watchdog; the pool's own would not be.
    options.pop("pool_pre_ping", None)
    return {**options, "connect_args": connect_args, "pool_timeout": app.config["DB_POOL_TIMEOUT"]}


def guard_engine(engine: Engine, limit: float, statement_ms: int) -> Watchdog:
    """Bound every statement and ping a request makes on a PostgreSQL engine; return the watchdog.

    Only requests are bounded: a command (a migration, a backup, a national
    load) may run a statement for minutes, so outside a request the
    checkout lifts the statement timeout and the watchdog looks away.
    """
    watchdog = Watchdog(limit)

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn, cursor, statement, parameters, context, executemany):
        if has_request_context():
            watchdog.begin(conn, conn.connection.dbapi_connection)

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn, cursor, statement, parameters, context, executemany):
        watchdog.end(conn)

    @event.listens_for(engine, "handle_error")
    def failed(context):
        watchdog.end(context.connection)

    @event.listens_for(engine, "checkout")
    def ping(dbapi_connection, connection_record, connection_proxy):
        # Pessimistic disconnect handling under the watchdog: a dead connection
        # is replaced by the pool, a stalled one is cut and replaced too. The
        # ping sets the statement timeout this use of the connection needs.
        in_request = has_request_context()
        if in_request:
            watchdog.begin(dbapi_connection, dbapi_connection)
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"SET statement_timeout = {statement_ms if in_request else 0}")
            cursor.close()
        except Exception as error:  # any failure means an unusable connection
            raise exc.DisconnectionError() from error
        finally:
            watchdog.end(dbapi_connection)

    return watchdog


def redis_options(app: Flask) -> None:
    """Bound every wait on the rate limits' Redis, and count in memory while it is away."""
    config = app.config
    timeout = float(config["REDIS_TIMEOUT"])
    options = dict(config.get("RATELIMIT_STORAGE_OPTIONS") or {})
    if str(config.get("RATELIMIT_STORAGE_URI", "")).startswith(("redis", "rediss")):
        options.setdefault("socket_timeout", timeout)
        options.setdefault("socket_connect_timeout", timeout)
    config["RATELIMIT_STORAGE_OPTIONS"] = options
    # While Redis is away, limits are counted per process; a failed count never fails a request.
    config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
