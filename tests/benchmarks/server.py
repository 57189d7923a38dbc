"""The national benchmark's server side: the data set in PostgreSQL and gunicorn serving it.

``prepare_dataset`` upgrades the database with ``init-db``, loads the
national relay with ``seed-national`` unless one is there already (then it
is reused) and settles it with VACUUM ANALYZE. ``Gunicorn`` starts the app
as production does (Kirab's gunicorn settings, 2 workers, a generated
secret key, rate limits in Redis) and always stops it again;
``RssSampler`` follows the workers' memory.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import closing
from pathlib import Path

import psycopg

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Every seeded account gets this password (seed-national's KIRAB_SEED_PASSWORD).
SEED_PASSWORD = os.environ.get("KIRAB_BENCH_PASSWORD", "kirab-national-benchmark")
SEED_TIMEOUT = 1800  # seconds; seed-national at scale 1.0 takes well under a minute
START_TIMEOUT = 60  # seconds for gunicorn to answer /healthz


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://``) as psycopg takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def app_environment(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of the app's processes: ours, without any other KIRAB_ setting."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KIRAB_")}
    environment.update(
        KIRAB_ENV="production",
        KIRAB_DATABASE_URL=database_url,
        KIRAB_RATELIMIT_STORAGE_URI=redis_url,
        KIRAB_SECRET_KEY=secrets.token_hex(32),
        KIRAB_SEED_PASSWORD=SEED_PASSWORD,
        PYTHONUNBUFFERED="1",
    )
    environment.update(extra)
    return environment


def flask_command(environment: dict[str, str], *arguments: str, out) -> None:
    """Run ``flask --app kirab ARGUMENTS``; RuntimeError with its output when it fails."""
    command = [sys.executable, "-m", "flask", "--app", "kirab", *arguments]
    done = subprocess.run(
        command, cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True,
        timeout=SEED_TIMEOUT, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(arguments)} failed:\n{done.stdout}\n{done.stderr}")
    for line in done.stdout.splitlines():
        out(f"  {line}")


def holds_relay(database_url: str) -> bool:
    """Whether the database holds a relay already (the schema may be missing)."""
    with closing(psycopg.connect(libpq_url(database_url))) as connection:
        exists = connection.execute("SELECT to_regclass('public.relays')").fetchone()[0]
        if exists is None:
            return False
        return connection.execute("SELECT 1 FROM relays LIMIT 1").fetchone() is not None


def prepare_dataset(database_url: str, redis_url: str, scale: float, out) -> float:
    """Upgrade the database, load the national relay unless loaded, settle it: seconds taken."""
    environment = app_environment(database_url, redis_url)
    start = time.perf_counter()
    flask_command(environment, "init-db", out=out)
    if holds_relay(database_url):
        out("  The database holds a relay already: reused as it is (scale not checked).")
    else:
        flask_command(environment, "seed-national", "--scale", str(scale), out=out)
    settle(database_url, out)
    return time.perf_counter() - start


def settle(database_url: str, out) -> None:
    """VACUUM and ANALYZE the database once, as autovacuum keeps a production server.

    A reused data set carries the dead rows and stale statistics of earlier
    runs (the page store, the data versions, the imported records); a
    server run without autovacuum would measure those instead of Kirab.
    """
    start = time.perf_counter()
    with closing(psycopg.connect(libpq_url(database_url), autocommit=True)) as connection:
        autovacuum = connection.execute("SHOW autovacuum").fetchone()[0]
        connection.execute("VACUUM (ANALYZE)")
    out(
        f"  Vacuumed and analysed in {time.perf_counter() - start:.1f} s (autovacuum {autovacuum})."
    )


def free_port() -> int:
    """A TCP port free on 127.0.0.1 just now."""
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """Kirab under gunicorn with the shipped settings; a context manager that stops it."""

    def __init__(self, database_url: str, redis_url: str, workers: int = 2):
        self.port = free_port()
        self.environment = app_environment(
            database_url, redis_url, KIRAB_BASE_URL=f"http://127.0.0.1:{self.port}"
        )
        self.workers = workers
        self.process: subprocess.Popen | None = None
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (kept open while serving)
            prefix="kirab-bench-gunicorn-", suffix=".log", delete=False
        )

    def __enter__(self) -> Gunicorn:
        command = [
            sys.executable, "-m", "gunicorn", "-c", "python:kirab.gunicorn_conf",
            "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
            "kirab:create_app()",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=self.environment, stdout=self.log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            self.wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def wait_until_ready(self) -> None:
        """Wait until every worker is up and /healthz answers; RuntimeError after the limit."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn ended at start; its log: {self.log.name}")
            try:
                with closing(socket.create_connection(("127.0.0.1", self.port), 1)) as sock:
                    sock.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                    answered = sock.recv(64).startswith(b"HTTP/1.0 200")
                if answered and len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT} s: {self.log.name}")

    def worker_pids(self) -> list[int]:
        """The worker processes (the master's children)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(entry.name))
        return sorted(pids)

    def stop(self) -> None:
        """Stop gunicorn (TERM, then KILL after a while), whatever state it is in."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


def rss_kib(pid: int) -> int | None:
    """A process's resident memory (VmRSS) in KiB, None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class RssSampler(threading.Thread):
    """Samples every worker's RSS until stopped; ``growth_mib`` is the largest rise."""

    def __init__(self, pids: list[int], interval: float = 0.1, limit: float = 900):
        super().__init__(daemon=True)
        self.pids, self.interval, self.limit = pids, interval, limit
        self.first = {pid: rss_kib(pid) or 0 for pid in pids}
        self.peak = dict(self.first)
        self.halt = threading.Event()

    def run(self) -> None:
        """Sample until stopped, or ``limit`` seconds at the most."""
        deadline = time.monotonic() + self.limit
        while not self.halt.wait(self.interval) and time.monotonic() < deadline:
            for pid in self.pids:
                self.peak[pid] = max(self.peak[pid], rss_kib(pid) or 0)

    def stop(self) -> float:
        """Stop sampling; the largest growth of one worker, in MiB."""
        self.halt.set()
        self.join(timeout=5)
        return max((self.peak[pid] - self.first[pid]) / 1024 for pid in self.pids)
