"""Show 2: changes to one route are serialised, against a real running server.

Several admins confirm shifts of one route at the same moment, each with
the basis of the preview they saw. The route's row lock (PostgreSQL) or
the write lock taken first (SQLite in WAL mode) makes them run one after
the other: the first applies, the later ones find their preview stale and
are refused with a message. Afterwards the stops are where the applied
shifts put them, the refused ones changed nothing, and the audit log has
exactly one entry per applied shift with its amount.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, update

from kirab.audit.models import AuditEntry
from kirab.database import db
from kirab.events.models import Event
from kirab.relay import planning
from kirab.relay.custody import Window
from kirab.relay.handovers import record_handover
from kirab.relay.imports import import_route
from kirab.relay.models import Handover, Route, Stop
from kirab.relay.rules import shift_windows
from kirab.relay.stops import ordered_stops, relink_handovers, windows_of
from tests.conftest import TEST_PASSWORD, served_over_http
from tests.factories import at, handover_into, make_event, make_route, make_user
from tests.test_attendance_concurrency import TIMEOUT, Browser, database_kind

ROUNDS = 3
PARADE_STOP = 2  # the index of the stop whose event the shifts before it carry along
BASIS = re.compile(r'name="basis" type="hidden" value="([^"]*)"')
STALE = "berubah sejak pratinjau"  # "The route has changed since the preview", in Indonesian


@pytest.fixture
def served(app, migrated):
    """The app on a free local port, its clock pinned before the relay."""
    with served_over_http(
        migrated, FIXED_NOW=at("2023-10-01 12:00"), LOGIN_LIMIT="1000 per minute"
    ) as url:
        yield url


@pytest.fixture
def route(app) -> Route:
    """Five stops of West Java, each handing over as the next receives, committed.

    The third stop, Kabupaten Bekasi, holds a parade that moves with it.
    """
    found = make_route(
        [
            ("32.08", at("2023-11-01 09:00"), at("2023-11-04 09:00")),
            ("32.15", at("2023-11-04 09:00"), at("2023-11-07 09:00")),
            ("32.16", at("2023-11-07 09:00"), at("2023-11-10 09:00")),
            ("32.75", at("2023-11-10 09:00"), at("2023-11-13 09:00")),
            ("RI", at("2023-11-20 09:00"), None),
        ]
    )
    relink_handovers(found, ordered_stops(found))
    make_event(ordered_stops(found)[PARADE_STOP], title="Pawai", starts_at=at("2023-11-08 09:00"))
    db.session.commit()
    return found


def admins(served: str, count: int) -> list[Browser]:
    """``count`` browsers, each logged in as an admin of its own."""
    users = [make_user("admin") for _n in range(count)]
    db.session.commit()
    browsers = []
    for user in users:
        browser = Browser()
        form = {"csrf_token": browser.csrf(f"{served}/login"), "email": user.email,
                "password": TEST_PASSWORD}  # fmt: skip
        status, text = browser.post(f"{served}/login", form)
        assert status == 302, text[:300]
        browsers.append(browser)
    return browsers


def preview(browser: Browser, url: str, hours: int) -> dict:
    """Preview a shift by ``hours`` as this browser; the confirmation form it would send."""
    form = {"csrf_token": browser.csrf(url), "amount": str(hours), "unit": "hours"}
    status, text = browser.post(url, {**form, "action": "preview"})
    assert status == 200, text[:300]
    match = BASIS.search(text)
    assert match and match.group(1), "the preview carries no basis"
    return {**form, "action": "confirm", "basis": match.group(1)}


def confirm_at_once(sends: list[tuple[Browser, str, dict]]) -> list[tuple[int, str]]:
    """Post every confirmation at the same moment; (status, text) of each."""
    barrier = threading.Barrier(len(sends), timeout=TIMEOUT)
    results: list[tuple[int, str] | None] = [None] * len(sends)

    def send(index: int) -> None:
        browser, url, form = sends[index]
        barrier.wait()
        results[index] = browser.post(url, form)

    threads = [threading.Thread(target=send, args=(i,), daemon=True) for i in range(len(sends))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT * 2)
    assert all(result is not None for result in results), "a request did not finish in time"
    return results


def stored_windows(route_id: int) -> list[Window]:
    """The route's windows as the database holds them now."""
    db.session.rollback()
    db.session.expire_all()
    return windows_of(ordered_stops(db.session.get(Route, route_id)))


