"""Hostile values in every form and query parameter of the permission matrix.

Each form is first read as a browser would send it (the page that shows
it, rendered for an admin), then sent again with one field at a time
replaced by a hostile value, by the roles that may post there; each page
of the matrix is asked again with each query parameter it reads replaced
the same way. Nothing may answer 500, and a refused request (4xx) must
have changed nothing: no committed write, and the same rows in every table
and the same uploads on disk.

Every field and parameter gets a NUL (PostgreSQL cannot store one) and two
values of a fixed table, taken in turn, so that the table goes round all the
fields and the whole run stays within a few seconds. After each refused
request no write may have been committed, and every table and the uploads
must be as before it.
"""

from __future__ import annotations

import hashlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from flask import current_app
from werkzeug.datastructures import ImmutableMultiDict

from kirab.database import db
from tests.conftest import REFERENCE_TABLES, CommittedWrites, csrf_token, login
from tests.test_permissions import EVERYONE_302, MATRIX, ROLES, World

OMITTED = None  # the field is not sent at all (an empty list of choices)
HOSTILE = (
    "\x00",
    "nul\x00in the middle",
    "\x1b[2J\x07\x08\x7f",
    "line\r\nSet-Cookie: kirab=stolen",
    "x" * 10_000,
    "<script>alert(1)</script>",
    "\"'><img src=x onerror=alert(1)>",
    "' OR '1'='1'; DROP TABLE users; --",
    "%s %(name)s {0} {{ config }}",
    "😀 \U0001d542\U0001d55a\U0001d563 \u202egnp.exe \ufeff",  # astral letters, a reversal
    "٣²\uff13",
    "-1",
    "-99999999999999999999999",
    "99999999999999999999999",
    "1e309",
    "nan",
    "",
    " ",
    "9999-12-31T23:59",
    "0001-01-01",
    "25:61",
    OMITTED,
    ["", "1", "x"],
    ["1", "1"],
)
# Values tried on each field besides a NUL, which every field gets.
PER_FIELD = 2
# Values tried on each query parameter a page reads.
PER_PARAMETER = 2
# Pages on which a parameter every page reads (the language) is tried.
EVERYWHERE_PAGES = 3
# Forms that, once they succeed, leave little for the cases after them: sent last.
LAST = ("auth.change_password", "auth.logout", "planning.remove_stop", "schedule.delete_event")


def others(ids: dict) -> list:
    """Ids of things the forms of the world must not reach: other users', other events'."""
    return [str(ids["target"]), str(ids["other_record"]), f"u{ids['other_guest']}", "999999"]


def spread(values: list, start: int, count: int) -> list:
    """``count`` values of ``values`` from ``start`` on, going round."""
    return [values[(start + step) % len(values)] for step in range(count)]


