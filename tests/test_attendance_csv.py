"""Attendance exports and imports: round trip, all-or-nothing errors, formula injection."""

from __future__ import annotations

import codecs
import csv
import io

import pytest

from kirab.attendance.checkin import checkin_token, self_check_in
from kirab.attendance.models import AttendanceRecord
from kirab.attendance.services import record_attendance
from kirab.audit.models import AuditEntry
from kirab.database import db
from tests.conftest import csrf_token, login
from tests.factories import SAVED_AS, at, make_event, make_route, make_user, saved_as


@pytest.fixture
def stretch(app):
    """Two stops with events, an organizer of each, and an admin."""
    route = make_route([("32.16", at("2023-11-13 09:00"), at("2023-11-19 09:00")),
                        ("32.75", at("2023-11-19 09:00"), None)])  # fmt: skip
    bekasi, kota = route.stops
    events = [
        make_event(bekasi, title="Serah terima", starts_at=at("2023-11-13 09:00")),
        make_event(bekasi, title="Kampus", starts_at=at("2023-11-14 09:00")),
        make_event(kota, title="Serah terima Kota", starts_at=at("2023-11-19 09:00")),
    ]
    people = {
        "organizer": make_user("organizer", regions=["32.16"], name="Panitia",
                               email="panitia@kirab.example"),
        "kota": make_user("organizer", regions=["32.75"], email="kota@kirab.example"),
        "admin": make_user("admin", email="admin@kirab.example"),
        "observer": make_user("observer"),
    }  # fmt: skip
    db.session.commit()
    return route, events, people


def fill(app, events, people) -> None:
    """Records of every method, with awkward names and contacts."""
    organizer, kota = people["organizer"], people["kota"]
    first, second, third = events
    app.config["FIXED_NOW"] = at("2023-11-13 09:05")
    record_attendance(first, name="Budi Santoso", category="public", actor=organizer,
                      key="k" * 20, contact="+62 812 3456")  # fmt: skip
    record_attendance(first, name="=HYPERLINK(\"http://x\")", category="other", actor=organizer,
                      key="l" * 20, organisation="@corp")  # fmt: skip
    record_attendance(first, name="Ahmad", category="party_rep", party_number=1,
                      actor=organizer, key="m" * 20)  # fmt: skip
    self_check_in(first, checkin_token(first), at("2023-11-13 09:45"), name="Rina",
                  category="party_rep", party_number=2, key="n" * 20)  # fmt: skip
    app.config["FIXED_NOW"] = at("2023-11-14 10:00")
    record_attendance(second, name="Mahasiswa Satu", category="student", actor=organizer,
                      key="o" * 20, organisation="Universitas Pelita Bangsa")  # fmt: skip
    app.config["FIXED_NOW"] = at("2023-11-19 10:00")
    record_attendance(third, name="Wali Kota", category="government", actor=kota, key="p" * 20)
    db.session.commit()


def export(client, path: str) -> str:
    """An export's text (without the byte order mark)."""
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return text[1:]


def rows(text: str) -> list[dict]:
    """The export's rows as dictionaries."""
    return list(csv.DictReader(io.StringIO(text)))


def upload(client, event_id: int, text: str | bytes, name: str = "list.csv", query: str = ""):
    """Post a CSV file (text is sent as UTF-8) to an event's import."""
    path = f"/events/{event_id}/attendance/import"
    content = text.encode() if isinstance(text, str) else text
    data = {"csrf_token": csrf_token(client, path), "file": (io.BytesIO(content), name)}
    return client.post(path + query, data=data, content_type="multipart/form-data")


