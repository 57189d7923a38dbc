"""Benchmark of the calendar feeds on a relay of national size (``make bench``).

Builds a scratch SQLite database with a relay like the 2023 one (7 routes,
about 305 stops, about 13,000 events) and reports, as ratios measured in
the same run:

- the national feed's first build and its rebuild after one event changed,
  against building the same events with icalendar the plain way (one
  Calendar, one Event each, serialised whole);
- the same for every stop's region feed together (all the events);
- serving an unchanged feed (200 and 304) against serving the same bytes
  as a static file (Flask's ``send_file``) from the same test client.

Goals: a rebuild after one change at least 10 times faster than the plain
build; an unchanged 200 within 2 times the static file.

    python -m tests.benchmarks.feeds [--events 13000] [--stops 305] [--routes 7]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import send_file
from flask_migrate import upgrade
from icalendar import Calendar
from sqlalchemy import insert, select
from werkzeug.datastructures import MultiDict

from kirab import create_app
from kirab.database import db
from kirab.events.filters import EventFilter, parse_filters
from kirab.events.models import KINDS, PUBLISHED, Event, new_uid
from kirab.events.scheduling import EventData, update_event
from kirab.feeds import ics
from kirab.feeds.contents import feed_day, public_spec, select_members
from kirab.feeds.models import FeedDocument, RenderedEvent
from kirab.feeds.rendering import event_link, load_events, wording
from kirab.regions.models import NATIONAL_CODE, Office, Region
from kirab.regions.reference import load_reference_data
from kirab.relay.models import Relay, Route, Stop

BASE_URL = "https://kirab.example"
START = datetime(2023, 6, 1, 9, tzinfo=ZoneInfo("Asia/Jakarta"))
# Mid-relay: the national feed is larger than 1,000 events and gets its window.
NOW = datetime(2023, 10, 15, 12, tzinfo=ZoneInfo("Asia/Jakarta"))
STOP_DAYS = 6
DESCRIPTION = (
    "Kirab Pemilu membawa bendera pataka KPU, bendera Merah Putih dan bendera partai "
    "politik peserta Pemilu 2024. Warga diundang hadir, mengenal tahapan pemilu dan "
    "menggunakan hak pilih pada 14 Februari 2024."
)


def scratch_app(folder: Path):
    """A Kirab app on an empty SQLite database in ``folder``, migrated, reference data in."""
    app = create_app(
        {
            "SECRET_KEY": "benchmark",
            "KIRAB_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}",
            "RATELIMIT_STORAGE_URI": "memory://",
            "BASE_URL": BASE_URL,
            "FIXED_NOW": NOW,
        }
    )
    static = folder / "calendar.ics"
    # The baseline: the same bytes served as a static file, with its own validators.
    app.add_url_rule(
        "/bench/static.ics",
        "bench_static",
        lambda: send_file(static, mimetype="text/calendar", conditional=True, etag=True),
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        load_reference_data()
        db.session.commit()
    return app


def build_relay(routes: int, stops: int, events: int) -> None:
    """A relay of ``routes`` routes ending at KPU RI, ``stops`` stops, ``events`` events."""
    offices = list(
        db.session.execute(
            select(Office)
            .join(Region)
            .where(Region.level == "regency")
            .order_by(Office.region_code)
        ).scalars()
    )
    national = db.session.execute(
        select(Office).where(Office.region_code == NATIONAL_CODE)
    ).scalar_one()
    relay = Relay(name="Kirab Pemilu 2024 (benchmark)")
    db.session.add(relay)
    per_route = [stops // routes + (1 if n < stops % routes else 0) for n in range(routes)]
    all_stops: list[Stop] = []
    used = 0
    for number, count in enumerate(per_route, 1):
        route = Route(relay=relay, name=f"Jalur {number}", position=number)
        hosts = [*offices[used : used + count - 1], national]
        used += count - 1
        for position, office in enumerate(hosts, 1):
            receives = START + timedelta(days=STOP_DAYS * (position - 1))
            last = position == len(hosts)
            stop = Stop(
                route=route, position=position, office=office, receives_at=receives,
                hands_over_at=None if last else receives + timedelta(days=STOP_DAYS),
            )  # fmt: skip
            all_stops.append(stop)
        db.session.add(route)
    db.session.flush()
    rows = []
    stamp = START.astimezone(UTC) - timedelta(days=30)
    for index in range(events):
        stop = all_stops[index % len(all_stops)]
        slot = index // len(all_stops)
        # Inside the stop's window: from an hour after the flags arrive, up to six a day.
        starts = stop.receives_at + timedelta(
            days=slot % STOP_DAYS, hours=1 + 2 * ((slot // STOP_DAYS) % 6)
        )
        rows.append(
            dict(
                uid=new_uid(), stop_id=stop.id, kind=KINDS[slot % len(KINDS)],
                title=f"Kirab Pemilu {stop.office.name} #{slot + 1}", description=DESCRIPTION,
                starts_at=starts, ends_at=starts + timedelta(minutes=90),
                venue_name=f"Alun-alun {stop.office.region.name}",
                venue_address=f"Jl. Pemilu No. {slot + 1}, {stop.office.region.name}",
                latitude=None, longitude=None, dapil_id=None, capacity=None, status=PUBLISHED,
                cancel_reason="", sequence=0, created_at=stamp, updated_at=stamp,
            )
        )  # fmt: skip
    db.session.execute(insert(Event), rows)
    db.session.commit()


def timed(action: Callable[[], object]) -> float:
    """Seconds one call of ``action`` takes."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def median_of(action: Callable[[], object], runs: int) -> float:
    """The median duration of ``runs`` calls."""
    return statistics.median(timed(action) for _ in range(runs))


