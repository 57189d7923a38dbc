"""Personal feeds: secret tokens, shown once, reset, ended with the account, and the CLI."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from kirab.audit.models import AuditEntry
from kirab.auth.services import update_user
from kirab.database import db
from kirab.errors import DomainError
from kirab.feeds.models import FeedToken
from kirab.feeds.tokens import issue_token
from tests.conftest import csrf_token, login
from tests.factories import make_event, make_user
from tests.feeds_support import BASE_URL, NOW, fetch, pin, three_zone_route

TOKEN_URL = re.compile(re.escape(BASE_URL) + r"/calendar/([A-Za-z0-9_-]+)\.ics")


@pytest.fixture
def rep(app):
    """A party representative following Kabupaten Bekasi, with one event there."""
    pin(app, NOW)
    route = three_zone_route()
    make_event(route.stops[0], title="Di Bekasi")
    user = make_user("party_rep", party=1, regions=["32.16"], email="rep@kirab.example")
    db.session.commit()
    return user


def test_a_token_is_long_random_and_stored_only_as_its_hash(rep):
    token = issue_token(rep, actor=rep, now=NOW)
    other = issue_token(make_user("observer"), actor=None, now=NOW)
    db.session.commit()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", token)  # 256 random bits
    assert token != other
    stored = db.session.get(FeedToken, rep.id)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    kept = [stored.token_hash] + [str(e.details) for e in db.session.scalars(select(AuditEntry))]
    assert not any(token in text for text in kept)


def test_a_reset_stops_the_old_address(client, rep):
    old = issue_token(rep, actor=rep, now=NOW)
    db.session.commit()
    assert fetch(client, f"/calendar/{old}.ics")[0].status_code == 200
    new = issue_token(rep, actor=rep, now=NOW)
    db.session.commit()
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert fetch(client, f"/calendar/{new}.ics")[0].status_code == 200


def test_an_unconfirmed_reset_is_refused_and_keeps_the_address(client, rep):
    first = issue_token(rep, actor=rep, now=NOW, confirmed=False)  # a first feed needs no box
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        issue_token(rep, actor=rep, now=NOW, confirmed=False)
    assert refused.value.field == "confirm"
    db.session.rollback()
    assert fetch(client, f"/calendar/{first}.ics")[0].status_code == 200


def test_deactivating_a_user_ends_their_feed_for_good(client, rep):
    token = issue_token(rep, actor=rep, now=NOW)
    admin = make_user("admin")
    db.session.commit()
    fields = dict(name="", role="party_rep", region_codes=["32.16"], party_number=1)
    update_user(rep, actor=admin, active=False, **fields)
    db.session.commit()
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    update_user(rep, actor=admin, active=True, **fields)
    db.session.commit()
    assert client.get(f"/calendar/{token}.ics").status_code == 404  # a new one must be made


def test_an_inactive_account_with_a_token_gets_no_feed(client, rep):
    token = issue_token(rep, actor=rep, now=NOW)
    rep.active = False  # however it came to be inactive
    db.session.commit()
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_the_account_page_shows_a_new_address_once(client, rep):
    login(client, rep)
    page = client.get("/account/calendar")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Kabupaten Bekasi" in html and not TOKEN_URL.search(html)

    created = client.post(
        "/account/calendar", data={"csrf_token": csrf_token(client, "/account/calendar")}
    )
    assert created.status_code == 200
    html = created.get_data(as_text=True)
    token = TOKEN_URL.search(html).group(1)
    assert f"webcal://kirab.test.example/calendar/{token}.ics" in html
    assert '<svg role="img"' in html
    # The whole address is text to read and select, not cut off in a field.
    assert f'<code id="feed-address">https://kirab.test.example/calendar/{token}.ics</code>' in html
    assert 'data-copy="feed-address"' in html
    assert created.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in created.headers["Cache-Control"]
    assert fetch(client, f"/calendar/{token}.ics")[0].status_code == 200

    later = client.get("/account/calendar").get_data(as_text=True)
    assert token not in later
    assert "yang berlangganan alamat lama berhenti menerima pembaruan" in later

    unconfirmed = client.post(
        "/account/calendar", data={"csrf_token": csrf_token(client, "/account/calendar")}
    )
    assert unconfirmed.status_code == 400
    assert "Centang kotak untuk mengonfirmasi" in unconfirmed.get_data(as_text=True)
    assert fetch(client, f"/calendar/{token}.ics")[0].status_code == 200

    reset = client.post(
        "/account/calendar",
        data={"csrf_token": csrf_token(client, "/account/calendar"), "confirm": "y"},
    )
    new_token = TOKEN_URL.search(reset.get_data(as_text=True)).group(1)
    assert new_token != token
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_a_reset_without_the_csrf_token_changes_nothing(client, rep):
    token = issue_token(rep, actor=rep, now=NOW)
    db.session.commit()
    login(client, rep)
    assert client.post("/account/calendar", data={}).status_code == 400
    assert client.get(f"/calendar/{token}.ics").status_code == 200


def test_the_feed_token_command_prints_an_absolute_address(client, runner, rep):
    result = runner.invoke(args=["feed-token", "REP@kirab.example"])
    assert result.exit_code == 0, result.output
    token = TOKEN_URL.search(result.output).group(1)
    assert fetch(client, f"/calendar/{token}.ics")[0].status_code == 200

    again = runner.invoke(args=["feed-token", "rep@kirab.example"])
    assert TOKEN_URL.search(again.output).group(1) != token
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_the_feed_token_command_refuses_unknown_users(runner, rep):
    result = runner.invoke(args=["feed-token", "nobody@kirab.example"])
    assert result.exit_code == 1
    assert "no active user" in result.output
