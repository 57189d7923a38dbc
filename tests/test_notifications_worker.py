"""The worker as a real process against a real SMTP server (aiosmtpd, plain SMTP).

The end-to-end case changes the agenda through the HTTP edit form, whose
transaction records the change (``kirab.changes.recording``); the others
record changes with ``record_change`` to control their number and time.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import icalendar
import pytest

from kirab.database import db
from kirab.events.models import Event
from kirab.notifications.models import Delivery, DeliveryStatus, EmailMode, NotificationPreference
from kirab.notifications.services import set_preferences
from tests.conftest import POSTGRES_URL, login, opened_form
from tests.factories import at, make_event, make_user, stop_of
from tests.notify_support import (
    outbox_empty,
    record_change,
    smtp_server,
    start_worker,
    stop_worker,
    wait_for,
    worker_process,
)


def follower(code: str, address: str, *, party: int, mode: str = "immediate"):
    """A party representative following ``code``, e-mailed as ``mode``, committed."""
    user = make_user("party_rep", party=party, regions=[code], email=address)
    set_preferences(user, email_mode=mode, lang="id", actor=None, now=at("2023-11-01 09:00"))
    db.session.commit()
    return user


def parade_form(event: Event, starts: str, ends: str) -> dict:
    """The edit form of a parade with a new time, its other fields as they are."""
    return {
        "kind": "parade", "title": event.title, "description": event.description or "",
        "starts_at": starts, "ends_at": ends, "venue_name": event.venue_name or "",
        "venue_address": event.venue_address or "", "latitude": "", "longitude": "",
        "capacity": "", "dapil_id": str(event.dapil_id),
        "district_codes": [district.code for district in event.districts],
    }  # fmt: skip


def move_parade_through_the_form(client, number: int = 1) -> Event:
    """Move a Bekasi parade two hours later through the edit form: the change log records it."""
    event = db.session.execute(
        db.select(Event).where(Event.title == f"Pawai Kirab Pemilu Dapil {number}")
    ).scalar_one()
    login(client, make_user("organizer", regions=["32.16"]))
    path = f"/manage/events/{event.id}/edit"
    data = {
        **parade_form(event, "2023-11-14T10:00", "2023-11-14T13:00"),
        **opened_form(client, path),
    }
    assert client.post(path, data=data).status_code == 302
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert event.starts_at == at("2023-11-14 10:00")
    return event


def test_a_moved_parade_mails_its_follower_once_in_indonesian(
    client, west_java, migrated, tmp_path
):
    bekasi = follower("32.16", "bekasi@kirab.example", party=1)
    kota = follower("32.75", "kota@kirab.example", party=2)
    with smtp_server() as server, worker_process(migrated, server.url, tmp_path / "worker.log"):
        event = move_parade_through_the_form(client)
        wait_for(lambda: server.inbox.to("bekasi@kirab.example"))
        wait_for(outbox_empty)
        (mail,) = server.inbox.to("bekasi@kirab.example")
        assert server.inbox.to("kota@kirab.example") == []
    assert (
        db.session.execute(db.select(Delivery).where(Delivery.user_id == kota.id)).first() is None
    )
    assert mail["Subject"] == "Agenda Kirab: Waktu baru: Pawai Kirab Pemilu Dapil 1"
    body = mail.get_body(("plain",)).get_content()
    assert "dari Selasa, 14 November 2023, 08.00 WIB ke Selasa, 14 November 2023, 10.00 WIB" in body
    (ics,) = [
        part for part in mail.iter_attachments() if part.get_content_type() == "text/calendar"
    ]
    vevent = icalendar.Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")[0]
    assert vevent.decoded("DTSTART") == event.starts_at
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The one click, with no login: a mail client posts to the header's address.
    client.post("/logout")
    path = urlsplit(mail["List-Unsubscribe"].strip("<>")).path
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    db.session.expire_all()
    assert db.session.get(NotificationPreference, bekasi.id).email_mode == EmailMode.OFF


def shift_forty(stop) -> None:
    """Move 40 events of ``stop`` by a day as one shift, and record it as one change."""
    events = lambda: list(  # noqa: E731
        db.session.execute(db.select(Event).where(Event.stop_id == stop.id)).scalars()
    )
    for number in range(40 - len(events())):
        make_event(stop, title=f"Sosialisasi {number}")
    moved = []
    for event in events():
        moved.append((event, event.starts_at, event.ends_at))
        event.starts_at += timedelta(days=1)
        event.ends_at += timedelta(days=1)
    assert len(moved) == 40
    record_change("shifted", stop, moved)
    db.session.commit()


def test_a_shift_of_40_events_is_one_mail_per_follower(west_java, migrated, tmp_path):
    addresses = ["satu@kirab.example", "dua@kirab.example"]
    for party, address in enumerate(addresses, start=1):
        follower("32.16", address, party=party)
    with smtp_server() as server, worker_process(migrated, server.url, tmp_path / "worker.log"):
        shift_forty(stop_of(west_java, "32.16"))
        wait_for(lambda: all(server.inbox.to(a) for a in addresses))
        wait_for(outbox_empty)
        for address in addresses:
            (mail,) = server.inbox.to(address)
            assert mail["Subject"] == "Agenda Kirab: 40 kegiatan digeser"


def many_changes(west_java, followers: int, changes: int) -> None:
    """``followers`` people following Bekasi, then ``changes`` changes of its parades."""
    for party in range(1, followers + 1):
        follower("32.16", f"wakil{party}@kirab.example", party=party)
    event = db.session.execute(
        db.select(Event).where(Event.title == "Pawai Kirab Pemilu Dapil 1")
    ).scalar_one()
    for _number in range(changes):
        old = (event.starts_at, event.ends_at)
        event.starts_at += timedelta(minutes=10)
        event.ends_at += timedelta(minutes=10)
        record_change("moved", event.stop, [(event, *old)])
    db.session.commit()


def every_delivery_arrived_with_its_own_id(server) -> None:
    """Each delivery reached its person; any repeat carries the same Message-ID."""
    db.session.expire_all()
    rows = db.session.execute(db.select(Delivery)).scalars().all()
    assert rows and all(row.status == DeliveryStatus.SENT for row in rows)
    expected = {f"<{row.key}@kirab.test.example>" for row in rows}
    received = [message["Message-ID"] for _rcpt, message in server.inbox.messages]
    assert set(received) == expected


def test_a_killed_worker_loses_nothing_and_repeats_only_with_the_same_id(
    west_java, migrated, tmp_path
):
    many_changes(west_java, followers=4, changes=10)  # 40 mails
    with smtp_server() as server:
        # The sixth mail reaches the server, whose answer waits until the worker is dead.
        server.inbox.hold_after = 5
        killed = start_worker(migrated, server.url, tmp_path / "worker.log")
        try:
            wait_for(lambda: len(server.inbox.messages) == 6)  # mid-batch, mid-send
        finally:
            stop_worker(killed, kill=True)
        server.inbox.released.set()
        cut_short = server.inbox.messages[5][1]["Message-ID"]
        with worker_process(migrated, server.url, tmp_path / "worker.log"):
            wait_for(outbox_empty, what="the restarted worker")
        every_delivery_arrived_with_its_own_id(server)
        received = [message["Message-ID"] for _rcpt, message in server.inbox.messages]
        # Only the mail cut short came twice, with the same id; the 34 others once.
        assert received.count(cut_short) == 2 and len(received) == 41


def test_a_mail_server_down_for_a_while_loses_nothing(west_java, migrated, tmp_path):
    with smtp_server() as server:
        server.stop()
        with worker_process(migrated, server.url, tmp_path / "worker.log"):
            many_changes(west_java, followers=2, changes=3)
            wait_for(lambda: all_tried_once(), what="the worker's first attempts")
            server.start()
            wait_for(outbox_empty, what="the worker after the mail server came back")
        every_delivery_arrived_with_its_own_id(server)


def all_tried_once() -> bool:
    """Whether every delivery was tried (and is waiting for the mail server)."""
    db.session.rollback()
    rows = db.session.execute(db.select(Delivery)).scalars().all()
    return bool(rows) and all(row.attempts >= 1 for row in rows)


if POSTGRES_URL:

    def test_two_live_workers_never_send_one_item_twice(west_java, migrated, tmp_path):
        many_changes(west_java, followers=5, changes=12)  # 60 mails
        with smtp_server() as server:
            with (
                worker_process(migrated, server.url, tmp_path / "one.log"),
                worker_process(migrated, server.url, tmp_path / "two.log"),
            ):
                wait_for(outbox_empty)
            received = [message["Message-ID"] for _rcpt, message in server.inbox.messages]
            assert len(received) == 60 and len(set(received)) == 60
            every_delivery_arrived_with_its_own_id(server)


@pytest.fixture(autouse=True)
def _reread(app):
    """The worker writes in its own process: read afresh after each test's waits."""
    yield
    db.session.rollback()
