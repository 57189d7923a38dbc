"""Every form of the app, sent wrong in Indonesian, answers 4xx in Indonesian only.

Each route that takes POST is a case below, or one of the few exclusions
(``NOT_FORMS``); ``test_every_post_route_is_a_case`` fails for a new one.
For each case a person who may use the form opens it with ``lang=id``, and
the form as the page renders it is sent back:

- ``empty``: every field the page marks as required left empty;
- ``wrong``: every such field holding what it cannot take, by its type
  (letters for numbers, 31 February, 25:61, an e-mail without "@", markup
  and text beyond the field's length, a choice not offered, someone else's
  id, a file that is not what the field asks for);
- ``letters``: letters in every number, date and time field, the rest as rendered;
- ``wrong_rows``: for an import, a CSV file whose every column is wrong;
- ``tampered``: the hidden fields a forger would change (version, ids) forged;
- ``no_csrf``, ``forged_csrf``: the form without its CSRF token, or with a forged one;
- and, for one-button forms, the button pressed on someone else's record.

Every answer must be a 4xx, leave the data as it was, and show no English
(``tests/english.py``). The pages showing the forms are checked too.
"""

from __future__ import annotations

import io
import re

import pytest
from flask import current_app

from kirab.attendance.models import AttendanceRecord, ExpectedGuest
from kirab.database import db
from kirab.events.models import Event
from tests.conftest import (
    CommittedWrites,
    csrf_token,
    login,
)
from tests.english import english_on_page
from tests.test_fuzz import fingerprint
from tests.test_permissions import World, kept_world, on_world
from tests.wrong_forms import (
    WRONG_ROWS,
    FormFields,
    filled,
    forms_of,
    rendered,
    submissions,
    with_lang,
)

# Routes that take POST but are no form a person fills in, and why each is left out.
NOT_FORMS = {
    # Mail clients post RFC 8058's one-click unsubscribe with no fields and read no page;
    # the person's own GET of the link is checked in test_the_unsubscribe_pages_are_indonesian.
    "notifications.unsubscribe",
}


class Sender:
    """Sends as the world's users and notes what went wrong with each answer."""

    def __init__(self, app, world: World):
        self.app = app
        self.users = world.users
        self.ids = world.ids
        self.failures: list[str] = []
        self.refused = 0

    def client(self, role: str):
        """A client logged in as ``role`` (or no one)."""
        client = self.app.test_client()
        if role != "anonymous":
            login(client, self.users[role])
        return client

    def page(self, client, url: str, shown: str) -> str:
        """GET ``url`` in Indonesian; it must load and carry no English."""
        response = client.get(with_lang(url))
        text = response.get_data(as_text=True)
        if response.status_code != 200:
            self.failures.append(f"{shown}: GET {url} answered {response.status_code}")
        self.check_text(text, f"{shown}: page {url}")
        return text

    def check_text(self, text: str, shown: str) -> None:
        """Note English in an answer, and a page that does not say it is Indonesian."""
        if "<html" in text and '<html lang="id"' not in text:
            self.failures.append(f"{shown}: the page does not say it is Indonesian")
        found = english_on_page(text)
        if found:
            self.failures.append(f"{shown}: English {found[:8]}")

    def post(self, client, url: str, data: dict, shown: str, one_button: bool = False) -> int:
        """POST wrong input; the answer must be a 4xx in Indonesian that changed nothing.

        A one-button form (nothing to fill in) refused by a rule goes back to
        the page it was pressed on with the message flashed, as its success
        does: that page must show the message, in Indonesian.
        """
        before = fingerprint()
        with CommittedWrites(db.engine) as writes:
            try:
                response = client.post(with_lang(url), data=data)
            except Exception as error:  # noqa: BLE001 (the test app lets errors through: a 500)
                self.failures.append(f"{shown}: {type(error).__name__} {error}")
                return 500
        status = response.status_code
        location = response.headers.get("Location", "")
        if writes.count or fingerprint() != before:
            self.failures.append(f"{shown}: answered {status} {location} and data changed")
        elif 400 <= status < 500:
            self.refused += 1
            self.check_text(response.get_data(as_text=True), f"{shown} ({status})")
        elif one_button and status in (302, 303):
            page = client.get(with_lang(location)).get_data(as_text=True)
            if 'class="flash flash-error"' in page:
                self.refused += 1
            else:
                self.failures.append(f"{shown}: went to {location} with no message")
            self.check_text(page, f"{shown} (flashed on {location})")
        else:
            self.failures.append(f"{shown}: answered {status} {location}")
        return status


