"""Copying a database into a file and back: SQLite's online backup API, PostgreSQL's pg_dump.

Each kind offers ``dump(url, path) -> Snapshot`` (the copy, with the rows
per table and the migration revision it holds, read from the same moment)
and ``load(path, url)`` (replace the database's content with the copy, all
or nothing). Uploaded files are rows of ``stored_files``, so they travel
with the database.

Both work on connections of their own, not the app's pool: a backup of a
large database outlasts the statement time limits the web requests keep.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.pool import NullPool

SQLITE, POSTGRESQL = "sqlite", "postgresql"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


@dataclass
class Snapshot:
    """What a copy of the database holds, read at the moment it was taken."""

    revision: str | None
    tables: dict[str, int]
    versions: dict[str, str] = field(default_factory=dict)


def kind_of(url: URL) -> str:
    """The database kind of ``url``, one Kirab can back up."""
    kind = url.get_backend_name()
    if kind not in (SQLITE, POSTGRESQL):
        raise BackupError(f"Backing up a {kind} database is not supported.")
    return kind


def read_snapshot(connection: Connection) -> Snapshot:
    """The rows of every table and the migration revision, in the connection's transaction."""
    names = sorted(inspect(connection).get_table_names())
    tables = {
        name: connection.execute(select(func.count()).select_from(table(name))).scalar()
        for name in names
    }
    revision = None
    if "alembic_version" in tables:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return Snapshot(revision, tables)


def own_engine(url: URL):
    """An engine of its own for ``url``: no pool, no time limits of the web requests.

    Connecting is still limited, so a server that is away fails the command
    instead of leaving it waiting.
    """
    connect_args = {"connect_timeout": 10} if url.get_backend_name() == POSTGRESQL else {}
    return create_engine(url, poolclass=NullPool, connect_args=connect_args)


def current_snapshot(url: URL) -> Snapshot:
    """What the database at ``url`` holds now."""
    engine = own_engine(url)
    try:
        with engine.connect() as connection:
            return read_snapshot(connection)
    finally:
        engine.dispose()


# SQLite


def sqlite_path(url: URL) -> Path:
    """The file of a SQLite database; an in-memory database has none to copy."""
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(url.database)


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy the database ``source`` into ``target`` page by page, while others keep using it."""
    with (
        contextlib.closing(sqlite3.connect(source, timeout=30)) as reading,
        contextlib.closing(sqlite3.connect(target, timeout=30)) as writing,
    ):
        reading.backup(writing)


def sqlite_file_snapshot(path: Path) -> Snapshot:
    """What the SQLite file at ``path`` holds."""
    return current_snapshot(URL.create("sqlite", database=str(path)))


def dump_sqlite(url: URL, path: Path) -> Snapshot:
    """Copy the SQLite database with the online backup API; what the copy holds."""
    source = sqlite_path(url)
    if not source.is_file():
        raise BackupError(f"There is no database at {source}.")
    copy_sqlite(source, path)
    snapshot = sqlite_file_snapshot(path)
    snapshot.versions["sqlite"] = sqlite3.sqlite_version
    return snapshot


def load_sqlite(path: Path, url: URL) -> None:
    """Replace the SQLite database's content with the copy at ``path``, in one step."""
    copy_sqlite(path, sqlite_path(url))


# PostgreSQL


def postgres_tool(name: str) -> str:
    """The path of ``pg_dump``/``pg_restore``/``psql``: on PATH, else the newest server's."""
    found = shutil.which(name)
    if found:
        return found
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    if not candidates:
        raise BackupError(f"{name} is not installed (install PostgreSQL's client programs).")

    def major(path: str) -> int:
        """The major version a candidate's folder names."""
        number = Path(path).parent.parent.name
        return int(number) if number.isdigit() else 0

    return max(candidates, key=major)


def libpq_target(url: URL) -> tuple[str, dict[str, str]]:
    """The URL libpq's programs take, and an environment carrying the password.

    The password goes in ``PGPASSWORD``, never on a command line that other
    users of the machine can read.
    """
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), environment


