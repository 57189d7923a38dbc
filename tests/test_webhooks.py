"""Webhooks against a real HTTP receiver: Standard Webhooks signatures, retries, the log.

Changes are recorded with ``tests.notify_support.record_change``, as the
code recording changes does.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook

from kirab.database import db
from kirab.events.models import Event
from kirab.webhooks.models import HookStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from kirab.webhooks.sender import send_due
from kirab.webhooks.services import add_endpoint
from tests.conftest import csrf_token, login
from tests.factories import at, make_user
from tests.notify_support import record_change, smtp_server


class Receiver(ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 keeping every POST, answering from a script of statuses."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = list(answers)
        self.received: list[tuple[dict[str, str], bytes]] = []
        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        """The address to register."""
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/kirab"


class Handler(BaseHTTPRequestHandler):
    """Keeps the request, answers the next scripted status (200 when the script ran out)."""

    def do_POST(self):
        """Keep and answer."""
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server = self.server
        server.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        status = server.answers.pop(0) if server.answers else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args):
        """Quiet."""


@pytest.fixture
def receiver():
    """A receiver answering 200, running for the test."""
    yield from running(Receiver([]))


def running(server: Receiver):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def move_parade(hours: float = 2):
    """Move Bekasi's first parade and record the change."""
    event = db.session.execute(
        db.select(Event).where(Event.title == "Pawai Kirab Pemilu Dapil 1")
    ).scalar_one()
    old = (event.starts_at, event.ends_at)
    event.starts_at += timedelta(hours=hours)
    event.ends_at += timedelta(hours=hours)
    change = record_change("moved", event.stop, [(event, *old)])
    db.session.commit()
    return event, change


def test_the_post_verifies_with_the_endpoints_secret(app, west_java, receiver):
    _endpoint, secret = add_endpoint(
        receiver.url, ["32.16"], actor=None, now=at("2023-11-01 09:00")
    )
    event, change = move_parade()
    assert send_due() == 1
    ((headers, body),) = receiver.received
    payload = Webhook(secret).verify(body, headers)
    assert payload["type"] == "event.changed"
    assert payload["data"]["event"]["id"] == event.id
    assert payload["data"]["event"]["starts_at"] == "2023-11-14T10:00:00+07:00"  # the API's shape
    assert (
        payload["data"]["change"]["kind"] == "moved"
        and payload["data"]["change"]["id"] == change.id
    )
    assert payload["timestamp"]
    with pytest.raises(Exception, match="signature"):
        Webhook("whsec_" + "QUFB" * 11).verify(body, headers)
    db.session.expire_all()
    assert db.session.execute(db.select(WebhookDelivery)).scalar_one().status == HookStatus.SENT


def test_failing_three_times_then_ok_is_four_attempts_with_one_id(app, west_java, client):
    app.config["WEBHOOK_RETRY_SECONDS"] = 0
    for server in running(Receiver([500, 500, 500, 200])):
        endpoint, _secret = add_endpoint(server.url, [], actor=None, now=at("2023-11-01 09:00"))
        move_parade()
        for _round in range(10):
            send_due()
        ids = {headers["webhook-id"] for headers, _body in server.received}
        assert len(server.received) == 4 and len(ids) == 1
    db.session.expire_all()
    delivery = db.session.execute(db.select(WebhookDelivery)).scalar_one()
    assert delivery.status == HookStatus.SENT and delivery.attempts == 4
    assert [a.status_code for a in delivery.log] == [500, 500, 500, 200]
    login(client, make_user("admin"))
    page = client.get(f"/manage/webhooks/{endpoint.id}").get_data(as_text=True)
    assert page.count('class="attempt"') == 4 and delivery.key in page


def test_an_endpoint_hears_only_its_regions(app, west_java, receiver):
    add_endpoint(receiver.url, ["32.75"], actor=None, now=at("2023-11-01 09:00"))
    move_parade()
    assert send_due() == 0 and receiver.received == []


def test_an_endpoint_failing_for_a_day_is_disabled_and_its_admin_told(app, west_java):
    admin = make_user("admin", email="admin@kirab.example")
    with smtp_server() as mail:
        app.config.update(MAIL_URL=mail.url, WEBHOOK_RETRY_SECONDS=60)
        for server in running(Receiver([500] * 10)):
            endpoint, _secret = add_endpoint(
                server.url, [], actor=admin, now=at("2023-11-13 09:00")
            )
            app.config["FIXED_NOW"] = at("2023-11-13 09:00")
            move_parade()
            db.session.execute(
                db.update(WebhookDelivery).values(
                    created_at=at("2023-11-13 09:00"), next_attempt_at=at("2023-11-13 09:00")
                )
            )
            db.session.commit()
            send_due()
            app.config["FIXED_NOW"] = at("2023-11-14 09:00")
            send_due()
        (told,) = mail.inbox.to("admin@kirab.example")
    assert "dinonaktifkan" in told["Subject"]
    db.session.expire_all()
    endpoint = db.session.get(WebhookEndpoint, endpoint.id)
    assert not endpoint.active and endpoint.disabled_at == at("2023-11-14 09:00")
    assert db.session.execute(db.select(WebhookDelivery)).scalar_one().status == HookStatus.FAILED


