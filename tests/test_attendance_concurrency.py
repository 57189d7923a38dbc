"""Show 2: the same check-in sent at once by several clients to a real running server.

The app is served by a threaded werkzeug server on 127.0.0.1, on the test
database: SQLite in WAL mode, or PostgreSQL in the PostgreSQL pass. Only the
database's unique constraints stand between the requests; exactly one record
must come out, and no request may fail with 500.
"""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

from kirab.attendance import counts
from kirab.attendance.checkin import checkin_token
from kirab.attendance.models import AttendanceRecord
from kirab.database import db
from tests.conftest import CSRF_FIELD, POSTGRES_URL, TEST_PASSWORD, served_over_http
from tests.factories import at, make_event, make_route, make_user

CLIENTS = 8
TIMEOUT = 30  # seconds for any one request; the loops are bounded by CLIENTS


@pytest.fixture
def served(app, migrated):
    """The app on a free local port, its clock pinned to the event's morning."""
    with served_over_http(
        migrated, FIXED_NOW=at("2023-11-13 09:30"), SELF_CHECKIN_LIMIT="1000 per minute"
    ) as url:
        yield url


@pytest.fixture
def event(app):
    """A published event in Kabupaten Bekasi on 13 November 2023, 09.00-11.00 WIB."""
    route = make_route([("32.16", at("2023-11-13 09:00"), None)])
    found = make_event(route.stops[0], starts_at=at("2023-11-13 09:00"))
    db.session.commit()
    return found


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """Report redirects instead of following them: a 302 is an answer to compare."""

    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One client with its own cookies, as one phone would be."""

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirects()
        )

    def get(self, url: str) -> tuple[int, str]:
        """GET a page: status and text."""
        return self._open(urllib.request.Request(url))  # noqa: S310 (http on 127.0.0.1 only)

    def post(self, url: str, data: dict) -> tuple[int, str]:
        """POST a form: status and text (redirects are not followed)."""
        body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310
        return self._open(request)

    def _open(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=TIMEOUT) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def csrf(self, url: str) -> str:
        """The CSRF token of the form at ``url``."""
        status, text = self.get(url)
        assert status == 200, text[:300]
        match = CSRF_FIELD.search(text)
        return match.group(1) or match.group(2)


def all_at_once(url: str, forms: list[dict], csrf_page: str | None = None, prepare=None):
    """POST one form per client, all released at the same moment; (status, text) of each."""
    browsers = [Browser() for _form in forms]
    if prepare:
        for browser in browsers:
            prepare(browser)
    tokens = [browser.csrf(csrf_page or url) for browser in browsers]
    barrier = threading.Barrier(len(forms), timeout=TIMEOUT)
    results: list[tuple[int, str] | None] = [None] * len(forms)

    def send(index: int):
        barrier.wait()
        results[index] = browsers[index].post(url, {**forms[index], "csrf_token": tokens[index]})

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(forms))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT * 2)
    assert all(result is not None for result in results), "a request did not finish"
    return results


def stored(event_id: int) -> list[AttendanceRecord]:
    """The records of the event as the database has them now."""
    db.session.rollback()
    return list(
        db.session.execute(
            db.select(AttendanceRecord).where(AttendanceRecord.event_id == event_id)
        ).scalars()
    )


def checkin_form(name: str, key: str) -> dict:
    """A self check-in as a phone sends it."""
    return {"name": name, "category": "public", "party": "", "organisation": "", "contact": "",
            "consent": "y", "idempotency_key": key}  # fmt: skip


def database_kind() -> str:
    """Which database the suite runs on, for the test ids."""
    return "postgresql" if POSTGRES_URL else "sqlite-wal"


def test_the_races_run_on_sqlite_in_wal_mode_or_on_postgresql(app):
    if POSTGRES_URL:
        assert db.engine.dialect.name == "postgresql"
        return
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_one_retry_sent_by_many_clients_at_once_records_once(served, event):
    """The same submission (same key) arriving eight times at once."""
    url = f"{served}/events/{event.id}/check-in/{checkin_token(event)}"
    results = all_at_once(url, [checkin_form("Rina Marlina", "same-key-" + "x" * 20)] * CLIENTS)
    statuses = [status for status, _text in results]
    assert 500 not in statuses, database_kind()
    assert statuses == [200] * CLIENTS, statuses
    assert all("Rina Marlina" in text for _status, text in results)
    assert len(stored(event.id)) == 1


def test_one_person_sent_by_many_clients_at_once_records_once(served, event):
    """Eight phones checking in the same person, spelled eight ways, at once."""
    url = f"{served}/events/{event.id}/check-in/{checkin_token(event)}"
    spellings = ["Budi Santoso", "budi santoso", "BUDI SANTOSO", "Budi  Santoso.", "budi-santoso",
                 "Budi Santoso ", "BudiSantoso", "bUDI sANTOSO"]  # fmt: skip
    forms = [checkin_form(name, f"phone-{n:02d}-" + "k" * 20) for n, name in enumerate(spellings)]
    results = all_at_once(url, forms)
    statuses = sorted(status for status, _text in results)
    assert 500 not in statuses, database_kind()
    assert statuses == [200] + [422] * (CLIENTS - 1), statuses
    refused = [text for status, text in results if status == 422]
    # The public is told only that the person is checked in, not who attended when.
    assert all("Anda sudah tercatat hadir" in text for text in refused)
    assert not any("09.30 WIB" in text for text in refused)
    assert len(stored(event.id)) == 1


def test_organizers_ticking_off_the_same_guest_at_once(served, event):
    """Several organizers tick off the same representative at the same moment."""
    rep = make_user("party_rep", party=1, regions=["32.16"], name="Ahmad Wakil")
    event.invited_parties = [rep.party]
    organizers = [make_user("organizer", regions=["32.16"]) for _n in range(4)]
    db.session.commit()
    url = f"{served}/events/{event.id}/attendance/tick"
    page = f"{served}/events/{event.id}/attendance"
    queue = list(organizers)

    def log_in(browser: Browser):
        token = browser.csrf(f"{served}/login")
        form = {"csrf_token": token, "email": queue.pop().email, "password": TEST_PASSWORD}
        status, _text = browser.post(f"{served}/login", form)
        assert status == 302

    forms = [{"guest": f"u{rep.id}", "idempotency_key": f"tick-{n:02d}-" + "t" * 20}
             for n in range(4)]  # fmt: skip
    results = all_at_once(url, forms, csrf_page=page, prepare=log_in)
    statuses = sorted(status for status, _text in results)
    assert 500 not in statuses, database_kind()
    assert statuses == [302] + [422] * 3, statuses
    assert [entry.name for entry in stored(event.id)] == ["Ahmad Wakil"]
    assert all(re.search(r"09[.:]30 WIB", text) for status, text in results if status == 422)


# --- the kept totals under the same races ---------------------------------------


@pytest.fixture
def served_for_teams(app, migrated):
    """The served app, with room for a team of organizers logging in at once."""
    with served_over_http(
        migrated, FIXED_NOW=at("2023-11-13 09:30"), SELF_CHECKIN_LIMIT="1000 per minute",
        LOGIN_LIMIT="1000 per minute",
    ) as url:  # fmt: skip
        yield url


def kept_now():
    """The kept totals and a fresh count of them, as the database has them now."""
    db.session.rollback()
    return counts.all_kept(), counts.recount()


def test_many_people_checking_in_at_once_are_all_counted(served, event):
    """Eight different people at once: eight records, and the kept total says eight."""
    url = f"{served}/events/{event.id}/check-in/{checkin_token(event)}"
    forms = [checkin_form(f"Peserta Nomor {n}", f"many-{n:02d}-" + "m" * 20)
             for n in range(CLIENTS)]  # fmt: skip
    statuses = [status for status, _text in all_at_once(url, forms)]
    assert statuses == [200] * CLIENTS, (statuses, database_kind())
    kept, fresh = kept_now()
    assert kept == fresh
    assert kept.events[event.id] == (CLIENTS, 0)


def test_counters_sending_tallies_at_once_lose_no_count(served_for_teams, event):
    """Three posts tally at once, and three people send the same post's tally at once.

    The crowd kept is the fresh sum of the latest tally of each post, whoever won.
    """
    served = served_for_teams
    organizers = [make_user("organizer", regions=["32.16"]) for _n in range(6)]
    db.session.commit()
    url = f"{served}/events/{event.id}/attendance/headcount"
    page = f"{served}/events/{event.id}/attendance"
    queue = [organizer.email for organizer in organizers]

    def log_in(browser: Browser):
        token = browser.csrf(f"{served}/login")
        form = {"csrf_token": token, "email": queue.pop(), "password": TEST_PASSWORD}
        assert browser.post(f"{served}/login", form)[0] == 302

    counters = ["Utara", "Selatan", "Barat", "Gerbang", "Gerbang", "Gerbang"]
    forms = [{"counter": counter, "category": "public", "count": str(100 + n),
              "idempotency_key": f"tally-{n:02d}-" + "h" * 20}
             for n, counter in enumerate(counters)]  # fmt: skip
    results = all_at_once(url, forms, csrf_page=page, prepare=log_in)
    assert [status for status, _text in results] == [302] * 6, database_kind()
    kept, fresh = kept_now()
    assert kept == fresh
    named, crowd = kept.events[event.id]
    assert named == 0 and 100 + 101 + 102 + 103 <= crowd <= 100 + 101 + 102 + 105