def test_export_has_every_record_with_times_method_and_recorder(client, stretch, app):
    _route, events, people = stretch
    fill(app, events, people)
    login(client, people["organizer"])
    data = rows(export(client, f"/events/{events[0].id}/attendance.csv"))
    # In time order; people recorded in the same second by name.
    assert [row["name"] for row in data] == ["Ahmad", "Budi Santoso",
                                             "'=HYPERLINK(\"http://x\")", "Rina"]  # fmt: skip
    ahmad, budi, formula, rina = data
    assert budi["recorded_at_utc"] == "2023-11-13T02:05:00Z"
    assert budi["recorded_at_local"] == "2023-11-13T09:05:00+07:00"
    assert (budi["method"], budi["recorded_by"], budi["timezone"]) == (
        "organizer",
        "panitia@kirab.example",
        "Asia/Jakarta",
    )
    assert budi["contact"] == "'+62 812 3456"  # a spreadsheet would read a formula
    assert formula["organisation"] == "'@corp"
    assert (rina["method"], rina["recorded_by"], rina["party_status"], rina["party_number"]) == (
        "self_checkin",
        "",
        "self_declared",
        "2",
    )
    assert (ahmad["party_status"], ahmad["party_number"]) == ("confirmed", "1")
    logged = db.session.execute(
        db.select(AuditEntry).where(AuditEntry.action == "attendance.export")
    ).scalar_one()
    assert (logged.user_id, logged.object_id) == (people["organizer"].id, str(events[0].id))


def test_stop_and_relay_exports(client, stretch, app):
    route, events, people = stretch
    fill(app, events, people)
    login(client, people["organizer"])
    stop_rows = rows(export(client, f"/stops/{route.stops[0].id}/attendance.csv"))
    assert {row["event_id"] for row in stop_rows} == {str(events[0].id), str(events[1].id)}
    assert client.get(f"/stops/{route.stops[1].id}/attendance.csv").status_code == 403
    assert client.get(f"/relays/{route.relay_id}/attendance.csv").status_code == 403
    login(client, people["observer"])
    relay_rows = rows(export(client, f"/relays/{route.relay_id}/attendance.csv"))
    assert len(relay_rows) == 6
    # Each export that was served is in the audit log, with who made it.
    exports = db.session.execute(
        db.select(AuditEntry.user_id, AuditEntry.details).where(
            AuditEntry.action == "attendance.export"
        )
    ).all()
    assert [(user, details["scope"]) for user, details in exports] == [
        (people["organizer"].id, "stop"),
        (people["observer"].id, "relay"),
    ]


def test_export_import_export_gives_the_same_records(client, stretch, app):
    """Show 3: the import restores time, method and recorder."""
    route, events, people = stretch
    fill(app, events, people)
    login(client, people["admin"])
    before = {event.id: export(client, f"/events/{event.id}/attendance.csv") for event in events}
    relay_before = export(client, f"/relays/{route.relay_id}/attendance.csv")

    db.session.execute(db.delete(AttendanceRecord))
    db.session.commit()
    assert export(client, f"/relays/{route.relay_id}/attendance.csv").count("\n") == 1

    app.config["FIXED_NOW"] = at("2023-12-01 12:00")
    login(client, people["admin"])  # twelve days on, the first session has run out
    for event in events:
        response = upload(client, event.id, before[event.id])
        assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    after = {event.id: export(client, f"/events/{event.id}/attendance.csv") for event in events}
    assert after == before
    assert export(client, f"/relays/{route.relay_id}/attendance.csv") == relay_before

    # Importing the same files again adds nobody.
    for event in events:
        response = upload(client, event.id, before[event.id])
        assert response.status_code == 200
    assert export(client, f"/relays/{route.relay_id}/attendance.csv") == relay_before


def test_a_list_from_a_spreadsheet(client, stretch, app):
    _route, events, people = stretch
    login(client, people["organizer"])
    app.config["FIXED_NOW"] = at("2023-11-13 15:00")
    text = ("name;category;party;organisation\n"
            "Dewi Lestari;Mahasiswa;;Universitas Pelita Bangsa\n"
            "Eko;Perwakilan partai;PKB;\n"
            "  dewi   lestari ;student;;universitas pelita bangsa\n")  # fmt: skip
    response = upload(client, events[0].id, text)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "4" in page  # line 4 repeats line 2
    entries = db.session.execute(db.select(AttendanceRecord).order_by(AttendanceRecord.id))
    imported = [(e.name, e.category, e.party_number, e.method, e.recorded_by_id, e.recorded_at)
                for e in entries.scalars()]  # fmt: skip
    assert imported == [
        ("Dewi Lestari", "student", None, "import", people["organizer"].id, at("2023-11-13 15:00")),
        ("Eko", "party_rep", 1, "import", people["organizer"].id, at("2023-11-13 15:00")),
    ]