def shift_entries(after: int) -> list[AuditEntry]:
    """The shift entries of the audit log newer than entry ``after``, oldest first."""
    return list(
        db.session.execute(
            db.select(AuditEntry)
            .where(AuditEntry.action == "stop.shift", AuditEntry.id > after)
            .order_by(AuditEntry.id)
        ).scalars()
    )


def last_entry_id() -> int:
    """The id of the newest audit entry, 0 when there is none."""
    return db.session.execute(db.select(db.func.max(AuditEntry.id))).scalar() or 0


def moment(text: str | None) -> datetime | None:
    """A time as the audit log stores it, read back."""
    return datetime.fromisoformat(text) if text else None


def check_round(
    route_id: int, before: list[Window], shifts: list[tuple[int, int]], results, after: int
) -> list[Window]:
    """Check one round of (stop id, hours) shifts and their answers; the windows now."""
    statuses = [status for status, _text in results]
    assert 500 not in statuses, database_kind()
    assert set(statuses) <= {302, 422}, statuses
    for status, text in results:
        if status == 422:
            assert STALE in text, text[:500]
    applied = [shift for shift, (status, _text) in zip(shifts, results, strict=True)
               if status == 302]  # fmt: skip
    # Every preview was made on the same route; once one shift applied, the others are stale.
    assert len(applied) == 1, statuses
    entries = shift_entries(after)
    assert Counter((int(e.object_id), e.details["hours"]) for e in entries) == Counter(applied)
    expected = list(before)
    ids = [window.stop_id for window in before]
    for entry in entries:  # in the order they were written, each on top of the one before
        shifted = shift_windows(expected, ids.index(int(entry.object_id)),
                                timedelta(hours=entry.details["hours"]))  # fmt: skip
        olds = {window.stop_id: window for window in expected}
        news = {window.stop_id: window for window in shifted}
        # The entry tells each moved stop's times before and after, as the data has them.
        for move in entry.details["stops"]:
            old, new = olds[move["stop"]], news[move["stop"]]
            assert [moment(t) for t in move["receives_at"]] == [old.receives_at, new.receives_at]
            assert [moment(t) for t in move["hands_over_at"]] == [
                old.hands_over_at, new.hands_over_at]  # fmt: skip
        assert {move["stop"] for move in entry.details["stops"]} == {
            stop_id for stop_id in ids if olds[stop_id] != news[stop_id]}  # fmt: skip
        expected = shifted
    assert stored_windows(route_id) == expected
    return expected


def parade() -> tuple[int, datetime]:
    """The id and start of the route's one event, as the database holds them now."""
    db.session.rollback()
    return db.session.execute(db.select(Event.id, Event.starts_at)).one()


def check_parade(route_id: int, before: tuple[int, datetime], after: int) -> tuple:
    """The event moved by the applied shifts of its stop or an earlier one, each audited once."""
    event_id, starts_at = before
    carrying = [stop.id for stop in ordered_stops(db.session.get(Route, route_id))]
    carrying = carrying[: PARADE_STOP + 1]
    moved, times = timedelta(), 0
    for entry in shift_entries(after):
        carried = int(entry.object_id) in carrying
        assert entry.details["events"] == ([event_id] if carried else [])
        if carried:
            moved, times = moved + timedelta(hours=entry.details["hours"]), times + 1
    shifted = db.session.execute(
        db.select(db.func.count(AuditEntry.id)).where(
            AuditEntry.action == "event.shift", AuditEntry.id > after
        )
    ).scalar()
    assert shifted == times
    now = parade()
    assert now == (event_id, starts_at + moved)
    return now


