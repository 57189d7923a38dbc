"""Notifications: who a change reaches, the mail it makes, unsubscribing, and the account page.

The changes here are recorded with ``tests.notify_support.record_change``,
which writes an ``AgendaChange`` and sends ``change_recorded`` as the code
recording changes does.
"""

from __future__ import annotations

import email.policy
from datetime import timedelta
from urllib.parse import urlsplit

import icalendar
import pytest

from kirab.audit.models import AuditEntry
from kirab.database import db
from kirab.events.models import Event
from kirab.notifications.mail import build_message
from kirab.notifications.models import (
    Delivery,
    DeliveryStatus,
    EmailMode,
    NotificationPreference,
)
from kirab.notifications.services import set_preferences
from kirab.notifications.smtp import MailSettingError, parse_mail_url
from kirab.notifications.unsubscribe import unsubscribe_token
from kirab.notifications.worker import send_due
from tests.conftest import csrf_token, login
from tests.factories import at, make_user, stop_of
from tests.notify_support import record_change, smtp_server

SENDER = "Kirab Pemilu <kirab@kirab.test.example>"


def follower(code: str, mode: str = "immediate", *, party: int = 1, lang: str = "id", **extra):
    """A party representative following ``code`` with the given e-mail choice."""
    user = make_user("party_rep", party=party, regions=[code], **extra)
    set_preferences(user, email_mode=mode, lang=lang, actor=None, now=at("2023-11-01 09:00"))
    return user


def parade(number: int = 1) -> Event:
    """Kabupaten Bekasi's parade of a dapil."""
    return db.session.execute(
        db.select(Event).where(Event.title == f"Pawai Kirab Pemilu Dapil {number}")
    ).scalar_one()


def move(event: Event, hours: float):
    """Move an event and record the change; return the change."""
    old_starts, old_ends = event.starts_at, event.ends_at
    event.starts_at += timedelta(hours=hours)
    event.ends_at += timedelta(hours=hours)
    db.session.flush()
    return record_change("moved", event.stop, [(event, old_starts, old_ends)])


def deliveries_of(user) -> list[Delivery]:
    """The user's deliveries, oldest first."""
    return list(
        db.session.execute(
            db.select(Delivery).where(Delivery.user_id == user.id).order_by(Delivery.id)
        ).scalars()
    )


def test_a_change_reaches_the_followers_of_its_region_only(west_java):
    bekasi = follower("32.16", email="bekasi@kirab.example")
    kota = follower("32.75", party=2, email="kota@kirab.example")
    digest = follower("32.16", "digest", party=3)
    silent = follower("32.16", "off", party=4)
    province = follower("32", party=5)  # a province follows its regencies
    change = move(parade(1), 2)
    assert [d.change_id for d in deliveries_of(bekasi)] == [change.id]
    assert deliveries_of(bekasi)[0].status == DeliveryStatus.PENDING
    assert deliveries_of(kota) == [] and deliveries_of(silent) == []
    assert [d.status for d in deliveries_of(digest)] == [DeliveryStatus.HELD]
    assert len(deliveries_of(province)) == 1


def test_a_party_invitation_reaches_the_party_elsewhere(west_java):
    invited = follower("32.75", party=1)  # the handover into Bekasi invites every party
    handover = db.session.execute(
        db.select(Event).where(Event.title.like("Serah terima%Karawang"))
    ).scalar_one()
    move(handover, 1)
    assert len(deliveries_of(invited)) == 1


def test_a_change_rolled_back_leaves_no_delivery(west_java):
    bekasi = follower("32.16")
    db.session.commit()
    move(parade(1), 2)
    db.session.rollback()
    assert deliveries_of(bekasi) == []


def test_a_shift_of_40_events_is_one_delivery_each(west_java):
    from tests.factories import make_event

    stop = stop_of(west_java, "32.16")

    def events():
        return list(db.session.execute(db.select(Event).where(Event.stop_id == stop.id)).scalars())

    for number in range(40 - len(events())):
        make_event(stop, title=f"Sosialisasi {number}")
    assert len(events()) == 40
    followers = [follower("32.16", party=n) for n in (1, 2)]
    moved = []
    for event in events():
        moved.append((event, event.starts_at, event.ends_at))
        event.starts_at += timedelta(days=1)
        event.ends_at += timedelta(days=1)
    change = record_change("shifted", stop, moved)
    for user in followers:
        assert [d.change_id for d in deliveries_of(user)] == [change.id]
    message = build_message(deliveries_of(followers[0])[0], "id", SENDER)
    assert message["Subject"] == "Agenda Kirab: 40 kegiatan digeser"
    calendar = icalendar.Calendar.from_ical(attachment(message))
    assert len(calendar.walk("VEVENT")) == 40


def attachment(message) -> bytes:
    """The .ics attached to a mail."""
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return parts[0].get_payload(decode=True)