ATTENDANCE = "/events/{published}/attendance"
STOP_EVENTS = "/manage/stops/{stop}/events"
# endpoint: (who may use the form, the page that shows it,
#            presses of its button on what is not theirs or not there: (path, data))
CASES = {
    "main.set_language": ("observer", "/", [("/language", {"lang": "fr"})]),
    "auth.login": ("anonymous", "/login", []),
    "auth.logout": ("observer", "/", []),
    "auth.change_password": ("observer", "/account/password", []),
    "feeds.account": ("party_rep", "/account/calendar", [("/account/calendar", {})]),
    "notifications.account": ("party_rep", "/account/notifications", []),
    "attendance.add_guest": ("organizer_in", ATTENDANCE, []),
    "attendance.remove_guest": ("organizer_in", ATTENDANCE, [
        (ATTENDANCE + "/guests/{other_guest}/remove", {})]),
    "attendance.headcount": ("organizer_in", ATTENDANCE, []),
    "attendance.import_csv": ("organizer_in", ATTENDANCE + "/import", []),
    "attendance.add_person": ("organizer_in", ATTENDANCE, []),
    "attendance.confirm": ("organizer_in", ATTENDANCE, [
        (ATTENDANCE + "/records/{other_record}/confirm", {})]),
    "attendance.delete": ("organizer_in", ATTENDANCE, [
        (ATTENDANCE + "/records/{other_record}/delete", {"reason": "keliru"})]),
    "attendance.tick": ("organizer_in", ATTENDANCE, []),
    "attendance.checkin": ("anonymous", "/events/{published}/check-in/{checkin}", [
        ("/events/{published}/check-in/palsu", {"name": "Budi", "category": "public"})]),
    "attendance.erase": ("organizer_in", "/manage/attendance/erase?name=Ani", []),
    "schedule.cancel_event": ("organizer_in", "/manage/events/{published}/cancel", []),
    "schedule.delete_event": ("organizer_in", "/manage/events/{draft}/delete", [
        ("/manage/events/{elsewhere}/delete", {"confirm": "y"})]),
    "schedule.duplicate_event": ("organizer_in", STOP_EVENTS, [
        ("/manage/events/{elsewhere}/duplicate", {})]),
    "schedule.edit_event": ("organizer_in", "/manage/events/{published}/edit", []),
    "schedule.publish_event": ("organizer_in", STOP_EVENTS, [
        ("/manage/events/{elsewhere}/publish", {}), ("/manage/events/{published}/publish", {})]),
    "schedule.withdraw_event": ("organizer_in", STOP_EVENTS, [
        ("/manage/events/{elsewhere}/withdraw", {}), ("/manage/events/{draft}/withdraw", {})]),
    "schedule.publish_drafts": ("organizer_in", STOP_EVENTS, [
        ("/manage/stops/{other_stop}/publish", {})]),
    "schedule.new_event": ("organizer_in", "/manage/stops/{stop}/events/new", []),
    "schedule.programme": ("organizer_in", "/manage/stops/{stop}/programme", []),
    "planning.handover": ("organizer_in", "/manage/handovers/{handover}", []),
    "planning.upload_file": ("organizer_in", "/manage/handovers/{handover}", []),
    "planning.new_relay": ("admin", "/manage/relays", []),
    "planning.new_route": ("admin", "/manage/relays", []),
    "planning.import_stops": ("admin", "/manage/routes/{route}/import", []),
    "planning.new_stop": ("admin", "/manage/routes/{route}/stops/new", []),
    "planning.edit_stop": ("organizer_in", "/manage/stops/{stop}", []),
    "planning.move_stop": ("admin", "/manage/routes/{route}", [
        ("/manage/stops/{stop}/move", {"direction": "samping"}),
        ("/manage/stops/{other_stop}/move", {"direction": "up"})]),
    "planning.remove_stop": ("admin", "/manage/stops/{stop}/remove", []),
    "planning.shift_stop": ("admin", "/manage/stops/{stop}/shift", []),
    "users.new": ("admin", "/manage/users/new", []),
    "users.edit": ("admin", "/manage/users/{target}", []),
    "users.password": ("admin", "/manage/users/{target}/password", []),
    "webhooks.endpoints": ("admin", "/manage/webhooks", []),
    "webhooks.redeliver_delivery": ("admin", "/manage/webhooks", [
        ("/manage/webhooks/deliveries/999999/redeliver", {}),
        ("/manage/webhooks/deliveries/999999/redeliver", {"csrf_token": "palsu"})]),
}  # fmt: skip