class PostedForms(HTMLParser):
    """The POST forms of a page: where each is sent, and what a browser sends unchanged."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: dict[str, dict[str, list[str]]] = {}
        self.fields: dict[str, list[str]] | None = None
        self.select: tuple[str, bool, list[str], list[str]] | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        """Note a form, and the value each of its controls sends."""
        attributes = {name: value or "" for name, value in attrs}
        name = attributes.get("name")
        if tag == "form":
            if attributes.get("method", "get").lower() == "post":
                action = (attributes.get("action") or self.page).split("#")[0]
                self.fields = self.forms.setdefault(action, {})
        elif self.fields is None or not name:
            if tag == "option" and self.select is not None:
                self.select[2].append(attributes.get("value", ""))
                if "selected" in attributes:
                    self.select[3].append(attributes.get("value", ""))
        elif tag == "input":
            self.add_input(name, attributes)
        elif tag == "button" and name not in self.fields:
            self.fields[name] = [attributes.get("value", "")]
        elif tag == "select":
            self.select = (name, "multiple" in attributes, [], [])
        elif tag == "textarea":
            self.textarea = name
            self.fields[name] = [""]

    def add_input(self, name: str, attributes: dict) -> None:
        """What an input sends: checkboxes and radios only when checked."""
        values = self.fields.setdefault(name, [])
        if attributes.get("type") in ("checkbox", "radio"):
            if "checked" in attributes:
                values.append(attributes.get("value", "on"))
        elif not values:
            values.append(attributes.get("value", ""))

    def handle_endtag(self, tag):
        """Close a form, a select (its chosen options) or a text area."""
        if tag == "form":
            self.fields = None
        elif tag == "select" and self.select is not None and self.fields is not None:
            name, multiple, options, selected = self.select
            self.fields[name] = selected or ([] if multiple or not options else options[:1])
            self.select = None
        elif tag == "textarea" and self.textarea is not None and self.fields is not None:
            # As browsers do, the line break that opens a text area is not part of its value.
            value = self.fields[self.textarea][0]
            self.fields[self.textarea][0] = value.removeprefix("\r\n").removeprefix("\n")
            self.textarea = None

    def handle_data(self, data):
        """The text of a text area is its value."""
        if self.textarea is not None and self.fields is not None:
            self.fields[self.textarea][0] += data


class ReadParameters(ImmutableMultiDict):
    """Query parameters that note the names a view looks up."""

    names: set[str] = set()

    def __getitem__(self, key):
        ReadParameters.names.add(key)
        return super().__getitem__(key)

    def getlist(self, key, type=None):
        ReadParameters.names.add(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        ReadParameters.names.add(key)
        return super().__contains__(key)


def fingerprint() -> tuple:
    """Row counts and a checksum of every table people change, and the uploaded files."""
    tables = []
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            if table.name in REFERENCE_TABLES:
                continue
            rows = sorted(repr(tuple(row)) for row in connection.execute(table.select()))
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            tables.append((table.name, len(rows), digest))
    folder = Path(current_app.config.get("UPLOAD_FOLDER") or "/nonexistent")
    files = sorted(str(path) for path in folder.rglob("*")) if folder.is_dir() else []
    return tuple(tables), tuple(files)


def may_send(role: str, expected: dict) -> bool:
    """Whether ``role`` gets past the access checks of a matrix row."""
    status = expected[role]
    login_redirect = role == "anonymous" and status == 302 and expected is not EVERYONE_302
    return status not in (403, 404) and not login_redirect


class Fuzzer:
    """Sends requests as the roles of the world and checks what each answer left behind."""

    def __init__(self, app, world: World):
        self.users = world.users
        self.clients = {role: app.test_client() for role in ROLES}
        self.tokens: dict[str, str] = {}
        self.sent = 0
        self.refused = 0
        self.failures: list[str] = []
        self.state = fingerprint()

    def send(self, role: str, method: str, url: str, data=None, changed: str = ""):
        """One request as ``role``; a 500 or a committed refusal is noted as a failure."""
        client = self.clients[role]
        if role != "anonymous":
            login(client, self.users[role])
        if method == "POST":
            data = {**data, "csrf_token": self.token(role)}
        shown = f"{role} {method} {url} {changed}"
        self.sent += 1
        with CommittedWrites(db.engine) as writes:
            try:
                response = client.open(url, method=method, data=data)
            except Exception as error:  # noqa: BLE001 (the test app lets errors through: a 500)
                self.failures.append(f"{type(error).__name__} for {shown}")
                self.state = fingerprint()
                return 500
        response.close()
        status = response.status_code
        before, self.state = self.state, fingerprint()
        if status >= 500:
            self.failures.append(f"{status} for {shown}")
        elif status >= 400:
            self.refused += 1
            if writes.count or self.state != before:
                self.failures.append(f"{status} but data changed for {shown}")
        location = response.headers.get("Location", "")
        if any(ord(character) < 32 for character in location):
            self.failures.append(f"control characters in Location for {shown}")
        return status

    def token(self, role: str) -> str:
        """A CSRF token for the role's session, read again only when the session lost it."""
        with self.clients[role].session_transaction() as session:
            kept = "csrf_token" in session
        if not kept or role not in self.tokens:
            self.tokens[role] = csrf_token(self.clients[role])
            self.state = fingerprint()  # whatever showing the page stored is not the form's doing
        return self.tokens[role]

    def send_all(self, requests) -> None:
        """Send each of ``requests`` (the arguments of ``send``)."""
        for request in requests:
            self.send(*request)


def forms_of_pages(fuzzer: Fuzzer, ids: dict) -> dict[str, tuple[dict, dict]]:
    """Every POST form on the matrix's pages as an admin sees them, by where it is sent.

    Each comes with its fields and the statuses of the page that shows it.
    """
    forms: dict[str, tuple[dict, dict]] = {}
    client = fuzzer.clients["admin"]
    for endpoint, method, path, _data, expected in MATRIX:
        if method != "GET" or expected["admin"] != 200 or path.startswith(("/static", "/api")):
            continue
        url = path.format(**ids)
        login(client, fuzzer.users["admin"])
        response = client.get(url)
        if response.mimetype != "text/html":
            continue
        parser = PostedForms(url)
        parser.feed(response.get_data(as_text=True))
        for action, fields in parser.forms.items():
            forms.setdefault(action, (endpoint, fields, expected))
    fuzzer.state = fingerprint()
    return forms


