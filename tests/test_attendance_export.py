"""Exports stream from a server-side cursor in batches of tuples; a failed one is a broken one."""

from __future__ import annotations

import http.client
import threading
import zlib
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import insert
from sqlalchemy.exc import OperationalError

from kirab.attendance import csv_export
from kirab.attendance.models import AttendanceRecord
from kirab.database import db
from kirab.events.models import Event
from tests.conftest import open_session, served_over_http
from tests.factories import at, make_event, make_route, make_user
from tests.test_outages import session_cookie

ROWS = 3000


@pytest.fixture
def crowd(app):
    """An event with ROWS attendance records (written in bulk), and an admin."""
    route = make_route([("32.16", at("2023-11-13 09:00"), None)])
    event = make_event(route.stops[0], starts_at=at("2023-11-13 09:00"))
    admin = make_user("admin")
    db.session.flush()
    db.session.execute(
        insert(AttendanceRecord),
        [
            dict(event_id=event.id, name=f"Peserta {n:05d}", name_key=f"peserta {n:05d}",
                 category="public", method="organizer", recorded_by_id=admin.id,
                 recorded_at=at("2023-11-13 09:00") + timedelta(seconds=n))
            for n in range(ROWS)
        ],
    )  # fmt: skip
    db.session.commit()
    return event, admin


class Fetches:
    """Counts the batches the export takes from the database's cursor; can fail one."""

    def __init__(self, monkeypatch, fail_at: int | None = None):
        self.sizes: list[int] = []
        original = csv_export.fetch_batch

        def fetch_batch(rows, size):
            if fail_at is not None and len(self.sizes) == fail_at:
                raise OperationalError("FETCH", {}, Exception("server closed the connection"))
            batch = original(rows, size)
            if batch:
                self.sizes.append(len(batch))
            return batch

        monkeypatch.setattr(csv_export, "fetch_batch", fetch_batch)


def test_an_export_reads_batches_of_tuples_and_holds_no_objects(app, crowd, monkeypatch):
    event_id = crowd[0].id
    monkeypatch.setattr(csv_export, "EXPORT_BATCH", 500)
    fetches = Fetches(monkeypatch)
    db.session.expunge_all()
    chunks = csv_export.export_csv(Event.id == event_id)
    first = next(chunks)
    # The first chunk is out after one batch: the rest is still in the database.
    assert fetches.sizes == [500] and first.count("\r\n") == 501
    rest = list(chunks)
    assert max(fetches.sizes) == 500 and sum(fetches.sizes) == ROWS
    assert len(rest) == ROWS // 500 - 1
    assert "".join([first, *rest]).count("\r\n") == ROWS + 1
    # Tuples only: the session never held a record.
    assert len(db.session.identity_map) == 0


class Returned:
    """Tells when every connection an app took from its pool since now is back.

    The served app's pool is disposed when the test leaves it; a request
    still finishing would hand its connection back to a pool that is gone.
    """

    def __init__(self, engine):
        self.outstanding = 0
        self.lock = threading.Condition()
        sqlalchemy_event.listen(engine, "checkout", self.out)
        sqlalchemy_event.listen(engine, "checkin", self.back)

    def out(self, *_args) -> None:
        with self.lock:
            self.outstanding += 1

    def back(self, *_args) -> None:
        with self.lock:
            self.outstanding -= 1
            self.lock.notify_all()

    def wait(self, timeout: float = 10) -> bool:
        """Whether all came back within ``timeout`` seconds."""
        with self.lock:
            return self.lock.wait_for(lambda: self.outstanding <= 0, timeout)


@pytest.mark.parametrize("coding", [None, "gzip"])
def test_an_export_that_fails_midway_is_a_broken_download_over_http(
    app, migrated, crowd, monkeypatch, coding
):
    event, admin = crowd
    logged_in, path = open_session(admin), f"/events/{event.id}/attendance.csv"
    db.session.commit()
    monkeypatch.setattr(csv_export, "EXPORT_BATCH", 500)
    with served_over_http(migrated) as base:
        from flask import current_app

        headers = {"Cookie": session_cookie(current_app, logged_in)}
        if coding:
            headers["Accept-Encoding"] = coding
        returned = Returned(db.engine)
        Fetches(monkeypatch, fail_at=3)  # the database goes away after 1,500 rows
        connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=30)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            assert response.status == 200
            assert response.getheader("Transfer-Encoding") == "chunked"
            assert response.getheader("Content-Encoding") == coding
            with pytest.raises(http.client.IncompleteRead) as broken:
                response.read()
        finally:
            connection.close()
        assert returned.wait()
    received = broken.value.partial
    if coding:  # the compressor may still hold what it was given: the stream is cut, not ended
        unpacker = zlib.decompressobj(zlib.MAX_WBITS | 16)
        received = unpacker.decompress(received)
        assert not unpacker.eof
    else:
        assert 0 < received.count(b"\r\n") <= 1501  # some rows came, then the transfer broke


