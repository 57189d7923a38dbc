"""The national HTTP benchmark (``make bench``): Kirab at the 2023 relay's size, as served.

Builds (or reuses) the national data set in PostgreSQL
(``KIRAB_BENCH_DATABASE_URL``, default the local server's ``kirab_bench``)
with ``init-db`` and ``seed-national``, starts gunicorn as production does
(Kirab's gunicorn settings, 2 workers, rate limits in Redis, a generated
secret key, ``KIRAB_ENV=production``) and measures over HTTP on 127.0.0.1:

- every public page, API list and feed of the issue warm (an unconditional,
  uncompressed 200 of a URL asked before), cold (the first request after one
  event changed through its edit form) and at 8 concurrent clients, against
  ``GET /login`` and a static file measured in the same run, interleaved;
- the attendance page of an event with about 2,000 records, logged in;
- the relay's CSV export against PostgreSQL's COPY of the same joined rows,
  and the workers' RSS growth during it;
- an attendance import of 50,000 rows through the import form.

It prints one table (page, measurement, ratio to /login and to the static
file, goal, met) and a last line ``N of M goals met``; gunicorn is stopped
at the end, also on error. The session cookie is ``Secure`` in production:
the benchmark keeps and sends it itself over plain HTTP.

    python -m tests.benchmarks.national [--scale 1.0] [--database-url URL] [--redis-url URL]

Every run imports 50,000 new names into one event (the relay's last), so a
reused data set grows by that much each time.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass

from tests.benchmarks import measure
from tests.benchmarks.client import Client, log_in
from tests.benchmarks.facts import Facts, copy_seconds, export_copy_sqls, look_up, records_of
from tests.benchmarks.server import SEED_PASSWORD, Gunicorn, prepare_dataset

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/kirab_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
IMPORT_ROWS = 50_000
CLIENTS = 8


@dataclass
class Row:
    """One line of the table; ``met`` is None for a line without a goal."""

    page: str
    measurement: str
    vs_login: float | None = None
    vs_static: float | None = None
    goal: str = ""
    met: bool | None = None


def public_urls(facts: Facts) -> dict[str, str]:
    """Show 1's URLs, each under the name the table gives it."""
    by = {f"/reports/attendance?by={view}": view for view in ("event", "stop", "dapil", "kind")}
    return {
        "/": "/",
        "/route": "/route",
        "/agenda": "/agenda",
        f"/agenda?region={facts.province}": f"/agenda?region={facts.province}",
        f"/agenda?region={facts.regency}": f"/agenda?region={facts.regency}",
        f"/agenda month {facts.month}": f"/agenda?view=month&month={facts.month}",
        "/events/<id>": f"/events/{facts.changed_event}",
        "/api/v1/events": "/api/v1/events",
        "/api/v1/events?per_page=500": "/api/v1/events?per_page=500",
        "/api/v1/relay/status": "/api/v1/relay/status",
        **{name: name for name in by},
        "/reports/attendance?by=party": "/reports/attendance?by=party",
        "/reports/attendance/parties": "/reports/attendance/parties",
        "/calendar.ics": "/calendar.ics",
        f"/calendar.ics?region={facts.province}": f"/calendar.ics?region={facts.province}",
    }


def cold_goal(name: str) -> float:
    """The issue's limit for a cold request: 20x for the month view and 500 per page."""
    return 20.0 if "month" in name or "per_page=500" in name else 10.0


def ratio(value: float | None, base: float | None) -> float | None:
    """value / base, None when either is missing."""
    return value / base if value is not None and base else None


def ms(seconds: float | None) -> str:
    """Milliseconds, for the measurement column."""
    return "no 200" if seconds is None else f"{seconds * 1000:.1f} ms"