def race(served: str, route_id: int, browsers: list[Browser], shifts: list[tuple[int, int]]):
    """Rounds of the same shifts (stop id, hours), one per browser, confirmed at once."""
    windows, event = stored_windows(route_id), parade()
    for _round in range(ROUNDS):
        after = last_entry_id()
        urls = [f"{served}/manage/stops/{stop_id}/shift" for stop_id, _hours in shifts]
        forms = [
            preview(browser, url, hours)
            for browser, url, (_stop, hours) in zip(browsers, urls, shifts, strict=True)
        ]
        results = confirm_at_once(list(zip(browsers, urls, forms, strict=True)))
        windows = check_round(route_id, windows, shifts, results, after)
        event = check_parade(route_id, event, after)


def test_shifts_of_one_stop_confirmed_at_once_apply_one_at_a_time(served, route):
    """Four admins shift the same stop by 1, 2, 3 and 4 hours at the same moment, thrice."""
    stop_id = ordered_stops(route)[1].id
    route_id = route.id
    browsers = admins(served, 4)
    race(served, route_id, browsers, [(stop_id, hours) for hours in (1, 2, 3, 4)])


def test_shifts_of_two_stops_of_one_route_at_once(served, route):
    """Shifting an early and a later stop of one route at once never loses one of them."""
    stops = ordered_stops(route)
    shifts, route_id = [(stops[1].id, 1), (stops[3].id, 2)], route.id
    race(served, route_id, admins(served, 2), shifts)


def test_two_admins_are_never_both_told_moved_when_one_shift_applied(served, route):
    """The issue's finding: +1 h and +3 h confirmed at once were both reported, one applied."""
    first = ordered_stops(route)[0]
    stop_id, route_id = first.id, route.id
    before = stored_windows(route_id)
    browsers = admins(served, 2)
    url = f"{served}/manage/stops/{stop_id}/shift"
    forms = [preview(browser, url, hours) for browser, hours in zip(browsers, (1, 3), strict=True)]
    after = last_entry_id()
    results = confirm_at_once(
        [(browser, url, form) for browser, form in zip(browsers, forms, strict=True)]
    )
    statuses = sorted(status for status, _text in results)
    assert statuses == [302, 422], statuses
    [told_moved] = [hours for hours, (status, _text) in zip((1, 3), results, strict=True)
                    if status == 302]  # fmt: skip
    assert all(STALE in text for status, text in results if status == 422)
    [entry] = shift_entries(after)
    assert entry.details["hours"] == told_moved
    moved = timedelta(hours=told_moved)
    assert [w.receives_at for w in stored_windows(route_id)] == [
        w.receives_at + moved for w in before
    ]
    assert db.session.get(Stop, stop_id).receives_at == before[0].receives_at + moved


# The route of the ``route`` fixture as a file, with a venue added.
ROUTE_CSV = """order,region_code,receives,hands_over,venue
1,32.08,2023-11-01 09:00,2023-11-04 09:00,Pendopo Kabupaten Kuningan
2,32.15,2023-11-04 09:00,2023-11-07 09:00,
3,32.16,2023-11-07 09:00,2023-11-10 09:00,
4,32.75,2023-11-10 09:00,2023-11-13 09:00,
5,RI,2023-11-20 09:00,,
"""


def record(handover: Handover, actual_at: datetime | None, admin) -> Handover:
    """Record (or clear) a handover's actual time, nothing else."""
    return record_handover(handover, actor=admin, actual_at=actual_at, venue="", items={},
                           signatories={}, notes="")  # fmt: skip


CHANGES = {
    "shift": lambda stops, admin: planning.apply_shift(stops[1], timedelta(hours=1), actor=admin),
    "move": lambda stops, admin: planning.move_stop(stops[1], "down", actor=admin),
    "insert": lambda stops, admin: planning.insert_stop(
        stops[0].route, actor=admin, region_code="32.01", position=1,
        receives_at=at("2023-10-29 09:00"), hands_over_at=at("2023-11-01 09:00"),
    ),
    "remove": lambda stops, admin: planning.remove_stop(stops[3], actor=admin),
    "import": lambda stops, admin: import_route(stops[0].route, ROUTE_CSV.encode(), actor=admin),
    "record": lambda stops, admin: record(handover_into(stops[1]), at("2023-11-04 10:00"), admin),
    "clear": lambda stops, admin: record(handover_into(stops[1]), None, admin),
}  # fmt: skip