def test_the_shipped_gunicorn_settings_keep_long_downloads_alive():
    """Threaded workers: the arbiter hears from a worker while a thread streams for minutes."""
    import kirab.gunicorn_conf as conf

    assert conf.worker_class == "gthread" and conf.threads >= 2
    assert conf.timeout >= 120 and conf.graceful_timeout >= 120
    assert 1 <= conf.keepalive <= 30
    assert conf.logger_class is conf.MaskingLogger  # the log masking stays


def test_the_exports_times_are_written_as_iso_seconds_writes_them():
    """The fast writer of the two times gives the text of the plain one, in every zone."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from kirab.attendance.csv_export import Stamps, iso_seconds

    stamps = Stamps()
    moments = [datetime(2023, 11, 13, 2, 0, 59, 999999, tzinfo=UTC),
               datetime(1987, 12, 31, 16, 30, tzinfo=UTC),
               datetime(2024, 3, 31, 1, 0, 1, tzinfo=ZoneInfo("Europe/Amsterdam"))]  # fmt: skip
    for moment in moments:
        for zone in ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "Europe/Amsterdam"):
            expected = (iso_seconds(moment.astimezone(UTC)),
                        iso_seconds(moment.astimezone(ZoneInfo(zone))))  # fmt: skip
            assert stamps.pair(moment, zone) == expected
    assert stamps.pair(moments[0], "Asia/Jakarta") == ("2023-11-13T02:00:59Z",
                                                        "2023-11-13T09:00:59+07:00")  # fmt: skip


def test_the_cells_an_export_repeats_are_defused_once_and_the_same_on_every_line():
    """An event's title, a party and a recorder are written once per export, defused alike."""
    from datetime import datetime

    from kirab.attendance.csv_export import Cells, export_row, headcount_row

    cells = Cells()
    moment = datetime(2023, 11, 13, 2, 0, 59)  # as stored: naive UTC
    person = (7, "=Kirab", "32.16", 3, "-Rina", "public", 5, "@PKB", True, None, "", "organizer",
              moment, "Asia/Jakarta", "+admin@example.org")  # fmt: skip
    first, second = export_row(person, cells), export_row(person, cells)
    assert first == second
    assert first[:5] == ("7", "'=Kirab", "32.16", "3", "'-Rina")
    assert first[6:10] == ("5", "'@PKB", "self_declared", "")
    assert first[12:16] == ("2023-11-13T02:00:59Z", "2023-11-13T09:00:59+07:00", "Asia/Jakarta",
                            "'+admin@example.org")  # fmt: skip
    tally = (7, "=Kirab", "32.16", 3, "public", moment, "Asia/Jakarta", None, "=Gerbang", 120)
    assert headcount_row(tally, cells)[:4] == first[:4]
    assert headcount_row(tally, cells)[15:] == ("", "headcount", "'=Gerbang", "120")
    assert export_row(person) == first  # without lookups kept between lines, the same line


def test_written_cells_joined_by_commas_are_the_line_the_csv_module_writes():
    """The export joins cells it quoted itself: the same bytes as csv.writer, tricky text too."""
    import csv
    import io
    import itertools

    from kirab.attendance.csv_export import safe_cell, written_cell

    pieces = ["", "Rina", ",", '"', "\r", "\n", "\r\n", "\t", " ", "=1+1", "-", "Ñoño", "a,b",
              'say "hi"', "x\ny", "'", ";", None, 7]  # fmt: skip
    for first, second in itertools.product(pieces, repeat=2):
        values = [first, second, f"{first}{second}" if first is not None else second]
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow([safe_cell(v) for v in values])
        assert ",".join(written_cell(v) for v in values) + "\r\n" == buffer.getvalue()
