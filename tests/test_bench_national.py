"""The national HTTP benchmark runs (at scale 0.01 in a scratch database; ``make bench`` measures).

It measures PostgreSQL, so the PostgreSQL pass of the suite runs it (not
the SQLite pass, which would run the same thing again): the test creates a
database of its own on the server at 127.0.0.1:5432 and drops it after.
The ratios are not asserted: on a shared machine they prove nothing; the
run printing its whole table and its last line does.
"""

import os
import re
import subprocess
import sys
import uuid
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import IN_CI, POSTGRES_URL

psycopg = pytest.importorskip("psycopg")

SERVER = os.environ.get("KIRAB_BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PROJECT_ROOT = Path(__file__).resolve().parents[1]


def server_or_skip():
    """An autocommit connection to the server's maintenance database, or skip (fail in CI)."""
    try:
        return psycopg.connect(SERVER, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {SERVER} is needed for the benchmark's test: {error}")
        pytest.skip(f"no PostgreSQL at {SERVER}")


@pytest.fixture
def scratch_database():
    """A new empty database on the server, dropped afterwards; its SQLAlchemy URL."""
    name = f"kirab_bench_scratch_{uuid.uuid4().hex[:12]}"
    with closing(server_or_skip()) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        base = SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        yield f"{base}/{name}"
    finally:
        with closing(server_or_skip()) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def the_national_benchmark_runs_and_prints_its_table(scratch_database):
    redis = os.environ.get("KIRAB_TEST_RATELIMIT_STORAGE_URI", "memory://")
    command = [
        sys.executable, "-m", "tests.benchmarks.national", "--scale", "0.01",
        "--database-url", scratch_database, "--redis-url", redis, "--runs", "3",
        "--cold-runs", "1", "--load-seconds", "0.3", "--import-rows", "500",
    ]  # fmt: skip
    done = subprocess.run(  # the benchmark starts and stops its own gunicorn
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=240, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.rstrip().splitlines()
    header = next(line for line in lines if line.startswith("page "))
    for column in ("measurement", "vs /login", "vs static", "goal", "result"):
        assert column in header
    report = "\n".join(lines)
    for page in ("/route", "/agenda?region=32", "/api/v1/events?per_page=500",
                 "/reports/attendance/parties", "/calendar.ics", "/attendance.csv",
                 "/attendance/import (500 rows"):  # fmt: skip
        assert page in report
    for measurement in ("warm ", "cold ", "8 clients ", "COPY", "RSS"):
        assert measurement in report
    assert "every row added" in report and "500 added" in report
    assert re.fullmatch(r"\d+ of \d+ goals met", lines[-1])


if POSTGRES_URL:
    test_the_national_benchmark_runs_and_prints_its_table = (
        the_national_benchmark_runs_and_prints_its_table
    )