def test_redeliver_sends_again_with_the_same_id(app, west_java, client, receiver):
    add_endpoint(receiver.url, [], actor=None, now=at("2023-11-01 09:00"))
    move_parade()
    send_due()
    delivery = db.session.execute(db.select(WebhookDelivery)).scalar_one()
    admin = make_user("admin")
    login(client, admin)
    token = csrf_token(client, f"/manage/webhooks/{delivery.endpoint_id}")
    response = client.post(f"/manage/webhooks/deliveries/{delivery.id}/redeliver",
                           data={"csrf_token": token})  # fmt: skip
    assert response.status_code == 302
    send_due()
    ids = [headers["webhook-id"] for headers, _body in receiver.received]
    assert ids == [delivery.key, delivery.key]
    assert db.session.execute(db.select(db.func.count(WebhookAttempt.id))).scalar() == 2


def test_admins_register_endpoints_on_the_web_page(app, client):
    login(client, make_user("admin"))
    token = csrf_token(client, "/manage/webhooks")
    page = client.post("/manage/webhooks", data={"csrf_token": token, "url": "https://hooks.example/k",
                                                 "regions": "32.16 32.75"})  # fmt: skip
    assert page.status_code == 200 and "whsec_" in page.get_data(as_text=True)
    endpoint = db.session.execute(db.select(WebhookEndpoint)).scalar_one()
    assert endpoint.regions == ["32.16", "32.75"]
    assert "whsec_" not in client.get("/manage/webhooks").get_data(as_text=True)  # shown once


def test_a_double_posted_endpoint_makes_one_endpoint_and_one_secret(app, client):
    login(client, make_user("admin"))
    page = client.get("/manage/webhooks").get_data(as_text=True)
    assert re.search(r'name="idempotency_key" value="[A-Za-z0-9_-]{16,}"', page)
    data = {
        "csrf_token": csrf_token(client, "/manage/webhooks"),
        "url": "https://hooks.example/k",
        "idempotency_key": "w" * 32,
    }
    first = client.post("/manage/webhooks", data=data)
    assert first.status_code == 200 and "whsec_" in first.get_data(as_text=True)
    again = client.post("/manage/webhooks", data=data)
    assert again.status_code == 302 and again.headers["Location"] == "/manage/webhooks"
    assert db.session.execute(db.select(db.func.count(WebhookEndpoint.id))).scalar() == 1
    shown = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "whsec_" not in shown  # the replay shows no secret, and no second one was made
    assert "Formulir ini sudah pernah dikirim" in shown
    assert "hanya ditampilkan pada jawaban pertama" in shown


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "ftp://hooks.example"}, "http:// atau https://"),
        ({"url": ""}, "Masukkan alamat endpoint."),
        ({"url": "https://hooks.example", "regions": "99.99"}, "Wilayah tidak dikenal: 99.99"),
    ],
)
def test_bad_endpoints_are_refused(app, client, data, message):
    login(client, make_user("admin"))
    token = csrf_token(client, "/manage/webhooks")
    response = client.post("/manage/webhooks", data={"csrf_token": token, **data})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.execute(db.select(WebhookEndpoint)).first() is None


def test_webhook_add_prints_the_secret_once(runner, app):
    result = runner.invoke(args=["webhook-add", "https://hooks.example/k", "--region", "32.16"])
    assert result.exit_code == 0, result.output
    endpoint = db.session.execute(db.select(WebhookEndpoint)).scalar_one()
    assert endpoint.secret in result.output and endpoint.regions == ["32.16"]
    assert runner.invoke(args=["webhook-add", "not a url"]).exit_code == 1
    assert runner.invoke(args=["webhook-add", "https://x.example", "--region", "99"]).exit_code == 1


def test_the_secret_is_not_in_the_logs(app, west_java, caplog):
    for server in running(Receiver([500])):
        endpoint, secret = add_endpoint(server.url, [], actor=None, now=at("2023-11-01 09:00"))
        move_parade()
        send_due()
    assert secret not in caplog.text and secret not in repr(endpoint)
    payload = json.loads(db.session.execute(db.select(WebhookDelivery)).scalar_one().payload)
    assert secret not in json.dumps(payload)