class Benchmark:
    """One run against a server: the baselines first, then every measurement into ``rows``."""

    def __init__(self, server: Gunicorn, facts: Facts, options):
        self.server, self.facts, self.options = server, facts, options
        self.anonymous = Client(server.port)
        self.admin = log_in(server.port, facts.admin_email, SEED_PASSWORD)
        self.rows: list[Row] = []
        self.login = self.static = None

    def timed_row(self, page, label, samples, goal_ratio=None, goal_text="", bases=None):
        """A row of a latency, with its ratios and, given a limit, whether it was met.

        ``bases`` are the (login, static) medians to compare with: by default
        those of the warm rounds.
        """
        login, static = bases or (self.login, self.static)
        seconds = samples.median
        vs_login, vs_static = ratio(seconds, login), ratio(seconds, static)
        met = None
        if goal_ratio is not None:
            met = vs_login is not None and vs_login <= goal_ratio and not samples.failures
        text = f"{label} {ms(seconds)}"
        if samples.failures:
            text += f" (HTTP {sorted(set(samples.failures))})"
        self.rows.append(Row(page, text, vs_login, vs_static, goal_text, met))

    def warm(self, urls: dict[str, str]) -> None:
        """Show 1 and 4: warm medians, pages and baselines interleaved."""
        attendance = f"/events/{self.facts.attendance_event}/attendance"
        targets = {
            measure.LOGIN: (self.anonymous, measure.LOGIN),
            "static": (self.anonymous, measure.STATIC),
            **{name: (self.anonymous, path) for name, path in urls.items()},
            "attendance": (self.admin, attendance),
        }
        results = measure.warm(targets, self.options.runs, self.options.phase_limit)
        self.login = results[measure.LOGIN].median
        self.static = results["static"].median
        self.timed_row("GET /login", "warm", results[measure.LOGIN])
        self.timed_row(f"static {measure.STATIC}", "warm", results["static"])
        for name in urls:
            self.timed_row(name, "warm", results[name], 2.0, "warm <= 2x /login")
        records = self.facts.attendance_event_records
        self.timed_row(f"/events/<id>/attendance ({records:,} records, admin)", "warm",
                       results["attendance"], 10.0, "<= 10x /login")  # fmt: skip

    def cold(self, urls: dict[str, str]) -> None:
        """Show 2: the first request after one event changed; other provinces stay warm.

        /login and the static file are asked after every cold request, and the
        ratios are against their medians of this phase.
        """
        editor = measure.Editor(self.admin, self.facts.changed_event)
        baselines = {measure.LOGIN: measure.LOGIN, "static": measure.STATIC}
        other = self.facts.other_province
        elsewhere = {
            f"/agenda?region={other}": f"/agenda?region={other}",
            f"/calendar.ics?region={other}": f"/calendar.ics?region={other}",
        }
        for path in elsewhere.values():
            self.anonymous.get(path)  # asked before the changes
        results = measure.cold(
            self.anonymous, editor, {**urls, **elsewhere}, self.options.cold_runs,
            self.options.phase_limit, baselines,
        )  # fmt: skip
        bases = (results[measure.LOGIN].median, results["static"].median)
        self.timed_row("GET /login", "between cold requests", results[measure.LOGIN], bases=bases)
        self.timed_row(f"static {measure.STATIC}", "between cold requests", results["static"],
                       bases=bases)  # fmt: skip
        for name in urls:
            goal = cold_goal(name)
            self.timed_row(name, "cold", results[name], goal, f"cold <= {goal:g}x /login", bases)
        for name in elsewhere:
            self.timed_row(f"{name} (change in {self.facts.province})", "after change",
                           results[name], 2.0, "stays warm: <= 2x /login", bases)  # fmt: skip

    def load(self, urls: dict[str, str]) -> None:
        """Show 3: requests per second at 8 concurrent clients, against /login's."""
        port, seconds = self.server.port, self.options.load_seconds
        before = measure.throughput(port, measure.LOGIN, CLIENTS, seconds)
        rates = {
            name: measure.throughput(port, path, CLIENTS, seconds) for name, path in urls.items()
        }
        after = measure.throughput(port, measure.LOGIN, CLIENTS, seconds)
        login = (before + after) / 2
        static = measure.throughput(port, measure.STATIC, CLIENTS, seconds)
        self.rows.append(Row("GET /login", f"{CLIENTS} clients {login:.1f} req/s", 1.0,
                             ratio(login, static)))  # fmt: skip
        self.rows.append(Row(f"static {measure.STATIC}", f"{CLIENTS} clients {static:.1f} req/s",
                             ratio(static, login), 1.0))  # fmt: skip
        for name, rate in rates.items():
            share = ratio(rate, login)
            self.rows.append(Row(name, f"{CLIENTS} clients {rate:.1f} req/s", share,
                                 ratio(rate, static), ">= 25% of /login's req/s",
                                 share is not None and share >= 0.25))  # fmt: skip

    def export(self) -> None:
        """Show 5: the relay export against PostgreSQL's COPY, and the workers' memory."""
        url, limit = self.options.database_url, self.options.export_limit
        # The export writes the records, then the headcount tallies: COPY both.
        copies = [copy_seconds(url, sql, limit) for sql in export_copy_sqls(self.facts.relay_id)]
        copy, copied_rows = sum(c for c, _rows in copies), sum(rows for _c, rows in copies)
        path = f"/relays/{self.facts.relay_id}/attendance.csv"
        done = measure.export(self.admin, path, self.server.worker_pids(), limit)
        whole = done.whole and done.rows == copied_rows
        times = ratio(done.seconds, copy)
        self.rows.append(Row(
            "COPY of the export's rows", f"{copy:.2f} s, {copied_rows:,} rows"
        ))  # fmt: skip
        self.rows.append(Row(
            f"{path} (admin)",
            f"{done.seconds:.2f} s, {done.size / 1e6:.0f} MB, {done.rows:,} rows, "
            f"{'whole' if whole else 'NOT whole'}, {times:.1f}x COPY",
            goal="whole, <= 5x COPY", met=whole and times <= 5,
        ))  # fmt: skip
        self.rows.append(Row(
            "worker RSS during the export", f"+{done.rss_growth_mib:.1f} MB",
            goal="grows < 50 MB", met=done.rss_growth_mib < 50,
        ))  # fmt: skip

    def attendance_import(self) -> None:
        """Show 6: an import of 50,000 rows through the form completes."""
        rows = self.options.import_rows
        data = measure.import_file(rows, time.strftime("%Y%m%d%H%M%S"))
        event_id, url = self.facts.import_event, self.options.database_url
        before = records_of(url, event_id)
        seconds, status = measure.attendance_import(self.admin, event_id, data)
        added = records_of(url, event_id) - before
        self.rows.append(Row(
            f"/events/<id>/attendance/import ({rows:,} rows, {len(data) / 1e6:.1f} MB)",
            f"{seconds:.1f} s, HTTP {status}, {added:,} added",
            goal="completes: 200, every row added", met=status == 200 and added == rows,
        ))  # fmt: skip

    def run(self) -> list[Row]:
        """Every measurement, in an order where none disturbs the next."""
        urls = public_urls(self.facts)
        if self.options.only:  # a shorter run: those pages, no export or import
            urls = {name: path for name, path in urls.items()
                    if any(part in name for part in self.options.only)}  # fmt: skip
        self.warm(urls)
        self.load(urls)
        self.cold(urls)
        if not self.options.only:
            self.export()
            self.attendance_import()
        return self.rows