class FormsWorld(World):
    """The permission matrix's world, with a guest and a record on the published event.

    So the attendance page shows the forms that act on one; the other
    event and the first stop are named for the forms sent at them.
    """

    def build(self) -> None:
        """Build the matrix's world, then add to it and commit."""
        from kirab.relay.models import Stop

        super().build()
        stop = db.session.get(Stop, self.ids["stop"])
        stop.route.relay.name = "Kirab Pemilu 2024"  # not the factory's name, which is English
        published = self.ids["published"]
        db.session.add_all([
            ExpectedGuest(event_id=published, name="Sari", name_key="sari", category="kpu"),
            AttendanceRecord(event_id=published, name="Ani", name_key="ani", category="party_rep",
                             party_number=1, party_self_declared=True, method="self_checkin"),
        ])  # fmt: skip
        elsewhere = db.session.execute(db.select(Event).where(Event.title == "Lain")).scalar_one()
        self.ids["elsewhere"] = elsewhere.id
        self.ids["other_stop"] = stop.route.stops[0].id
        db.session.commit()


@pytest.fixture(scope="module")
def forms_world(shared_app):
    """The world of the module, built once; its rows are deleted after the module."""
    with kept_world(shared_app, FormsWorld()) as world:
        yield world


@pytest.fixture
def sender(shared_app, forms_world):
    """A sender in the world; the world is built again if a case changed it."""
    with on_world(shared_app, forms_world):
        yield Sender(shared_app, forms_world)


def uncovered(posted: set[str]) -> set[str]:
    """The endpoints of ``posted`` that are neither a case nor left out."""
    return posted - set(CASES) - NOT_FORMS


def test_every_post_route_is_a_case(shared_app):
    posted = {rule.endpoint for rule in shared_app.url_map.iter_rules() if "POST" in rule.methods}
    assert len(posted) > 30
    assert uncovered(posted) == set(), "forms not sent wrong in Indonesian"
    assert uncovered(posted | {"events.new_form"}) == {"events.new_form"}
    assert set(CASES) | NOT_FORMS <= posted, "cases for routes that take no POST"
    assert not set(CASES) & NOT_FORMS


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_a_wrong_form_is_refused_in_indonesian(sender, endpoint):
    role, page, presses = CASES[endpoint]
    ids = sender.ids
    client = sender.client(role)
    url = page.format(**ids)
    parser = FormFields(url)
    parser.feed(sender.page(client, url, endpoint))
    forms = forms_of(parser, endpoint)
    assert forms or presses, f"no form of {endpoint} on {url}"
    for form in forms[:1]:
        for name, data in submissions(form, ids, WRONG_ROWS.get(endpoint)).items():
            sender.post(client, form["action"], data, f"{endpoint} {name}", not filled(form))
    token = next(form for form in parser.forms if "csrf_token" in form["controls"])
    for path, data in presses:
        data = {"csrf_token": token["controls"]["csrf_token"]["values"][0], **data}
        sender.post(client, path.format(**ids), data, f"{endpoint} {path}", True)
    assert not sender.failures, "\n".join(sender.failures)
    assert sender.refused >= 2