def test_the_mail_is_in_the_persons_language_with_local_times_and_the_ics(west_java):
    bekasi = follower("32.16", name="Wakil Bekasi")
    english = follower("32.16", lang="en", party=2)
    event = parade(1)
    move(event, 2)
    delivery = deliveries_of(bekasi)[0]
    message = build_message(delivery, "id", SENDER)
    body = message.get_body(("plain",)).get_content()
    assert message["Subject"] == "Agenda Kirab: Waktu baru: Pawai Kirab Pemilu Dapil 1"
    assert (
        "dipindah dari Selasa, 14 November 2023, 08.00 WIB ke Selasa, 14 November 2023, 10.00 WIB"
        in body
    )
    assert message["Message-ID"] == f"<{delivery.key}@kirab.test.example>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<https://kirab.test.example/unsubscribe/")
    assert "Wakil Bekasi" in message["To"]
    vevent = icalendar.Calendar.from_ical(attachment(message)).walk("VEVENT")[0]
    assert vevent["SUMMARY"] == "Pawai Kirab Pemilu Dapil 1"
    assert vevent.decoded("DTSTART") == at("2023-11-14 10:00")
    # The same delivery is the same message, every attempt.
    assert build_message(delivery, "id", SENDER)["Message-ID"] == message["Message-ID"]
    english_body = build_message(deliveries_of(english)[0], "en", SENDER).get_body(("plain",))
    assert "moves from Tuesday, 14 November 2023, 08:00 WIB to" in english_body.get_content()


def test_the_worker_sends_each_delivery_once_and_logs_refusals(west_java, caplog):
    bekasi = follower("32.16", email="bekasi@kirab.example")
    bounced = follower("32.16", party=2, email="bounce@kirab.example")
    move(parade(1), 2)
    db.session.commit()
    with smtp_server() as server:
        server.inbox.refuse.add("bounce@kirab.example")
        mail = parse_mail_url(server.url)
        assert send_due(mail, SENDER) == 2
        assert send_due(mail, SENDER) == 0  # nothing is sent twice
        assert len(server.inbox.to("bekasi@kirab.example")) == 1
        assert server.inbox.to("bounce@kirab.example") == []
    db.session.expire_all()
    assert deliveries_of(bekasi)[0].status == DeliveryStatus.SENT
    refused = deliveries_of(bounced)[0]
    assert refused.status == DeliveryStatus.FAILED and refused.last_error.startswith("550")
    assert "bounce@kirab.example" in caplog.text


def test_a_mail_server_away_keeps_the_delivery_for_later(west_java, app):
    bekasi = follower("32.16", email="bekasi@kirab.example")
    move(parade(1), 2)
    db.session.commit()
    with smtp_server() as server:
        mail = parse_mail_url(server.url)
        server.stop()
        app.config["NOTIFY_RETRY_SECONDS"] = 0
        assert send_due(mail, SENDER, limit=1) == 1
        db.session.expire_all()
        waiting = deliveries_of(bekasi)[0]
        assert waiting.status == DeliveryStatus.PENDING and waiting.attempts == 1
        assert "cannot reach" in waiting.last_error
        server.start()
        send_due(mail, SENDER)
        (received,) = server.inbox.to("bekasi@kirab.example")
    assert received["Message-ID"] == f"<{waiting.key}@kirab.test.example>"


def test_one_click_unsubscribe_works_without_login(client, west_java):
    bekasi = follower("32.16")
    path = f"/unsubscribe/{unsubscribe_token(bekasi)}"
    page = client.get(path)  # a link scanner's GET changes nothing
    assert page.status_code == 200 and "Hentikan semua surel" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(NotificationPreference, bekasi.id).email_mode == EmailMode.IMMEDIATE
    # RFC 8058: the client posts this body, with no cookie and no CSRF token.
    response = client.post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(NotificationPreference, bekasi.id).email_mode == EmailMode.OFF
    assert db.session.execute(
        db.select(AuditEntry).where(AuditEntry.action == "notifications.unsubscribe")
    ).scalar_one()


@pytest.mark.parametrize("token", ["forged", "x" * 300, "eyJ1IjoxfQ.bad"])
def test_a_forged_unsubscribe_link_is_404(client, app, token):
    assert client.post(f"/unsubscribe/{token}").status_code == 404
    assert client.get(f"/unsubscribe/{token}").status_code == 404


def test_the_account_page_keeps_the_choice(client, west_java):
    user = make_user("party_rep", party=1, regions=["32.16"])
    login(client, user)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "Melalui surel, satu ringkasan harian" in page
    token = csrf_token(client, "/account/notifications")
    data = {"csrf_token": token, "email_mode": "digest", "digest_hour": "7", "lang": "en"}
    assert client.post("/account/notifications", data=data).status_code == 302
    db.session.expire_all()
    preference = db.session.get(NotificationPreference, user.id)
    assert (preference.email_mode, preference.digest_hour, preference.lang) == ("digest", 7, "en")


