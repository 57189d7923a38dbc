"""The audit log's filters, its pages, the number of queries a page costs, and its CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from kirab.audit.models import AuditEntry
from kirab.audit.services import record
from kirab.database import db
from tests.conftest import login
from tests.factories import at, make_event, make_route, make_user
from tests.test_events_views import counted_statements
from tests.test_manage_audit import visible


@pytest.fixture
def logged(app):
    """A week of entries: two people, a stop, two events, an account; read by an observer."""
    route = make_route([("32.16", at("2023-11-13 09:00"), at("2023-11-19 09:00"))])
    stop = route.stops[0]
    ani = make_user("admin", name="Ani Organizer")
    budi = make_user("organizer", regions=["32.16"], name="Budi Panitia")
    parade = make_event(stop, title="Pawai Dapil 3", starts_at=at("2023-11-15 08:00"))
    campus = make_event(stop, title="KPU Goes To Campus", starts_at=at("2023-11-16 09:00"))
    entries = [
        (ani, "stop.update", stop, "2023-11-10 10:00", {"venue": "Plaza Pemda"}),
        (budi, "event.publish", parade, "2023-11-12 23:30", {}),
        (budi, "event.cancel", campus, "2023-11-14 08:00", {"reason": "Hujan deras"}),
        (ani, "user.password", budi, "2023-11-15 12:00", {}),
    ]
    for actor, action, obj, when, details in entries:
        record(actor, action, obj, **details).at = at(when)
    observer = make_user("observer", name="Citra Bawaslu")
    db.session.commit()
    return {"ani": ani, "budi": budi, "parade": parade, "campus": campus, "stop": stop,
            "observer": observer}  # fmt: skip


def shown(client, query: str) -> str:
    """The visible text of the entries the audit log shows with ``query``."""
    answer = client.get("/manage/audit" + query)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    page = answer.get_data(as_text=True)
    return visible(page[page.index("<tbody>") : page.index("</tbody>")])


def test_each_filter_narrows_the_log(client, logged):
    login(client, logged["observer"])
    everything = shown(client, "")
    assert "Budi Panitia membatalkan KPU Goes To Campus: Hujan deras" in everything
    assert "Ani Organizer mengubah tempat KPU Kabupaten Bekasi" in everything
    by_person = shown(client, f"?person={logged['budi'].id}")
    assert "menerbitkan Pawai Dapil 3" in by_person and "Ani Organizer" not in by_person
    by_action = shown(client, "?action=event.cancel")
    assert "membatalkan" in by_action and "menerbitkan" not in by_action
    by_type = shown(client, "?type=event")
    assert "membatalkan" in by_type and "kata sandi" not in by_type
    by_object = shown(client, f"?type=event&object={logged['parade'].id}")
    assert "Pawai Dapil 3" in by_object and "Campus" not in by_object
    # Days in WIB: 23.30 WIB on the 12th is the 12th, though it is the 12th in UTC too;
    # 08.00 WIB on the 14th is 01.00 UTC on the 14th.
    by_days = shown(client, "?from=2023-11-12&to=2023-11-14")
    assert "menerbitkan" in by_days and "membatalkan" in by_days
    assert "kata sandi" not in by_days and "mengubah tempat" not in by_days
    assert "menerbitkan" not in shown(client, "?from=2023-11-13&to=2023-11-13")


def test_days_are_days_in_wib(client, logged):
    """An entry at 00.30 WIB on the 16th is on the 16th, though it is still the 15th in UTC."""
    entry = record(logged["ani"], "event.publish", logged["campus"])
    entry.at = datetime(2023, 11, 15, 17, 30, tzinfo=UTC)
    db.session.commit()
    login(client, logged["observer"])
    page = shown(client, "?from=2023-11-16&to=2023-11-16")
    assert "Ani Organizer menerbitkan KPU Goes To Campus" in page
    assert "Ani Organizer menerbitkan" not in shown(client, "?from=2023-11-15&to=2023-11-15")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?person=999999", "Orang tidak dikenal"),
        ("?person=abc", "Orang tidak dikenal"),
        ("?type=planet", "Jenis objek tidak dikenal"),
        ("?object=5", "Pilih juga jenis objeknya"),
        ("?type=event&object=%27%3B--", "Objek disebut dengan nomor atau kodenya"),
        ("?action=stop.explode", "Tindakan tidak dikenal"),
        ("?from=13-11-2023", "Dari harus berupa tanggal"),
        ("?from=2023-11-14&to=2023-11-13", "Tanggal akhir tidak boleh lebih awal"),
        ("?action=stop.shift&action=event.shift", "Tindakan hanya boleh diberikan satu kali"),
        ("?page=0", "Nomor halaman harus"),
    ],
)
def test_bad_filters_are_refused_with_a_message(client, logged, query, message):
    login(client, logged["observer"])
    answer = client.get("/manage/audit" + query)
    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    if "page" not in query:  # the export holds every page
        assert client.get("/manage/audit.csv" + query).status_code == 400


def test_the_form_shows_the_message_beside_its_field(client, logged):
    login(client, logged["observer"])
    page = client.get("/manage/audit?type=planet").get_data(as_text=True)
    assert 'id="a-type" name="type" aria-invalid="true" aria-describedby="a-type-error"' in page
    assert '<p class="error" id="a-type-error">' in page


def test_pages_keep_the_filters(client, logged):
    for _index in range(3):
        record(logged["budi"], "event.publish", logged["parade"])
    db.session.commit()
    login(client, logged["observer"])
    page = client.get(f"/manage/audit?person={logged['budi'].id}&per_page=2").get_data(as_text=True)
    assert "Halaman 1 dari 3" in page
    link = re.search(r'rel="next" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert f"person={logged['budi'].id}" in link and "page=2" in link
    assert "Ani Organizer" not in shown(client, link.removeprefix("/manage/audit"))
    export = re.search(r'href="(/manage/audit\.csv[^"]*)"', page).group(1).replace("&amp;", "&")
    assert export == f"/manage/audit.csv?person={logged['budi'].id}"


def many_entries(logged, count: int) -> None:
    """``count`` more entries of every kind the fixture has, about different objects."""
    stop, ani, budi = (db.session.merge(logged[key]) for key in ("stop", "ani", "budi"))
    for index in range(count):
        event = make_event(stop, title=f"Kegiatan {index}", flush=False)
        db.session.flush()
        record(ani, "event.publish", event)
        record(budi, "attendance.headcount", event, event_id=event.id, count=index)
        record(ani, "stop.update", stop, venue=f"Tempat {index}")
        record(ani, "user.update", make_user("observer"), role="observer", active=True)
    db.session.commit()


def test_a_page_costs_the_same_queries_however_many_entries_it_shows(client, logged):
    login(client, logged["observer"])
    many_entries(logged, 3)
    client.get("/manage/audit?per_page=200")
    db.session.expunge_all()
    with counted_statements() as few:
        small = client.get("/manage/audit?per_page=200")
    many_entries(logged, 40)
    db.session.expunge_all()
    with counted_statements() as many:
        large = client.get("/manage/audit?per_page=200")
    assert small.status_code == large.status_code == 200
    assert large.get_data(as_text=True).count("<tr data-entry-id") > 150
    assert len(few) == len(many)


def exported(client, query: str = "") -> list[dict]:
    """The rows of the CSV export with ``query``."""
    answer = client.get("/manage/audit.csv" + query)
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    text = answer.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_the_export_holds_the_filtered_entries_as_sentences_in_local_time(client, logged):
    login(client, logged["observer"])
    rows = exported(client, "?action=event.cancel")
    assert len(rows) == 1
    (row,) = rows
    assert row["at_local"] == "2023-11-14T08:00:00+07:00"
    assert row["zone"] == "WIB"
    assert row["at_utc"] == "2023-11-14T01:00:00Z"
    assert row["person"] == "Budi Panitia"
    assert row["action"] == "event.cancel" and row["action_name"] == "Kegiatan dibatalkan"
    assert row["description"] == "Budi Panitia membatalkan KPU Goes To Campus: Hujan deras"
    assert row["object_type"] == "event" and row["object"] == "KPU Goes To Campus"
    assert row["object_id"] == str(logged["campus"].id)
    english = exported(client, "?action=event.cancel&lang=en")
    assert english[0]["description"] == "Budi Panitia cancelled KPU Goes To Campus: Hujan deras"
    # The export itself is in the log, with the filters it used.
    logged_export = (
        db.session.execute(db.select(AuditEntry).where(AuditEntry.action == "audit.export"))
        .scalars()
        .all()
    )
    assert [e.details for e in logged_export] == [{"filters": {"action": "event.cancel"}}] * 2
    assert "Citra Bawaslu mengekspor log audit" in shown(client, "?action=audit.export")


def test_the_export_defuses_formulas(client, logged):
    record(logged["budi"], "event.cancel", logged["parade"], reason="=HYPERLINK(1)")
    db.session.commit()
    login(client, logged["observer"])
    rows = exported(client, f"?type=event&object={logged['parade'].id}&action=event.cancel")
    assert rows[0]["description"].startswith("Budi Panitia")
    assert "'=HYPERLINK" not in rows[0]["description"]  # not at the start of the cell
    record(make_user("admin", name="=cmd"), "event.publish", logged["parade"])
    db.session.commit()
    rows = exported(client, "?action=event.publish")
    assert rows[0]["person"] == "'=cmd" and rows[0]["description"].startswith("'=cmd")


def test_what_people_typed_is_escaped_on_the_page(client, logged):
    record(logged["budi"], "event.cancel", logged["parade"], reason="<script>alert(1)</script>")
    db.session.commit()
    login(client, logged["observer"])
    page = client.get("/manage/audit?action=event.cancel").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_an_entry_links_to_the_history_of_its_object(client, logged):
    login(client, logged["observer"])
    parade = logged["parade"].id
    page = client.get("/manage/audit").get_data(as_text=True)
    link = f'href="/manage/audit?type=event&amp;object={parade}"'
    assert link in page and "Riwayat objek ini" in page
    history = client.get(f"/manage/audit?type=event&object={parade}").get_data(as_text=True)
    assert "Pawai Dapil 3" in visible(history) and "Campus" not in visible(history)
    assert link not in history  # the log already shows that object


def test_the_date_filters_show_their_value_in_indonesian(client, logged):
    login(client, logged["observer"])
    page = client.get("/manage/audit?from=2023-11-12").get_data(as_text=True)
    assert 'aria-describedby="a-from-hint"' in page and 'aria-describedby="a-to-hint"' in page
    hint = re.search(r'<output class="value-hint" id="a-from-hint"[^>]*>([^<]*)<', page)
    assert hint and "12" in hint[1] and "November" in hint[1]


def test_a_page_past_the_last_says_so_instead_of_no_entries(client, logged):
    login(client, logged["observer"])
    text = visible(client.get("/manage/audit?page=99").get_data(as_text=True))
    assert "Tidak ada entri" not in text
    assert "Halaman 99 sudah melewati halaman terakhir hasil ini." in text
    assert "Ke halaman 1" in text
    nothing = visible(client.get("/manage/audit?action=stop.shift").get_data(as_text=True))
    assert "melewati" not in nothing and "Tidak ada entri yang cocok" in nothing