def tool_version(tool: str) -> str:
    """The version a PostgreSQL program reports, e.g. ``15.20``."""
    command = [tool, "--version"]
    output = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    match = re.search(r"(\d+(?:\.\d+)*)", output.stdout)
    return match.group(1) if match else output.stdout.strip()


def run_tool(command: list[str], environment: dict[str, str], what: str) -> None:
    """Run a PostgreSQL program; its own message when it fails."""
    result = subprocess.run(  # noqa: S603 (our own program and arguments, no shell)
        command, env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip() or result.returncode}")


def dump_postgresql(url: URL, path: Path) -> Snapshot:
    """Dump the database with pg_dump (custom format); what the dump holds.

    The rows are counted in a transaction whose snapshot pg_dump then
    shares (``--snapshot``), so the counts describe the dump exactly, even
    while people keep working.
    """
    pg_dump = postgres_tool("pg_dump")
    target, environment = libpq_target(url)
    engine = own_engine(url)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                moment = connection.execute(text("SELECT pg_export_snapshot()")).scalar()
                snapshot = read_snapshot(connection)
                server = connection.execute(text("SHOW server_version")).scalar()
                command = [pg_dump, "--format=custom", f"--snapshot={moment}", f"--file={path}"]
                run_tool([*command, target], environment, "pg_dump")
    finally:
        engine.dispose()
    snapshot.versions.update(server=str(server).split()[0], pg_dump=tool_version(pg_dump))
    return snapshot


# Run before the dump's own statements, in the same transaction: the tables of
# the database being replaced go first, whatever revision it was at. A lock
# that another process keeps (an app server still running) fails the restore
# in time instead of making it wait for ever.
CLEAR_SCHEMA = """
SET lock_timeout = '10s';
DO $$
DECLARE item record;
BEGIN
  FOR item IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
    EXECUTE format('DROP TABLE IF EXISTS public.%I CASCADE', item.tablename);
  END LOOP;
  FOR item IN SELECT sequence_name FROM information_schema.sequences
              WHERE sequence_schema = 'public' LOOP
    EXECUTE format('DROP SEQUENCE IF EXISTS public.%I CASCADE', item.sequence_name);
  END LOOP;
END $$;
"""


def load_postgresql(path: Path, url: URL) -> None:
    """Replace the database's content with the dump at ``path``, in one transaction.

    pg_restore turns the dump into SQL, and psql runs it after emptying the
    schema, all in a single transaction: a restore that fails leaves the
    database as it was.
    """
    target, environment = libpq_target(url)
    restore = [postgres_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(path)]
    with tempfile.TemporaryDirectory(prefix="kirab-restore-") as work:
        clear = Path(work) / "clear.sql"
        clear.write_text(CLEAR_SCHEMA)
        psql = [postgres_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
                "-f", str(clear), "-f", "-", target]  # fmt: skip
        with (
            tempfile.TemporaryFile() as reading_errors,
            tempfile.TemporaryFile() as running_errors,
        ):
            # Our own programs and arguments, no shell.
            reader = subprocess.Popen(  # noqa: S603
                restore, stdout=subprocess.PIPE, stderr=reading_errors
            )
            runner = subprocess.Popen(  # noqa: S603
                psql, stdin=reader.stdout, stdout=subprocess.DEVNULL, stderr=running_errors,
                env=environment,
            )  # fmt: skip
            reader.stdout.close()  # psql alone reads it now
            running_failed = runner.wait() != 0
            reading_failed = reader.wait() != 0
            if running_failed or reading_failed:
                errors = running_errors if running_failed else reading_errors
                errors.seek(0)
                message = errors.read().decode("utf-8", "replace").strip()
                raise BackupError(f"The restore failed and changed nothing: {message}")


DUMPS = {SQLITE: dump_sqlite, POSTGRESQL: dump_postgresql}
LOADS = {SQLITE: load_sqlite, POSTGRESQL: load_postgresql}
