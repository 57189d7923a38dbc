"""What the national benchmark asks for, looked up in the data set once before measuring."""

from __future__ import annotations

import time
from contextlib import closing
from dataclasses import dataclass

import psycopg
from sqlalchemy import select
from sqlalchemy.dialects import postgresql

from kirab.attendance.csv_export import export_query, headcount_query
from kirab.events.models import Event
from kirab.relay.models import Route, Stop
from tests.benchmarks.server import libpq_url

# The examples: West Java, and Bekasi regency in it.
PROVINCE, REGENCY = "32", "32.16"


@dataclass(frozen=True)
class Facts:
    """Ids and codes the measured URLs are made of."""

    relay_id: int
    admin_email: str
    events: int
    records: int
    province: str
    regency: str
    other_province: str
    month: str
    changed_event: int
    attendance_event: int
    attendance_event_records: int
    import_event: int


def one(connection, query: str, *parameters):
    """The first column of the first row (None without rows)."""
    row = connection.execute(query, parameters).fetchone()
    return row[0] if row else None


def host_regions(connection) -> list[str]:
    """The regions hosting a stop with published events, most events first."""
    rows = connection.execute(
        "SELECT o.region_code FROM events e JOIN stops s ON s.id = e.stop_id "
        "JOIN offices o ON o.id = s.office_id WHERE e.deleted_at IS NULL "
        "AND e.status = 'published' AND o.region_code LIKE '%.%' "
        "GROUP BY o.region_code ORDER BY count(*) DESC, o.region_code"
    ).fetchall()
    return [code for (code,) in rows]


def look_up(database_url: str) -> Facts:
    """Everything the URLs need: the region asked for, the fullest month, the events used."""
    with closing(psycopg.connect(libpq_url(database_url))) as connection:
        hosts = host_regions(connection)
        if not hosts:
            raise RuntimeError("the database holds no published events of a regency")
        regency = REGENCY if REGENCY in hosts else next(
            (code for code in hosts if code.startswith(PROVINCE + ".")), hosts[0]
        )  # fmt: skip
        province = regency.split(".")[0]
        other = next((c.split(".")[0] for c in hosts if not c.startswith(province + ".")), "11")
        month = one(
            connection,
            "SELECT to_char(starts_at AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM') AS month "
            "FROM events WHERE deleted_at IS NULL AND status = 'published' "
            "GROUP BY month ORDER BY count(*) DESC, month LIMIT 1",
        )
        # An event of the regency in that month: its change reaches every page measured.
        changed = one(
            connection,
            "SELECT e.id FROM events e JOIN stops s ON s.id = e.stop_id "
            "JOIN offices o ON o.id = s.office_id WHERE o.region_code = %s "
            "AND e.deleted_at IS NULL AND e.status = 'published' ORDER BY "
            "to_char(e.starts_at AT TIME ZONE 'Asia/Jakarta', 'YYYY-MM') = %s DESC, e.id LIMIT 1",
            regency,
            month,
        )
        attendance = connection.execute(
            "SELECT event_id, count(*) FROM attendance_records GROUP BY event_id "
            "ORDER BY abs(count(*) - 2000), event_id LIMIT 1"
        ).fetchone() or (changed, 0)
        return Facts(
            relay_id=one(connection, "SELECT id FROM relays ORDER BY id LIMIT 1"),
            admin_email=one(
                connection, "SELECT email FROM users WHERE role = 'admin' ORDER BY id LIMIT 1"
            ),
            events=one(connection, "SELECT count(*) FROM events WHERE deleted_at IS NULL"),
            records=one(connection, "SELECT count(*) FROM attendance_records"),
            province=province,
            regency=regency,
            other_province=other,
            month=month,
            changed_event=changed,
            attendance_event=attendance[0],
            attendance_event_records=attendance[1],
            # The relay's last published event: the same one on every run of a reused set.
            import_event=one(
                connection,
                "SELECT id FROM events WHERE deleted_at IS NULL AND status = 'published' "
                "ORDER BY id DESC LIMIT 1",
            ),
        )


def export_copy_sqls(relay_id: int) -> list[str]:
    """The relay export's own queries (records, then tallies) as PostgreSQL SQL."""
    stops = select(Stop.id).join(Route, Route.id == Stop.route_id).where(Route.relay_id == relay_id)
    condition = Event.stop_id.in_(stops)
    return [
        str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
        for query in (export_query(condition), headcount_query(condition))
    ]


def copy_seconds(database_url: str, sql: str, limit: float) -> tuple[float, int]:
    """Seconds PostgreSQL's ``COPY (sql) TO STDOUT`` (CSV) takes to arrive whole, and its rows."""
    with closing(psycopg.connect(libpq_url(database_url))) as connection:
        connection.execute(f"SET statement_timeout = {int(limit * 1000)}")
        size = 0
        start = time.perf_counter()
        cursor = connection.cursor()
        with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
            for data in copy:
                size += len(data)
        return time.perf_counter() - start, cursor.rowcount


def records_of(database_url: str, event_id: int) -> int:
    """How many attendance records the event has."""
    with closing(psycopg.connect(libpq_url(database_url))) as connection:
        return one(
            connection, "SELECT count(*) FROM attendance_records WHERE event_id = %s", event_id
        )