def test_the_error_pages_a_form_leads_to_are_indonesian(sender):
    ids = sender.ids
    event = f"/manage/events/{ids['published']}/edit"
    organizer = sender.client("organizer_in")
    parser = FormFields(event)
    parser.feed(organizer.get(with_lang(event)).get_data(as_text=True))
    opened = rendered(forms_of(parser, "schedule.edit_event")[0])
    current_app.config.update(MAX_CONTENT_LENGTH=4096, LOGIN_LIMIT="1 per minute")
    anonymous = sender.client("anonymous")
    login_token = csrf_token(anonymous, "/login?lang=id")
    wrong_login = {"csrf_token": login_token, "email": "budi@kirab.example", "password": "salah"}
    party_rep = sender.client("party_rep")
    relay = {"csrf_token": csrf_token(party_rep, "/?lang=id"), "name": "Kirab"}
    upload = f"/manage/handovers/{ids['handover']}/files"
    big = {"csrf_token": opened["csrf_token"][0], "kind": "photo",
           "file": (io.BytesIO(b"\x89PNG" + b"0" * 8192), "foto.png")}  # fmt: skip
    cases = [
        (400, organizer, event, {**opened, "csrf_token": "palsu"}),
        (403, party_rep, "/manage/relays", relay),
        (404, organizer, "/manage/events/999999/edit", opened),
        (413, organizer, upload, big),
        (422, organizer, event, {**opened, "title": ""}),
        (422, anonymous, "/login", wrong_login),
        (429, anonymous, "/login", wrong_login),
    ]
    statuses = [
        sender.post(client, url, data, f"{code} {url}") for code, client, url, data in cases
    ]
    # Someone else saves the event after it was opened: the form's save is stale.
    db.session.get(Event, ids["published"]).title = "Pawai yang lain"
    db.session.commit()
    statuses.append(sender.post(organizer, event, {**opened, "title": "Pawai"}, "409"))
    assert not sender.failures, "\n".join(sender.failures)
    assert statuses == [*(code for code, *_rest in cases), 409]


def test_a_form_opened_after_the_session_ended_asks_for_a_login_in_indonesian(sender):
    client = sender.client("anonymous")
    response = client.get(with_lang("/manage/relays"))
    assert response.status_code == 302
    sender.page(client, response.location, "login")
    assert not sender.failures, "\n".join(sender.failures)


def test_the_unsubscribe_pages_are_indonesian(sender):
    client = sender.client("anonymous")
    sender.page(client, f"/unsubscribe/{sender.ids['unsubscribe']}", "unsubscribe")
    assert sender.post(client, "/unsubscribe/palsu", {}, "unsubscribe forged") == 404
    assert not sender.failures, "\n".join(sender.failures)


def test_the_same_pages_in_english_are_found_english(sender):
    """The sweep would see English: each form page opened in English is flagged."""
    client = sender.client("admin")
    for url in ("/manage/users/new", "/manage/relays", f"/manage/stops/{sender.ids['stop']}"):
        found = english_on_page(client.get(url + "?lang=en").get_data(as_text=True))
        assert len(found) > 5, url


# Wrong values for the GET filter forms: each answer names the field by its label.
WRONG_FILTERS = [
    "/agenda?from=13-11-2023",
    "/agenda?to=2023-13-40",
    "/agenda?from=2023-11-15&to=2023-11-14",
    "/agenda?from=2023-11-13&from=2023-11-14",
    "/agenda?from=1900-01-01",
    "/agenda?region=99",
    "/agenda?dapil=x",
    "/agenda?route=abc",
    "/agenda?relay=abc",
    "/agenda?page=0",
    "/agenda?page=1&page=2",
    "/reports/attendance?from=kemarin",
    "/reports/attendance?to=2023-02-30",
    "/manage/audit?from=13-11-2023",
    "/manage/audit?action=stop.shift&action=event.shift",
    "/manage/audit?to=2023-11-01&from=2023-11-02",
    "/manage/audit?page=x",
    "/?at=besok",
    "/?at=1800-01-01T10:00",
    "/route?at=besok",
    "/?relay=x",
    "/route?relay=1&relay=2",
    "/changes?from=x",
    "/changes?page=0",
]


def test_wrong_filter_values_are_refused_in_indonesian(sender):
    client = sender.client("admin")
    statuses = set()
    for url in WRONG_FILTERS:
        response = client.get(with_lang(url))
        statuses.add(response.status_code)
        text = response.get_data(as_text=True)
        sender.check_text(text, f"GET {url} ({response.status_code})")
        # Parameter names the word list does not know ("at", "action", "to", "relay").
        named = re.search(r"\b(at|action|to|relay|from|page)\b (harus|hanya|tidak)\b", text)
        if named:
            sender.failures.append(f"GET {url}: names its parameter: {named[0]}")
    assert not sender.failures, "\n".join(sender.failures)
    assert statuses == {400}
