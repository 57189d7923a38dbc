"""Importing a route from CSV: all or nothing, every bad row named, re-import without duplicates."""

import codecs
from datetime import timedelta
from io import BytesIO

import pytest

from kirab.audit.models import AuditEntry
from kirab.database import db
from kirab.errors import DomainError
from kirab.regions.models import Office, Region
from kirab.relay import planning
from kirab.relay.imports import ImportRejected, import_route
from kirab.relay.models import Handover, Relay, Route, Stop
from tests.conftest import csrf_token, login
from tests.factories import SAVED_AS, at, make_event, make_user, saved_as

# Jalur VII through West Java, as public reporting has it (route-facts.md); times WIB.
JALUR_VII_CSV = """order,region_code,receives,hands_over,venue
1,32.08,2023-11-01 09:00,2023-11-07 09:00,Pendopo Kabupaten Kuningan
2,32.15,2023-11-07 09:00,2023-11-13 09:00,Lapang Karangpawitan
3,32.16,2023-11-13 09:00,2023-11-19 09:00,Plaza Pemda Kabupaten Bekasi
4,32.75,2023-11-19 09:00,2023-11-25 09:00,Plaza Pemkot Bekasi
5,RI,2023-11-26 09:00,,"Kantor KPU RI, Jl. Imam Bonjol No. 29, Jakarta"
"""

THREE_BAD_ROWS = """order,region_code,receives,hands_over,venue
1,32.08,2023-11-01 09:00,2023-11-07 09:00,Pendopo Kabupaten Kuningan
2,32.99,2023-11-07 09:00,2023-11-13 09:00,Kabupaten yang tidak ada
3,32.16,13/11/2023 09:00,2023-11-19 09:00,Plaza Pemda Kabupaten Bekasi
4,32.75,2023-11-18 09:00,2023-11-25 09:00,Plaza Pemkot Bekasi
5,RI,2023-11-26 09:00,,Kantor KPU RI
"""


@pytest.fixture
def route(app):
    """An empty route of a new relay."""
    relay = Relay(name="Kirab Pemilu 2024")
    route = Route(relay=relay, name="Jalur VII")
    db.session.add_all([relay, route])
    db.session.flush()
    return route


def stops(route: Route) -> list[tuple[str, object, object, str]]:
    """The route's stops as (region code, receives, hands over, venue)."""
    return [(s.region_code, s.receives_at, s.hands_over_at, s.venue)
            for s in planning.ordered_stops(route)]  # fmt: skip


def test_the_jalur_vii_stretch_imports_and_reimports_without_duplicates(app, route):
    admin = make_user("admin")
    result = import_route(route, JALUR_VII_CSV.encode(), actor=admin)
    assert result.created == ["32.08", "32.15", "32.16", "32.75", "RI"]
    imported = stops(route)
    assert [row[0] for row in imported] == ["32.08", "32.15", "32.16", "32.75", "RI"]
    assert imported[2][1:3] == (at("2023-11-13 09:00"), at("2023-11-19 09:00"))
    assert imported[4][2] is None and imported[4][3].startswith("Kantor KPU RI, Jl. Imam Bonjol")
    handovers = planning.route_handovers(route)
    assert len(handovers) == 4
    assert {h.planned_at for h in handovers} == {
        at("2023-11-07 09:00"), at("2023-11-13 09:00"), at("2023-11-19 09:00"),
        at("2023-11-26 09:00")}  # fmt: skip

    again = import_route(route, JALUR_VII_CSV.encode(), actor=admin)
    assert (again.created, again.updated, again.removed, again.unchanged) == ([], [], [], 5)
    assert stops(route) == imported
    assert db.session.execute(db.select(db.func.count(Stop.id))).scalar() == 5
    assert db.session.execute(db.select(db.func.count(Handover.id))).scalar() == 4
    entries = db.session.execute(
        db.select(AuditEntry).where(AuditEntry.action == "route.import")
    ).scalars()
    assert len(list(entries)) == 2


def test_a_changed_file_updates_adds_and_removes_by_office(app, route):
    admin = make_user("admin")
    import_route(route, JALUR_VII_CSV.encode(), actor=admin)
    kab_bekasi_id = next(s.id for s in planning.ordered_stops(route) if s.region_code == "32.16")
    changed = JALUR_VII_CSV.replace(
        "1,32.08,2023-11-01 09:00,2023-11-07 09:00,Pendopo Kabupaten Kuningan\n", ""
    )
    changed = changed.replace("2,32.15", "1,32.15").replace(
        "3,32.16,2023-11-13 09:00", "3,32.16,2023-11-13 10:00").replace(
        "2023-11-13 09:00,Lapang", "2023-11-13 10:00,Lapang")  # fmt: skip
    result = import_route(route, changed.encode(), actor=admin)
    assert result.removed == ["32.08"] and result.created == []
    assert {"32.15", "32.16"} <= set(result.updated)
    now = planning.ordered_stops(route)
    assert [s.position for s in now] == [1, 2, 3, 4]
    kab = now[1]
    assert kab.id == kab_bekasi_id and kab.receives_at == at("2023-11-13 10:00")
    assert len(planning.route_handovers(route)) == 3