def forget_feeds() -> None:
    """Empty the stored feeds and rendered events: the next request builds from scratch."""
    db.session.execute(FeedDocument.__table__.delete())
    db.session.execute(RenderedEvent.__table__.delete())
    db.session.commit()


def plain_build(event_filter: EventFilter, lang: str = "id") -> bytes:
    """The same feed built the plain way: load, one Calendar, one Event each, serialise whole."""
    spec = public_spec(event_filter)
    about = spec.describe(lang)
    members, description = select_members(spec, feed_day(NOW), lang, about.text)
    by_id = {event.id: event for event in load_events([m.id for m in members])}
    words = wording(lang)
    calendar = Calendar()
    head = {
        "version": "2.0", "prodid": "-//KPU//Kirab Pemilu//ID", "name": about.name,
        "x-wr-calname": about.name, "description": description, "x-wr-timezone": about.timezone,
    }  # fmt: skip
    for name, value in head.items():
        calendar.add(name, value)
    for member in members:
        event = by_id[member.id]
        calendar.add_component(ics.event_component(event, words, event_link(event.id, lang)))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def change_one_event(event_id: int, count: int) -> None:
    """Rename one event through the scheduling service, as an organizer would."""
    event = db.session.get(Event, event_id)
    data = replace(EventData.of(event), title=f"{event.title} (diubah {count})")
    update_event(event, data, actor=None, now=NOW + timedelta(minutes=count))
    db.session.commit()


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator, guarded."""
    return numerator / denominator if denominator else float("inf")


def against_plain(plain: float, seconds: float) -> str:
    """How a time compares with the plain build's, in words."""
    if seconds <= plain:
        return f"{ratio(plain, seconds):6.1f}x faster than plain"
    return f"{ratio(seconds, plain):6.1f}x slower than plain"


def run(
    events: int = 13_000,
    stops: int = 305,
    routes: int = 7,
    serve_runs: int = 200,
    out: Callable[[str], None] = print,
) -> dict[str, float]:
    """Build the relay, measure, print the report; return the ratios."""
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="kirab-bench-") as folder:
        app = scratch_app(Path(folder))
        with app.app_context():
            try:
                build_relay(routes, stops, events)
                results = measure(app, Path(folder), events, stops, routes, serve_runs, out)
            finally:
                db.session.remove()
                db.engine.dispose()
    return results


