"""Beside each date, time and datetime-local input, its value in the interface language."""

import re

import pytest

from kirab.database import db
from kirab.i18n import input_hint
from tests.conftest import csrf_token, login
from tests.factories import at, make_user
from tests.test_events_views import bekasi_stop, form_data
from tests.test_relay_handovers import handover_into, jalur  # noqa: F401 (a fixture)


def hint(page: str, input_id: str) -> str:
    """The text of the hint of the input ``input_id``; fails when the input does not name it."""
    tag = re.search(rf'<input [^>]*id="{input_id}"[^>]*>', page)[0]
    described = re.search(r'aria-describedby="([^"]+)"', tag)[1].split()
    assert f"{input_id}-hint" in described
    found = re.search(
        rf'<output class="value-hint" id="{input_id}-hint" for="{input_id}"[^>]*>([^<]*)</output>',
        page,
    )
    return found[1]


@pytest.mark.parametrize(
    ("text", "kind", "zone", "lang", "expected"),
    [
        ("2023-10-11", "date", None, "id", "Rabu, 11 Oktober 2023"),
        ("2023-10-11", "date", None, "en", "Wednesday, 11 October 2023"),
        ("13:00", "time", "Asia/Jakarta", "id", "13.00 WIB"),
        ("13:00", "time", None, "id", "13.00"),
        ("13:00", "time", "Asia/Jayapura", "en", "13:00 WIT"),
        ("2023-10-11T13:00", "datetime-local", "Asia/Makassar", "id",
         "Rabu, 11 Oktober 2023, 13.00 WITA"),
        ("", "date", None, "id", ""),
        ("2023-02-30", "date", None, "id", ""),
        ("soon", "datetime-local", "Asia/Jakarta", "id", ""),
    ],
)  # fmt: skip
def test_input_hint_writes_the_value_in_the_language(app, text, kind, zone, lang, expected):
    with app.test_request_context(f"/?lang={lang}"):
        assert input_hint(text, kind, zone) == expected


def test_the_agenda_dates_have_their_hints(client, west_java):
    page = client.get("/agenda?from=2023-10-11").get_data(as_text=True)
    assert hint(page, "f-from") == "Rabu, 11 Oktober 2023"
    assert hint(page, "f-to") == ""
    english = client.get("/agenda?from=2023-10-11&lang=en").get_data(as_text=True)
    assert hint(english, "f-from") == "Wednesday, 11 October 2023"
    assert "js/date-hints.js" in page


def test_the_report_filter_dates_have_their_hints(client, west_java):
    page = client.get("/reports/attendance?to=2023-11-19").get_data(as_text=True)
    assert hint(page, "to") == "Minggu, 19 November 2023"


def test_the_moment_form_has_its_hint_with_the_zone(client, west_java):
    page = client.get("/?at=2023-11-14T10:30").get_data(as_text=True)
    assert hint(page, "at") == "Selasa, 14 November 2023, 10.30 WIB"


def test_the_event_form_has_hints_with_the_stop_zone(client, west_java):
    login(client, make_user("organizer", regions=["32.16"]))
    db.session.commit()
    path = f"/manage/stops/{bekasi_stop().id}/events/new"
    # A broken end is answered 422 with the form again: the good start keeps its hint.
    data = {**form_data(ends_at="not a time"), "csrf_token": csrf_token(client, path)}
    response = client.post(path, data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert hint(page, "starts_at") == "Kamis, 16 November 2023, 13.00 WIB"
    assert hint(page, "ends_at") == ""
    # The error is named too, the hint beside it.
    tag = re.search(r'<input [^>]*id="ends_at"[^>]*>', page)[0]
    assert 'aria-describedby="ends_at-error ends_at-hint"' in tag


def test_the_handover_form_has_date_and_time_hints(client, jalur):  # noqa: F811
    login(client, make_user("organizer", regions=["32.16"]))
    handover = handover_into("32.16")
    handover.actual_at = at("2023-11-13 09:30")
    db.session.commit()
    page = client.get(f"/manage/handovers/{handover.id}").get_data(as_text=True)
    assert hint(page, "actual_date") == "Senin, 13 November 2023"
    assert hint(page, "actual_time") == "09.30 WIB"


def test_the_programme_start_has_its_hint(client, west_java):
    login(client, make_user("organizer", regions=["32.16"]))
    db.session.commit()
    page = client.get(f"/manage/stops/{bekasi_stop().id}/programme?lang=en").get_data(as_text=True)
    assert hint(page, "start") == "08:00 WIB"


def test_the_new_stop_form_has_hints_without_a_zone(client, west_java):
    from kirab.relay.models import Route

    login(client, make_user("admin"))
    db.session.commit()
    route = db.session.execute(db.select(Route)).scalars().first()
    page = client.get(f"/manage/routes/{route.id}/stops/new").get_data(as_text=True)
    assert hint(page, "receives_date") == ""
    assert 'id="receives_time-hint" for="receives_time" data-kind="time">' in page