def test_a_generated_route_of_fifty_stops_across_zones(app, route):
    admin = make_user("admin")
    # The 24 kabupaten/kota of Sulawesi Selatan (WITA), then 26 of Jawa Tengah (WIB).
    codes = []
    for province, count in (("73", 24), ("33", 26)):
        codes += list(
            db.session.execute(
                db.select(Office.region_code)
                .join(Region, Region.code == Office.region_code)
                .where(Region.parent_code == province)
                .order_by(Office.region_code)
                .limit(count)
            ).scalars()
        )
    assert len(codes) == 50
    lines = ["order,region_code,receives,hands_over,venue"]
    start = at("2023-06-01 09:00", "Asia/Makassar")
    for order, code in enumerate(codes, start=1):
        zone = "Asia/Makassar" if code.startswith("73") else "Asia/Jakarta"
        receives = start + timedelta(days=3 * (order - 1))
        hands_over = receives + timedelta(days=3) if order < 50 else None
        local = [m.astimezone(__import__("zoneinfo").ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
                 if m else "" for m in (receives, hands_over)]  # fmt: skip
        lines.append(f"{order},{code},{local[0]},{local[1]},Kantor KPU {code}")
    data = ("\n".join(lines) + "\n").encode()
    result = import_route(route, data, actor=admin)
    assert len(result.created) == 50
    imported = planning.ordered_stops(route)
    assert [s.region_code for s in imported] == codes
    # The handover from the last WITA stop to the first WIB stop meets at one instant.
    assert imported[23].hands_over_at == imported[24].receives_at
    assert imported[24].receives_at == at("2023-08-12 08:00")  # 09:00 WITA
    assert len(planning.route_handovers(route)) == 49
    assert import_route(route, data, actor=admin).unchanged == 50


def test_a_file_with_three_bad_rows_imports_nothing_and_names_all_three(app, route):
    admin = make_user("admin")
    with app.test_request_context("/?lang=en"), pytest.raises(ImportRejected) as rejected:
        import_route(route, THREE_BAD_ROWS.encode(), actor=admin)
    errors = rejected.value.errors
    assert [error.line for error in errors] == [3, 4, 5]
    assert "32.99" in errors[0].message
    assert "receives must be a date and time" in errors[1].message.lower()
    assert "KPU Kota Bekasi" in errors[2].message and "overlap" in errors[2].message
    db.session.rollback()
    assert stops(route) == []
    assert db.session.execute(db.select(db.func.count(Stop.id))).scalar() == 0


def test_the_web_import_lists_every_bad_row_and_changes_nothing(client, route):
    admin = make_user("admin")
    db.session.commit()
    login(client, admin)
    url = f"/manage/routes/{route.id}/import"
    response = client.post(url, data={
        "csrf_token": csrf_token(client, url),
        "file": (BytesIO(THREE_BAD_ROWS.encode()), "jalur.csv"),
    })  # fmt: skip
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for line in (3, 4, 5):
        assert f"Baris {line}:" in page
    assert "Tidak ada yang diimpor: 3 masalah" in page
    assert stops(route) == []

    response = client.post(url, data={
        "csrf_token": csrf_token(client, url),
        "file": (BytesIO(JALUR_VII_CSV.encode()), "jalur.csv"),
    })  # fmt: skip
    assert response.status_code == 302
    assert len(stops(route)) == 5


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\xff\xfe\x00\xdcgarbage", "UTF-8"),
        (b"naam,code\n1,32.16\n", "first line must name the columns"),
        (b"order,region_code,receives,hands_over,venue\n", "no stops"),
        (b"x" * (600 * 1024), "too large"),
        (b"order,region_code,receives,hands_over,venue\n"
         b"1,32.16,2023-11-13 09:00,,<script>x</script>\n"
         b"2,32.16,2023-11-20 09:00,,Dua kali\n", "also on line 2"),
        (b"order,region_code,receives,hands_over,venue\n1,32.16,2023-11-13 09:00\n", "columns"),
        (b"order,region_code,receives,hands_over,venue\n1,32.16,2023-11-13 09:00,,A\n"
         b"2,32.75,2023-11-19 09:00,,B\n", "needs a hand-over time"),
    ],
)  # fmt: skip
def test_bad_files_are_refused_with_a_reason(app, route, data, message):
    admin = make_user("admin")
    with app.test_request_context("/?lang=en"), pytest.raises(DomainError) as refused:
        import_route(route, data, actor=admin)
    reasons = [refused.value.message] + [e.message for e in getattr(refused.value, "errors", [])]
    assert any(message in reason for reason in reasons), reasons
    assert stops(route) == []