@contextmanager
def statements():
    """The SQL statements run meanwhile, whitespace folded."""
    seen: list[str] = []

    def before(_connection, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def locks_route(statement: str) -> bool:
    """Whether a statement is the route lock: FOR UPDATE, or SQLite's first write."""
    return statement.startswith("UPDATE routes SET position") or (
        statement.startswith("SELECT routes.id") and statement.endswith("FOR UPDATE")
    )


@pytest.mark.parametrize("change", CHANGES)
def test_every_change_of_a_route_locks_it_before_reading_what_it_changes(app, route, change):
    admin = make_user("admin")
    app.config["FIXED_NOW"] = at("2023-11-05 12:00")
    if change == "clear":
        record(handover_into(ordered_stops(route)[1]), at("2023-11-04 10:00"), admin)
    db.session.commit()
    stops = ordered_stops(route)
    with statements() as seen:
        CHANGES[change](stops, admin)
        db.session.flush()
    locks = [index for index, statement in enumerate(seen) if locks_route(statement)]
    assert locks, seen
    first = locks[0]
    writes = ("INSERT", "UPDATE", "DELETE")
    assert not [s for s in seen[:first] if s.startswith(writes)], seen[:first]
    # What it changes is read under the lock, not taken from what the session held.
    assert any("FROM stops" in statement for statement in seen[first + 1 :]), seen[first:]


def move_in_another_transaction(stop_ids: list[int], delta: timedelta) -> None:
    """Move stops by ``delta`` through another connection, committed, as another request would."""
    with db.engine.begin() as connection:
        rows = connection.execute(
            db.select(Stop.id, Stop.receives_at, Stop.hands_over_at).where(Stop.id.in_(stop_ids))
        ).all()
        for stop_id, receives, hands_over in rows:
            connection.execute(
                update(Stop)
                .where(Stop.id == stop_id)
                .values(receives_at=receives + delta,
                        hands_over_at=hands_over + delta if hands_over else None)
            )  # fmt: skip


def test_a_shift_without_a_preview_applies_on_top_of_one_committed_meanwhile(app, route):
    """What the session read before is read again: the second shift adds to the first."""
    admin = make_user("admin")
    db.session.commit()
    stops = ordered_stops(route)
    before = windows_of(stops)
    move_in_another_transaction([stop.id for stop in stops[1:]], timedelta(hours=2))
    planning.apply_shift(stops[1], timedelta(hours=1), actor=admin)
    db.session.commit()
    later = [(w.receives_at, w.hands_over_at) for w in stored_windows(route.id)]
    three = timedelta(hours=3)
    assert later[1:] == [
        (w.receives_at + three, w.hands_over_at + three if w.hands_over_at else None)
        for w in before[1:]
    ]
    [entry] = shift_entries(0)
    move = next(m for m in entry.details["stops"] if m["stop"] == stops[1].id)
    assert moment(move["receives_at"][0]) == before[1].receives_at + timedelta(hours=2)


def test_clearing_a_handover_recorded_meanwhile_puts_the_stops_back(app, route):
    """The handover's actual time is read under the lock, so clearing it moves the stops."""
    admin = make_user("admin")
    app.config["FIXED_NOW"] = at("2023-11-05 12:00")
    db.session.commit()
    handover = handover_into(ordered_stops(route)[1])
    assert handover.actual_at is None  # as the page showed it
    giving, receiving = handover.from_stop_id, handover.to_stop_id
    with db.engine.begin() as connection:
        actual = at("2023-11-04 10:00")
        connection.execute(update(Handover).where(Handover.id == handover.id)
                           .values(actual_at=actual))  # fmt: skip
        connection.execute(update(Stop).where(Stop.id == giving).values(hands_over_at=actual))
        connection.execute(update(Stop).where(Stop.id == receiving).values(receives_at=actual))
    record(handover, None, admin)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Stop, giving).hands_over_at == at("2023-11-04 09:00")
    assert db.session.get(Stop, receiving).receives_at == at("2023-11-04 09:00")
    entry = db.session.execute(
        db.select(AuditEntry).where(AuditEntry.action == "handover.record")
    ).scalar_one()
    assert moment(entry.details["previous_actual_at"]) == at("2023-11-04 10:00")
