"""The audit log as Bawaslu reads it: sentences, local times, links, filters, the CSV export."""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from werkzeug.local import LocalProxy

import kirab
from kirab.audit.models import AuditEntry
from kirab.audit.services import record
from kirab.database import db
from kirab.manage.audit_labels import ACTION_NAMES
from kirab.manage.audit_names import Names
from kirab.manage.audit_words import SENTENCES, sentence
from kirab.relay.shifts import apply_shift
from tests.conftest import csrf_token, login
from tests.factories import at, make_event, make_user, stop_of

SOURCE = Path(kirab.__file__).parent
CODE = re.compile(r"[a-z_]+\.[a-z_]+")
TAG = re.compile(r"<[^>]+>")


def visible(page: str) -> str:
    """The text of a page as a reader sees it (tags removed)."""
    return TAG.sub("", page)


def _assigned_strings(function: ast.AST, name: str) -> list[str]:
    """The string constants assigned to ``name`` anywhere in ``function``."""
    found = []
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                found.append(node.value.value)
            else:
                pytest.fail(f"{name} is given a code that is not a plain string: add it here")
    return found


def _codes_of(path: Path) -> set[str]:
    """The action codes ``path`` writes to the audit log (its calls of record/audit)."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    writes = "kirab.audit.services" in source
    seeding = "seeding" in path.parts
    codes: set[str] = set()
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.Module)]
    for function in functions:
        for node in ast.walk(function):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if writes and isinstance(func, ast.Name) and func.id in ("record", "audit"):
                position = 1  # record(actor, action, obj, ...)
            elif isinstance(func, ast.Attribute) and func.attr == "audit" and seeding:
                position = 2  # seeding.audit(at, user_id, action, obj, ...)
            else:
                continue
            if len(node.args) <= position:
                continue
            code = node.args[position]
            if isinstance(code, ast.Constant) and isinstance(code.value, str):
                codes.add(code.value)
            elif isinstance(code, ast.Name):
                codes.update(_assigned_strings(function, code.id))
            else:
                pytest.fail(f"{path}:{node.lineno} builds its action code: list its codes here")
    return codes


def written_codes() -> set[str]:
    """Every action code written anywhere in kirab/."""
    codes: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        if "migrations" in path.parts or path == SOURCE / "audit" / "services.py":
            continue
        codes |= _codes_of(path)
    return codes


def test_every_action_written_in_the_source_has_a_sentence_and_a_name():
    codes = written_codes()
    # The scan finds plain codes, codes held in a variable (feeds) and the bulk seeding's.
    assert {"stop.shift", "feed.create", "feed.reset", "relay.seed_national"} <= codes
    assert all(CODE.fullmatch(code) for code in codes)
    assert sorted(codes - SENTENCES.keys()) == []
    assert sorted(codes - ACTION_NAMES.keys()) == []
    assert SENTENCES.keys() == ACTION_NAMES.keys()


def entry(action="event.publish", object_type="event", object_id="1", user_id=None, **details):
    """An unsaved entry, as the page reads it."""
    return AuditEntry(id=1, at=at("2023-11-13 09:00"), user_id=user_id, action=action,
                      object_type=object_type, object_id=object_id, details=details)  # fmt: skip


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_sentence_reads_without_codes_even_with_empty_details(app, lang):
    observer = make_user("observer")
    with app.test_request_context(f"/?lang={lang}"):
        names = Names(observer).load([])
        for code in SENTENCES:
            told = sentence(entry(code), names)
            assert code not in told.text() and "{" not in told.text(), told.text()
            assert "%(" not in told.text()
            assert told.html()


def test_an_unknown_action_reads_as_a_generic_sentence(app):
    admin = make_user("admin", name="Ani Organizer")
    with app.test_request_context("/"):
        names = Names(admin).load([entry("mystery.thing", user_id=admin.id)])
        text = sentence(entry("mystery.thing", user_id=admin.id), names).text()
    assert text == "Ani Organizer mengubah kegiatan no. 1"
    assert "mystery" not in text


def shift_bekasi(west_java, admin):
    """Shift Kabupaten Bekasi and the stops after it by two hours."""
    apply_shift(stop_of(west_java, "32.16"), timedelta(hours=2), actor=admin)
    db.session.commit()


def test_a_shift_reads_as_a_sentence_in_the_stops_local_time(client, west_java):
    admin = make_user("admin", name="Ani Organizer")
    observer = make_user("observer")
    shift_bekasi(west_java, admin)
    login(client, observer)
    page = client.get("/manage/audit?action=stop.shift").get_data(as_text=True)
    # Kabupaten Bekasi, Kota Bekasi and KPU RI arrive later; Karawang only leaves later.
    assert "Ani Organizer menggeser 3 persinggahan Jalur VII 2 jam lebih lambat" in visible(page)
    assert re.search(r"mulai <a href=\"/manage/stops/\d+/events\">KPU Kabupaten Bekasi</a>", page)
    assert "stop.shift</" not in page and "{&#34;" not in page and '{"' not in page
    # The time of the entry, in the format of every other page, with its zone.
    assert re.search(r"\w+, \d+ \w+ \d{4}, \d\d\.\d\d WIB</time>", page)
    english = client.get("/manage/audit?action=stop.shift&lang=en").get_data(as_text=True)
    assert "Ani Organizer shifted 3 stops of Jalur VII 2 hours later" in visible(english)


def test_events_moved_with_a_stop_link_to_their_pages(client, west_java):
    admin = make_user("admin", name="Ani Organizer")
    observer = make_user("observer")
    shift_bekasi(west_java, admin)
    login(client, observer)
    page = client.get("/manage/audit?action=event.shift").get_data(as_text=True)
    assert re.search(r'menggeser <a href="/events/\d+">[^<]+</a> 2 jam lebih lambat', page)
    # Accounts open only for those who manage them: an observer reads the name alone.
    assert "/manage/users/" not in page


def test_a_time_is_told_in_the_zone_of_the_event(client, app):
    observer = make_user("observer")
    from tests.feeds_support import three_zone_route

    route = three_zone_route()
    papua = route.stops[-1]
    starts_at = at("2023-11-28 08:00", papua.timezone)
    event = make_event(papua, title="Pawai Jayapura", starts_at=starts_at)
    record(observer, "event.publish", event)
    db.session.commit()
    login(client, observer)
    page = client.get("/manage/audit?type=event").get_data(as_text=True)
    assert "Pawai Jayapura" in page and " WIT</time>" in page


def test_the_proxy_of_the_current_user_is_named_as_the_user(app):
    user = make_user("party_rep", party=1)
    added = record(user, "feed.create", LocalProxy(lambda: user))
    assert (added.object_type, added.object_id) == ("user", str(user.id))


def test_a_personal_feed_made_on_the_web_is_about_its_user(client):
    user = make_user("party_rep", party=1)
    db.session.commit()
    login(client, user)
    token = csrf_token(client, "/account/calendar")
    assert client.post("/account/calendar", data={"csrf_token": token}).status_code == 200
    written = (
        db.session.execute(db.select(AuditEntry).where(AuditEntry.action.like("feed.%")))
        .scalars()
        .all()
    )
    assert written and {e.object_type for e in written} == {"user"}


def test_old_entries_about_the_proxy_read_as_the_users(client):
    observer = make_user("observer")
    rep = make_user("party_rep", party=1, name="Budi Saksi")
    db.session.add(AuditEntry(user_id=rep.id, action="feed.reset", object_type="localproxy",
                              object_id=str(rep.id), details={}))  # fmt: skip
    db.session.commit()
    login(client, observer)
    page = client.get(f"/manage/audit?type=user&object={rep.id}").get_data(as_text=True)
    assert "Budi Saksi mengatur ulang feed kalender pribadi Budi Saksi" in visible(page)
    assert "localproxy" not in page


def test_the_migration_names_the_proxys_rows_as_users(app):
    rep = make_user("party_rep", party=1)
    db.session.add(AuditEntry(user_id=rep.id, action="feed.create", object_type="localproxy",
                              object_id=str(rep.id), details={}))  # fmt: skip
    db.session.commit()
    db.session.remove()
    directory = app.extensions["migrate"].directory
    try:
        downgrade(directory=directory, revision="0013")
    finally:
        upgrade(directory=directory)
    types = set(db.session.execute(db.select(AuditEntry.object_type)).scalars())
    assert "localproxy" not in types and "user" in types