@pytest.mark.parametrize(
    "data",
    [
        {"email_mode": "weekly", "digest_hour": "", "lang": "id"},
        {"email_mode": "digest", "digest_hour": "25", "lang": "id"},
        {"email_mode": "digest", "digest_hour": "", "lang": "fr"},
        {},
    ],
)
def test_bad_choices_are_refused_with_a_message(client, app, data):
    user = make_user("observer")
    login(client, user)
    token = csrf_token(client, "/account/notifications")
    response = client.post("/account/notifications", data={"csrf_token": token, **data})
    assert response.status_code == 422
    assert "Pilihan tidak valid." in response.get_data(as_text=True)
    assert db.session.get(NotificationPreference, user.id) is None


def test_the_command_line_sets_the_choice(runner, app):
    user = make_user("party_rep", party=1, regions=["32.16"], email="wakil@kirab.example")
    db.session.commit()
    result = runner.invoke(args=["notifications", "wakil@kirab.example", "--email", "immediate"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(NotificationPreference, user.id).email_mode == EmailMode.IMMEDIATE
    assert runner.invoke(args=["notifications", "nobody@x.example", "--email", "off"]).exit_code
    refused = runner.invoke(args=["notifications", "wakil@kirab.example", "--email", "weekly"])
    assert refused.exit_code == 2


@pytest.mark.parametrize(
    ("url", "host", "port", "tls", "user"),
    [
        ("smtp://user:p%40ss@mail.example:587", "mail.example", 587, False, "user"),
        ("smtps://mail.example", "mail.example", 465, True, ""),
        ("smtp://127.0.0.1:2525", "127.0.0.1", 2525, False, ""),
    ],
)
def test_mail_urls(url, host, port, tls, user):
    server = parse_mail_url(url)
    assert (server.host, server.port, server.implicit_tls, server.username) == (
        host,
        port,
        tls,
        user,
    )
    assert "p@ss" not in repr(server) and "p@ss" not in server.safe_url


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "smtp://host:port"])
def test_bad_mail_urls_are_refused(url):
    with pytest.raises(MailSettingError):
        parse_mail_url(url)


def test_the_admins_see_refused_deliveries(client, west_java):
    bounced = follower("32.16", email="bounce@kirab.example")
    move(parade(1), 2)
    delivery = deliveries_of(bounced)[0]
    delivery.status, delivery.last_error = DeliveryStatus.FAILED, "550 mailbox unavailable"
    login(client, make_user("admin"))
    page = client.get("/manage/notifications").get_data(as_text=True)
    assert "bounce@kirab.example" in page and "550 mailbox unavailable" in page


def test_message_parses_as_sent(west_java):
    follower("32.16")
    move(parade(1), 2)
    delivery = db.session.execute(db.select(Delivery)).scalar_one()
    raw = build_message(delivery, "id", SENDER).as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert urlsplit(parsed["List-Unsubscribe"].strip("<>")).path.startswith("/unsubscribe/")


def test_the_worker_refuses_a_mail_url_it_cannot_use(runner, app):
    app.config["MAIL_URL"] = "http://user:geheim@mail.example"
    result = runner.invoke(args=["worker"])
    assert result.exit_code == 1 and "smtp://" in result.output and "geheim" not in result.output
    app.config.update(MAIL_URL=None, KIRAB_ENV="production")
    result = runner.invoke(args=["worker"])
    assert result.exit_code == 1 and "KIRAB_MAIL_URL" in result.output


def test_a_mail_that_cannot_be_built_waits_and_stops_no_other(west_java, app, monkeypatch):
    from kirab.notifications import worker

    first = follower("32.16", email="satu@kirab.example")
    second = follower("32.16", party=2, email="dua@kirab.example")
    move(parade(1), 2)
    db.session.commit()
    built = worker.build_message

    def broken_for_the_first(delivery, lang, sender):
        if delivery.user_id == first.id:
            raise KeyError("broken")
        return built(delivery, lang, sender)

    monkeypatch.setattr(worker, "build_message", broken_for_the_first)
    with smtp_server() as server:
        send_due(parse_mail_url(server.url), SENDER)
        assert len(server.inbox.to("dua@kirab.example")) == 1
    db.session.expire_all()
    waiting = deliveries_of(first)[0]
    assert waiting.status == DeliveryStatus.PENDING and "KeyError" in waiting.last_error
    assert deliveries_of(second)[0].status == DeliveryStatus.SENT


def test_a_shift_through_the_relay_of_40_events_gives_each_follower_one_mail(west_java):
    from kirab.changes.models import AgendaChange
    from kirab.relay.shifts import apply_shift
    from tests.factories import make_event

    stop = stop_of(west_java, "32.16")
    held = db.session.scalar(db.select(db.func.count()).where(Event.stop_id == stop.id))
    for number in range(40 - held):
        make_event(stop, title=f"Sosialisasi {number}")
    followers = [follower("32.16", party=n) for n in (1, 2)]
    db.session.commit()
    # The shift the planners confirm: the change log records it, the outbox hears of it.
    apply_shift(stop, timedelta(hours=2), actor=make_user("admin"))
    db.session.commit()
    (change,) = db.session.execute(db.select(AgendaChange)).scalars()
    assert change.kind == "shifted"
    assert len([e for e in change.events if e.event.stop_id == stop.id]) == 40
    for user in followers:
        assert [d.change_id for d in deliveries_of(user)] == [change.id]