def post_targets(forms: dict, ids: dict) -> list[tuple[str, list[str], dict]]:
    """Each POST path of the matrix or of a form on its pages once, with who may send it.

    A form sent to an endpoint the matrix has no POST row for (the login
    form) may be sent by whoever sees the page that shows it.
    """
    rows = [
        (endpoint, path.format(**ids), {key: [value] for key, value in data.items()}, expected)
        for endpoint, method, path, data, expected in MATRIX
        if method == "POST"
    ]
    posted = {endpoint for endpoint, _url, _data, _expected in rows}
    urls = current_app.url_map.bind("localhost")
    rows += [
        (page, url, fields, expected)
        for url, (page, fields, expected) in forms.items()
        if urls.match(url.split("?")[0], method="POST")[0] not in posted
    ]
    targets: dict[str, tuple[str, list[str], dict]] = {}
    for endpoint, url, data, expected in rows:
        roles = [role for role in ROLES if may_send(role, expected)]
        if not roles:
            continue
        rendered = forms.get(url) or forms.get(url.split("?")[0])
        fields = {**data, **(rendered[1] if rendered else {})}
        fields.pop("csrf_token", None)
        known = targets.get(url)
        if known is None or len(fields) > len(known[2]):
            targets[url] = (endpoint, roles, fields)
    ordered = sorted(targets.items(), key=lambda item: item[1][0] in LAST)
    return [(url, roles, fields) for url, (_endpoint, roles, fields) in ordered]


@pytest.fixture
def fuzzing(app):
    """The permission matrix's world, with the rate limits that would cut the run short lifted."""
    world = World()
    world.build()
    app.config.update(
        FIXED_NOW=world.fixed_now,
        LOGIN_LIMIT="100000 per minute",
        SELF_CHECKIN_LIMIT="100000 per minute",
    )
    return Fuzzer(app, world), world.ids


def test_no_form_answers_500_and_a_refused_one_changes_nothing(fuzzing):
    fuzzer, ids = fuzzing
    values = [*HOSTILE, *others(ids)]
    turn = 0
    tried = set()
    for url, roles, fields in post_targets(forms_of_pages(fuzzer, ids), ids):
        fuzzer.send_all([(roles[0], "POST", url, fields)])
        tried.update(fields)
        for name in fields:
            requests = []
            for value in ["\x00", *spread(values, turn, PER_FIELD)]:
                data = {**fields, name: value}
                if value is OMITTED:
                    del data[name]
                changed = f"{name}={value!r:.60}"
                requests.append((roles[turn % len(roles)], "POST", url, data, changed))
                turn += 1
            fuzzer.send_all(requests)
    assert fuzzer.failures == []
    assert fuzzer.refused > fuzzer.sent / 2, "the fields were hardly ever refused"
    # The forms named in the issue: event, stop, handover, user, relay, login, language.
    named = {"title", "party_numbers", "region_code", "giving_name", "regions", "email", "next"}
    assert named <= tried


def with_parameter(url: str, name: str, value) -> str:
    """``url`` with the query parameter ``name`` replaced by ``value`` (a list repeats it)."""
    parts = urlsplit(url)
    query = [pair for pair in parse_qsl(parts.query, keep_blank_values=True) if pair[0] != name]
    if value is not OMITTED:
        query += [(name, item) for item in (value if isinstance(value, list) else [value])]
    return parts.path + ("?" + urlencode(query) if query else "")


def test_no_query_parameter_answers_500(fuzzing, monkeypatch):
    fuzzer, ids = fuzzing
    values = [*HOSTILE, *others(ids)]
    monkeypatch.setattr(current_app.request_class, "parameter_storage_class", ReadParameters)
    everywhere: dict[str, int] = {}
    turn = 0
    for _endpoint, method, path, _data, expected in MATRIX:
        roles = [role for role in ROLES if expected[role] == 200]
        if method != "GET" or not roles:
            continue
        url = path.format(**ids)
        ReadParameters.names.clear()
        fuzzer.send(roles[0], "GET", url)
        for name in sorted(ReadParameters.names):
            everywhere[name] = everywhere.get(name, 0) + 1
            if name == "lang" and everywhere[name] > EVERYWHERE_PAGES:
                continue
            requests = []
            for value in ["\x00", *spread(values, turn, PER_PARAMETER)]:
                requests.append((roles[turn % len(roles)], "GET", with_parameter(url, name, value)))
                turn += 1
            fuzzer.send_all(requests)
    assert fuzzer.failures == []
    assert {"region", "page", "at", "next", "q"} <= set(everywhere)