def test_an_import_cannot_drop_a_stop_with_events(app, route):
    admin = make_user("admin")
    import_route(route, JALUR_VII_CSV.encode(), actor=admin)
    kuningan = planning.ordered_stops(route)[0]
    make_event(kuningan)
    without = "\n".join(line for line in JALUR_VII_CSV.splitlines() if ",32.08," not in line)
    with app.test_request_context("/?lang=en"), pytest.raises(ImportRejected) as rejected:
        import_route(route, without.encode(), actor=admin)
    assert "Kabupaten Kuningan" in rejected.value.errors[0].message


def test_the_import_command_uses_the_same_rules(runner, app, route, tmp_path):
    db.session.commit()
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(JALUR_VII_CSV)
    bad.write_text(THREE_BAD_ROWS)
    args = ["import-route", "--relay", "Kirab Pemilu 2024", "--route", "Jalur VII"]
    refused = runner.invoke(args=[*args, str(bad)])
    assert refused.exit_code == 1
    assert all(f"Baris {line}" in refused.output for line in (3, 4, 5))
    assert stops(route) == []
    done = runner.invoke(args=[*args, str(good)])
    assert done.exit_code == 0, done.output
    assert len(stops(route)) == 5


# A venue with letters beyond ASCII that Windows-1252 and UTF-16 both hold, and a comma.
STRETCH = [
    ["urutan", "kode_wilayah", "menerima", "menyerahkan", "tempat"],
    ["1", "32.15", "2023-11-07 09:00", "2023-11-13 09:00", "Gedung Café \u2013 Karawang"],
    ["2", "32.16", "2023-11-13 09:00", "", "Plaza Pemda, Cikarang"],
]


@pytest.mark.parametrize("how", sorted(SAVED_AS))
def test_a_route_file_reads_in_every_encoding_a_spreadsheet_saves(app, route, how):
    admin = make_user("admin")
    import_route(route, saved_as(STRETCH, how), actor=admin)
    assert [row[::3] for row in stops(route)] == [
        ("32.15", "Gedung Café \u2013 Karawang"),
        ("32.16", "Plaza Pemda, Cikarang"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (codecs.BOM_UTF32_LE + "urutan\tkode".encode("utf-32-le"), "in UTF-32"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook"),
        (codecs.BOM_UTF16_LE + b"\x00\xd8o\x00", "marked as UTF-16 but is not valid UTF-16"),
        (codecs.BOM_UTF8 + b"order\xff", "marked as UTF-8 but is not valid UTF-8"),
        (b"order,\x81\x8d\x90", "not text in UTF-8, UTF-16 or Windows-1252"),
        (b"order,region_code,receives,hands_over,venue\r\n1,32.16,x,,Aula\x00\r\n", "Line 2 "),
    ],
)
def test_a_route_file_in_no_readable_encoding_is_named(app, route, data, message):
    admin = make_user("admin")
    with app.test_request_context("/?lang=en"), pytest.raises(DomainError) as refused:
        import_route(route, data, actor=admin)
    assert message in refused.value.message
    assert refused.value.field == "file"
    assert stops(route) == []


def test_a_double_posted_import_answers_as_the_first(client, route):
    admin = make_user("admin")
    db.session.commit()
    login(client, admin)
    url = f"/manage/routes/{route.id}/import"
    key = "i" * 32
    answers = [
        client.post(
            url,
            data={
                "csrf_token": csrf_token(client, url),
                "idempotency_key": key,
                "file": (BytesIO(JALUR_VII_CSV.encode()), "jalur.csv"),
            },
        )
        for _time in range(2)
    ]
    assert [answer.status_code for answer in answers] == [302, 302]
    page = client.get(answers[1].headers["Location"]).get_data(as_text=True)
    assert "Formulir ini sudah pernah dikirim" in page
    imports = db.session.execute(
        db.select(AuditEntry).where(AuditEntry.action == "route.import")
    ).all()
    assert len(imports) == 1
    assert len(stops(route)) == 5