def measure(app, folder: Path, events, stops, routes, serve_runs, out) -> dict[str, float]:
    """Every measurement of the report."""
    client = app.test_client()
    rounds = 3

    # The national feed: every event of the relay, windowed to 1,000.
    national = parse_filters(MultiDict())

    def first_build():
        forget_feeds()
        response = client.get("/calendar.ics")
        assert response.status_code == 200

    t_first = median_of(first_build, rounds)
    body = client.get("/calendar.ics").data
    t_plain = median_of(lambda: plain_build(national), rounds)
    in_feed = [int(line.split(b"/events/")[1]) for line in body.split(b"\r\n")
               if line.startswith(b"URL:")]  # fmt: skip

    changes = iter(range(1, 1000))

    def rebuild():
        change_one_event(in_feed[len(in_feed) // 2], next(changes))
        start = time.perf_counter()
        response = client.get("/calendar.ics")
        elapsed = time.perf_counter() - start
        assert response.status_code == 200
        return elapsed

    t_rebuild = statistics.median(rebuild() for _ in range(5))

    # Serving an unchanged feed, against the same bytes from a static file.
    body = client.get("/calendar.ics").data
    etag = client.get("/calendar.ics").headers["ETag"]
    (folder / "calendar.ics").write_bytes(body)
    with client.get("/bench/static.ics") as response:
        static_etag = response.headers["ETag"]

    def get(path, **headers):
        response = client.get(path, headers=headers)
        response.close()

    # Interleaved, so that a busy moment of the machine weighs on every path alike.
    paths = {
        "feed_200": ("/calendar.ics", {}),
        "feed_304": ("/calendar.ics", {"If-None-Match": etag}),
        "static_200": ("/bench/static.ics", {}),
        "static_304": ("/bench/static.ics", {"If-None-Match": static_etag}),
    }
    samples: dict[str, list[float]] = {name: [] for name in paths}
    for round_number in range(serve_runs + 20):
        for name, (path, headers) in paths.items():
            seconds = timed(lambda path=path, headers=headers: get(path, **headers))
            if round_number >= 20:  # the first rounds warm up every path
                samples[name].append(seconds)
    t_200, t_304, t_static, t_static_304 = (
        statistics.median(samples[name])
        for name in ("feed_200", "feed_304", "static_200", "static_304")
    )

    # Every stop's region feed: together they hold every event of the relay.
    hosts = select(Office.region_code).join(Stop, Stop.office_id == Office.id).distinct()
    regions = sorted(db.session.execute(hosts).scalars())
    filters = [parse_filters(MultiDict({"region": code})) for code in regions]

    def all_region_feeds():
        for code in regions:
            response = client.get(f"/calendar.ics?region={code}")
            assert response.status_code == 200
            response.close()

    forget_feeds()
    t_regions_first = timed(all_region_feeds)
    t_regions_plain = timed(lambda: [plain_build(f) for f in filters])
    change_one_event(in_feed[0], next(changes))
    t_regions_rebuild = timed(all_region_feeds)

    out(f"Kirab feed benchmark: {events:,} events, {stops} stops, {routes} routes "
        f"(scratch SQLite database, one process)")  # fmt: skip
    out(f"National feed /calendar.ics: {len(in_feed):,} events in its window, "
        f"{len(body) / 1e6:.2f} MB")  # fmt: skip
    rows = [
        ("plain icalendar build (load, one Calendar, serialise)", t_plain, ""),
        ("feed, first build", t_first, against_plain(t_plain, t_first)),
        ("feed, rebuild after one event changed", t_rebuild,
         against_plain(t_plain, t_rebuild) + " (goal: at least 10x faster)"),
        ("static file, 200 (send_file)", t_static, ""),
        ("static file, 304", t_static_304, ""),
        ("unchanged feed, 200", t_200,
         f"{ratio(t_200, t_static):6.2f}x the static file's 200 (goal: at most 2x)"),
        ("unchanged feed, 304", t_304, f"{ratio(t_304, t_static):6.2f}x the static file's 200, "
                                      f"{ratio(t_304, t_static_304):.2f}x its 304"),
    ]  # fmt: skip
    for label, seconds, note in rows:
        out(f"  {label:<55} {seconds * 1000:9.2f} ms  {note}".rstrip())
    out(f"Every stop's region feed ({len(regions)} feeds, all {events:,} events):")
    for label, seconds, note in [
        ("plain icalendar builds", t_regions_plain, ""),
        ("feeds, first build", t_regions_first, against_plain(t_regions_plain, t_regions_first)),
        ("feeds, all asked again after one event changed", t_regions_rebuild,
         against_plain(t_regions_plain, t_regions_rebuild)),
    ]:  # fmt: skip
        out(f"  {label:<55} {seconds * 1000:9.2f} ms  {note}".rstrip())

    return {
        "first_build_vs_plain": ratio(t_plain, t_first),
        "rebuild_vs_plain": ratio(t_plain, t_rebuild),
        "unchanged_200_vs_static": ratio(t_200, t_static),
        "unchanged_304_vs_static": ratio(t_304, t_static),
        "regions_first_vs_plain": ratio(t_regions_plain, t_regions_first),
        "regions_rebuild_vs_plain": ratio(t_regions_plain, t_regions_rebuild),
    }


def main() -> None:
    """Run from the command line with the national size by default."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=13_000)
    parser.add_argument("--stops", type=int, default=305)
    parser.add_argument("--routes", type=int, default=7)
    arguments = parser.parse_args()
    run(events=arguments.events, stops=arguments.stops, routes=arguments.routes)


if __name__ == "__main__":
    main()