def test_a_file_with_bad_rows_imports_nothing_and_lists_every_bad_row(client, stretch):
    _route, events, people = stretch
    login(client, people["organizer"])
    text = ("name,category,party_number,recorded_at_utc,recorded_by,event_id\n"
            "Baik,public,,,,\n"
            ",public,,,,\n"
            "Tanpa Kategori,,,,,\n"
            "Partai Salah,party_rep,99,,,\n"
            "Waktu Salah,public,,kemarin,,\n"
            "Perekam Asing,public,,,nobody@kirab.example,\n"
            f"Acara Lain,public,,,,{events[2].id}\n"
            "<script>x</script>,public,,,,\n")  # fmt: skip
    response = upload(client, events[0].id, text)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for line in range(3, 10):
        assert f"Baris {line}:" in page or f"Line {line}:" in page, line
    assert "Baris 2:" not in page and "Line 2:" not in page
    assert "<script>x</script>" not in page
    assert db.session.execute(db.select(db.func.count(AttendanceRecord.id))).scalar_one() == 0


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "just,a,header\n", "name,category\n", "nama;kategori\nBudi;umum\n"],
)
def test_unusable_files_are_refused_with_a_message(client, stretch, text):
    _route, events, people = stretch
    login(client, people["organizer"])
    response = upload(client, events[0].id, text)
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)


def test_an_import_needs_a_file(client, stretch):
    _route, events, people = stretch
    login(client, people["organizer"])
    path = f"/events/{events[0].id}/attendance/import"
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 422


# A list with letters beyond ASCII that Windows-1252 and UTF-16 both hold, and a comma.
PAPER_LIST = [
    ["name", "category", "organisation"],
    ["Dewi Lestari", "Mahasiswa", "Café Literasi \u2013 Bekasi"],
    ["Eko Prasetyo", "public", "Karang Taruna, Tambun"],
]


@pytest.mark.parametrize("how", sorted(SAVED_AS))
def test_a_list_reads_in_every_encoding_a_spreadsheet_saves(client, stretch, app, how):
    _route, events, people = stretch
    login(client, people["organizer"])
    response = upload(client, events[0].id, saved_as(PAPER_LIST, how))
    assert response.status_code == 200, response.get_data(as_text=True)
    entries = db.session.execute(db.select(AttendanceRecord).order_by(AttendanceRecord.id))
    assert [(e.name, e.category, e.organisation) for e in entries.scalars()] == [
        ("Dewi Lestari", "student", "Café Literasi \u2013 Bekasi"),
        ("Eko Prasetyo", "public", "Karang Taruna, Tambun"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (codecs.BOM_UTF32_LE + "name\tcategory".encode("utf-32-le"), "is in UTF-32"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "Excel workbook"),
        (codecs.BOM_UTF16_BE + b"\xdc\x00", "marked as UTF-16 but is not valid UTF-16"),
        (b"name,category\r\nBudi\x81\x8d,public\r\n", "not text in UTF-8, UTF-16 or"),
        (b"name,category\r\nBudi,public\r\nAni\x1b[2J,public\r\n", "Line 3 of the file"),
    ],
)
def test_a_list_in_no_readable_encoding_is_named(client, stretch, data, message):
    _route, events, people = stretch
    login(client, people["organizer"])
    response = upload(client, events[0].id, data, query="?lang=en")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(AttendanceRecord.id))).scalar_one() == 0


def test_a_double_posted_import_adds_once_and_answers_as_the_first(client, stretch):
    _route, events, people = stretch
    login(client, people["organizer"])
    path = f"/events/{events[0].id}/attendance/import"
    text = "name,category\nDewi Lestari,public\nBudi Santoso,public\n"
    answers = [
        client.post(
            path,
            data={
                "csrf_token": csrf_token(client, path),
                "idempotency_key": "a" * 32,
                "file": (io.BytesIO(text.encode()), "list.csv"),
            },
            content_type="multipart/form-data",
        )
        for _time in range(2)
    ]
    assert answers[0].status_code == 200 and answers[1].status_code == 302
    assert "Formulir ini sudah pernah dikirim" in client.get(path).get_data(as_text=True)
    records = db.session.execute(
        db.select(AttendanceRecord).where(AttendanceRecord.event_id == events[0].id)
    ).all()
    assert len(records) == 2
