"""Daily digests: a day's changes in one mail at the chosen hour, in the followed region's time."""

from __future__ import annotations

from datetime import timedelta

from kirab.database import db
from kirab.events.models import Event
from kirab.notifications.digest import digest_due, queue_digests
from kirab.notifications.models import Delivery, DeliveryKind, DeliveryStatus
from kirab.notifications.services import set_preferences
from kirab.notifications.smtp import parse_mail_url
from kirab.notifications.worker import one_round
from tests.factories import at, make_user
from tests.notify_support import record_change, smtp_server

SENDER = "Kirab Pemilu <kirab@kirab.test.example>"


def person(code: str, mode: str, *, party: int, hour: int | None = None, address: str):
    """A party representative following ``code``."""
    user = make_user("party_rep", party=party, regions=[code], email=address)
    set_preferences(user, email_mode=mode, digest_hour=hour, actor=None, now=at("2023-11-01 09:00"))
    return user


def move_parades(*moments) -> None:
    """Move parade n of Bekasi half an hour later at the n-th moment, one change each."""
    for number, moment in enumerate(moments, start=1):
        event = db.session.execute(
            db.select(Event).where(Event.title == f"Pawai Kirab Pemilu Dapil {number}")
        ).scalar_one()
        old = (event.starts_at, event.ends_at)
        event.starts_at += timedelta(minutes=30)
        event.ends_at += timedelta(minutes=30)
        record_change("moved", event.stop, [(event, *old)], occurred_at=moment)
    db.session.commit()


def test_a_days_changes_come_in_one_mail_at_18_wib_and_none_at_once(app, west_java):
    person("32.16", "digest", party=1, address="ringkas@kirab.example")
    person("32.16", "immediate", party=2, address="segera@kirab.example")
    move_parades(at("2023-11-13 09:00"), at("2023-11-13 12:30"))
    with smtp_server() as server:
        mail = parse_mail_url(server.url)
        app.config["FIXED_NOW"] = at("2023-11-13 17:59")
        one_round(mail, SENDER)
        assert server.inbox.to("ringkas@kirab.example") == []
        assert len(server.inbox.to("segera@kirab.example")) == 2
        app.config["FIXED_NOW"] = at("2023-11-13 18:00")
        one_round(mail, SENDER)
        one_round(mail, SENDER)  # nothing twice
        (digest,) = server.inbox.to("ringkas@kirab.example")
    assert digest["Subject"] == "Agenda Kirab: 2 perubahan hari ini"
    body = digest.get_body(("plain",)).get_content()
    assert "Pawai Kirab Pemilu Dapil 1 dipindah dari Selasa, 14 November 2023, 08.00 WIB" in body
    assert "Pawai Kirab Pemilu Dapil 2 dipindah dari Selasa, 14 November 2023, 13.00 WIB" in body
    assert len(server.inbox.to("segera@kirab.example")) == 2
    rows = db.session.execute(db.select(Delivery).order_by(Delivery.id)).scalars().all()
    digests = [row for row in rows if row.kind == DeliveryKind.DIGEST]
    assert len(digests) == 1 and digests[0].status == DeliveryStatus.SENT
    assert {row.status for row in rows if row.digest_id} == {DeliveryStatus.BUNDLED}


def test_the_chosen_hour_and_the_next_day(app, west_java):
    person("32.16", "digest", party=1, hour=7, address="pagi@kirab.example")
    move_parades(at("2023-11-13 09:00"))
    assert queue_digests(at("2023-11-14 06:59")) == []
    (queued,) = queue_digests(at("2023-11-14 07:00"))
    assert queued.created_at == at("2023-11-14 07:00")


def test_the_hour_is_local_to_the_first_region_followed():
    assert digest_due(at("2023-11-13 09:00"), None, "Asia/Makassar") == at(
        "2023-11-13 18:00", "Asia/Makassar"
    )
    assert digest_due(at("2023-11-13 19:00"), None, "Asia/Jakarta") == at("2023-11-14 18:00")
    assert digest_due(at("2023-11-13 19:00"), 23, "Asia/Jayapura") == at(
        "2023-11-13 23:00", "Asia/Jayapura"
    )


def test_switching_from_digest_to_immediate_sends_what_was_held(app, west_java):
    user = person("32.16", "digest", party=1, address="ganti@kirab.example")
    move_parades(at("2023-11-13 09:00"))
    set_preferences(user, email_mode="immediate", actor=None, now=at("2023-11-13 10:00"))
    db.session.commit()
    with smtp_server() as server:
        app.config["FIXED_NOW"] = at("2023-11-13 10:00")
        one_round(parse_mail_url(server.url), SENDER)
        assert len(server.inbox.to("ganti@kirab.example")) == 1