def table(rows: list[Row]) -> list[str]:
    """The printed table and its last line."""

    def times(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}x"

    header = ("page", "measurement", "vs /login", "vs static", "goal", "result")
    cells = [
        (row.page, row.measurement, times(row.vs_login), times(row.vs_static), row.goal,
         "" if row.met is None else ("met" if row.met else "MISSED"))
        for row in rows
    ]  # fmt: skip
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header))]
    lines = ["  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip()
             for line in [header, tuple("-" * w for w in widths), *cells]]  # fmt: skip
    goals = [row.met for row in rows if row.met is not None]
    lines.append(f"{sum(goals)} of {len(goals)} goals met")
    return lines


def options_from(arguments: list[str] | None = None):
    """The command line (and KIRAB_BENCH_* variables) as options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    environment = os.environ.get
    parser.add_argument(
        "--scale", type=float, default=float(environment("KIRAB_BENCH_SCALE", "1.0"))
    )
    parser.add_argument(
        "--database-url", default=environment("KIRAB_BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument(
        "--redis-url", default=environment("KIRAB_BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    )
    parser.add_argument("--runs", type=int, default=15, help="warm rounds (at least 3)")
    parser.add_argument("--cold-runs", type=int, default=11, help="changes per URL")
    parser.add_argument("--load-seconds", type=float, default=4.0, help="per URL at 8 clients")
    parser.add_argument("--phase-limit", type=float, default=300.0, help="seconds per phase")
    parser.add_argument("--export-limit", type=float, default=900.0, help="seconds")
    parser.add_argument("--import-rows", type=int, default=IMPORT_ROWS)
    parser.add_argument("--only", action="append", metavar="SUBSTRING",
                        help="measure only the pages whose name holds it (repeatable); "
                             "no export or import")  # fmt: skip
    return parser.parse_args(arguments)  # fmt: skip


def main(arguments: list[str] | None = None, out=print) -> int:
    """Prepare, serve, measure, print; 0 when the run completed (goals met or not)."""
    options = options_from(arguments)
    start = time.perf_counter()
    out(f"Kirab national HTTP benchmark (scale {options.scale}, PostgreSQL, gunicorn 2 workers)")
    seconds = prepare_dataset(options.database_url, options.redis_url, options.scale, out)
    facts = look_up(options.database_url)
    out(f"Data set ready in {seconds:.1f} s: {facts.events:,} events, "
        f"{facts.records:,} attendance records; load average {os.getloadavg()[0]:.2f} "
        f"on {os.cpu_count()} CPUs")  # fmt: skip
    with Gunicorn(options.database_url, options.redis_url) as server:
        rows = Benchmark(server, facts, options).run()
    out("")
    for line in table(rows)[:-1]:
        out(line)
    out(f"Measured in {time.perf_counter() - start:.0f} s; load average now "
        f"{os.getloadavg()[0]:.2f}")  # fmt: skip
    out(table(rows)[-1])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
