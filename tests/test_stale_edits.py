"""Two people edit one record: the later save over a newer version is refused with 409.

For each edit form both open the form, the first saves one field, the
second another: the second is told what changed meanwhile and by whom,
keeps their own input, and the database holds the first change untouched.
"""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import update

from kirab.audit.services import check_version
from kirab.auth.models import User
from kirab.database import db
from kirab.errors import StaleEdit
from kirab.events import scheduling
from kirab.events.models import Event
from kirab.relay.models import Handover, Route, Stop
from kirab.relay.shifts import apply_shift
from kirab.transactions import run_service
from tests.conftest import extra_app, login
from tests.factories import at, make_jalur_vii, make_user

STALE = "Orang lain menyimpan ini setelah Anda membukanya"


class FormValues(HTMLParser):
    """What a browser would post from the page's edit form (the one with a version)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict[str, list[str]]] = []
        self.current: dict[str, list[str]] | None = None
        self.select: str | None = None
        self.textarea: str | None = None

    def add(self, name: str | None, value: str) -> None:
        """Add one posted value."""
        if self.current is not None and name:
            self.current.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method") == "post":
            self.current = {}
            self.forms.append(self.current)
        elif tag == "input" and attrs.get("type") in ("checkbox", "radio"):
            if "checked" in attrs:
                self.add(attrs.get("name"), attrs.get("value") or "on")
        elif tag == "input" and attrs.get("type") not in ("submit", "file"):
            self.add(attrs.get("name"), attrs.get("value") or "")
        elif tag == "select":
            self.select = attrs.get("name")
        elif tag == "option" and self.select and "selected" in attrs:
            self.add(self.select, attrs.get("value") or "")
        elif tag == "textarea":
            self.textarea = attrs.get("name")
            self.add(self.textarea, "")

    def handle_data(self, data):
        if self.textarea and self.current is not None:
            self.current[self.textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea and self.current is not None:
            # Browsers drop the line break that opens a textarea's content.
            value = self.current[self.textarea][-1]
            self.current[self.textarea][-1] = value.removeprefix("\r\n").removeprefix("\n")
            self.textarea = None


def values_of(page: str) -> dict[str, list[str]]:
    """The edit form's values on ``page``, as a browser would post them."""
    parser = FormValues()
    parser.feed(page)
    forms = [form for form in parser.forms if "version" in form]
    assert forms, "no edit form on the page"
    return forms[0]


def opened(client, path: str) -> dict[str, list[str]]:
    """The edit form's values as ``client`` opens it."""
    response = client.get(path)
    assert response.status_code == 200
    return values_of(response.get_data(as_text=True))


def race(first, second, path: str, first_change: dict, second_change: dict):
    """Both open the form, the first saves its change, then the second saves theirs."""
    first_form, second_form = opened(first, path), opened(second, path)
    saved = first.post(path, data={**first_form, **first_change})
    assert saved.status_code == 302
    return second.post(path, data={**second_form, **second_change})


def people(app, *users):
    """A client for each user, logged in."""
    clients = []
    for user in users:
        client = app.test_client()
        login(client, user)
        clients.append(client)
    return clients


@pytest.fixture
def jalur(app) -> Route:
    """Jalur VII with its handovers and events, committed; "now" is after the relay."""
    app.config["FIXED_NOW"] = at("2023-12-01 09:00")
    route = make_jalur_vii()
    db.session.commit()
    return route


def bekasi(route_id: int) -> Stop:
    """The Kabupaten Bekasi stop of the route."""
    route = db.session.get(Route, route_id)
    return next(stop for stop in route.stops if stop.region_code == "32.16")


def campus_event() -> Event:
    """Kabupaten Bekasi's campus event."""
    return db.session.execute(
        db.select(Event).where(Event.title == "KPU Goes To Campus")
    ).scalar_one()


def organizers(app, *names):
    """Organizers of Kabupaten Bekasi with these names, each with a logged-in client."""
    users = [make_user("organizer", regions=["32.16"], name=name) for name in names]
    db.session.commit()
    return people(app, *users)


def assert_refused(response, *changed: str, mine: str, saved_by: str) -> str:
    """A 409 that names who saved, what changed and shows the person's own input."""
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert STALE in page and f"Disimpan oleh {saved_by}" in page
    assert f"Yang berubah sementara itu: {', '.join(changed)}." in page
    assert mine in page
    return page


def test_a_stale_event_edit_is_refused_and_the_other_title_kept(app, jalur):
    ani, budi = organizers(app, "Ani", "Budi")
    event_id, sequence = campus_event().id, campus_event().sequence
    path = f"/manage/events/{event_id}/edit"
    response = race(ani, budi, path, {"title": "Kampus Merdeka Memilih"},
                    {"venue_name": "Gedung Serbaguna Baru"})  # fmt: skip
    page = assert_refused(response, "Judul", mine="Gedung Serbaguna Baru", saved_by="Ani")
    # The field Budi left alone shows Ani's title now, so saving again keeps it.
    assert 'value="Kampus Merdeka Memilih"' in page
    db.session.expire_all()
    event = db.session.get(Event, event_id)
    assert (event.title, event.venue_name) == ("Kampus Merdeka Memilih", "")
    assert event.sequence == sequence + 1 and event.version == 2

    again = budi.post(path, data=values_of(page))
    assert again.status_code == 302
    db.session.expire_all()
    event = db.session.get(Event, event_id)
    assert (event.title, event.venue_name) == ("Kampus Merdeka Memilih", "Gedung Serbaguna Baru")


def test_a_stale_stop_details_edit_is_refused(app, jalur):
    ani, budi = organizers(app, "Ani", "Budi")
    stop_id = bekasi(jalur.id).id
    path = f"/manage/stops/{stop_id}"
    response = race(ani, budi, path, {"contacts": "Sekretariat, 021-000"},
                    {"notes": "Bawa payung"})  # fmt: skip
    assert_refused(response, "Kontak", mine="Bawa payung", saved_by="Ani")
    db.session.expire_all()
    stop = db.session.get(Stop, stop_id)
    assert (stop.contacts, stop.notes) == ("Sekretariat, 021-000", "")


def test_a_stale_handover_record_is_refused_with_its_checklist(app, jalur):
    ani, budi = organizers(app, "Ani", "Budi")
    handover = db.session.execute(
        db.select(Handover).where(Handover.to_stop_id == bekasi(jalur.id).id)
    ).scalar_one()
    handover_id = handover.id
    path = f"/manage/handovers/{handover_id}"
    response = race(
        ani,
        budi,
        path,
        {"venue": "Alun-alun", "items": ["national_flag", "kpu_pataka"]},
        {"notes": "Hujan deras"},
    )
    page = assert_refused(response, "Tempat", "Barang yang diserahkan", mine="Hujan deras",
                          saved_by="Ani")  # fmt: skip
    # Budi ticked nothing himself: the checklist shows what Ani ticked.
    assert values_of(page)["items"] == ["national_flag", "kpu_pataka"]
    db.session.expire_all()
    handover = db.session.get(Handover, handover_id)
    assert (handover.venue, handover.notes) == ("Alun-alun", "")
    assert handover.items["national_flag"] and handover.items["kpu_pataka"]


def test_a_stale_user_edit_is_refused(app):
    admins = [make_user("admin", name=name) for name in ("Ani", "Budi")]
    user = make_user("organizer", regions=["32.16"], name="Citra")
    db.session.commit()
    user_id = user.id
    ani, budi = people(app, *admins)
    path = f"/manage/users/{user_id}"
    response = race(ani, budi, path, {"regions": "32.16 32.75"}, {"name": "Citra Lestari"})
    assert_refused(response, "Wilayah", mine="Citra Lestari", saved_by="Ani")
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert (user.name, user.region_codes) == ("Citra", ["32.16", "32.75"])


@pytest.mark.parametrize(
    "version", [None, "", "abc", "-1", "0", "1.5", "9" * 40, "1\x00", "\u00b2", "\u0661"]
)
def test_a_missing_or_garbled_version_is_a_clear_refusal(app, jalur, version):
    (ani,) = organizers(app, "Ani")
    event_id = campus_event().id
    path = f"/manage/events/{event_id}/edit"
    data = {**opened(ani, path), "title": "Judul lain"}
    if version is None:
        del data["version"]
    else:
        data["version"] = version
    response = ani.post(path, data=data)
    assert response.status_code in (400, 422)
    if response.status_code == 422:
        # A control character is refused by the base form before the version is read.
        expected = (
            "Gunakan huruf, angka dan tanda baca saja"
            if version and "\x00" in version
            else "Formulir ini tidak lengkap atau sudah usang"
        )
        assert expected in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Event, event_id).title == "KPU Goes To Campus"


def test_a_garbled_digest_still_refuses_a_stale_save(app, jalur):
    ani, budi = organizers(app, "Ani", "Budi")
    event_id = campus_event().id
    path = f"/manage/events/{event_id}/edit"
    response = race(ani, budi, path, {"title": "Judul Ani"},
                    {"venue_name": "Gedung", "opened": "title:,,::zz" * 50})  # fmt: skip
    page = response.get_data(as_text=True)
    # Nothing to compare against: the refusal still stands, with no claim about the fields.
    assert response.status_code == 409 and STALE in page
    assert "Periksa formulir lalu simpan lagi." in page and 'value="Gedung"' in page
    db.session.expire_all()
    event = db.session.get(Event, event_id)
    assert (event.title, event.venue_name) == ("Judul Ani", "")


def test_the_version_check_names_who_saved_meanwhile(app, jalur):
    ani = make_user("organizer", regions=["32.16"], name="Ani")
    event = campus_event()
    data = scheduling.EventData.of(event)
    data.title = "Judul Ani"
    scheduling.update_event(event, data, actor=ani, now=at("2023-11-10 09:00"))
    assert event.version == 2
    check_version(event, None)
    check_version(event, 2)
    with pytest.raises(StaleEdit) as refused:
        scheduling.update_event(event, data, actor=ani, now=at("2023-11-10 10:00"),
                                expected_version=1)  # fmt: skip
    assert refused.value.saved_by == "Ani" and refused.value.saved_at is not None


def bump_behind_the_session(event_id: int) -> None:
    """Another request saves the event: its version rises in another connection."""
    with db.engine.begin() as connection:
        connection.execute(
            update(Event.__table__)
            .where(Event.__table__.c.id == event_id)
            .values(title="Judul lain", version=Event.__table__.c.version + 1)
        )


def test_a_concurrent_flush_is_refused_as_stale_by_the_request_path(app, jalur):
    """StaleDataError between the version check and the write: refused, nothing written."""
    ani = make_user("organizer", regions=["32.16"], name="Ani")
    db.session.commit()
    event = campus_event()
    data = scheduling.EventData.of(event)
    data.venue_name = "Gedung"
    refusals = []
    with app.test_request_context():
        # Loaded and checked at version 1; the other save lands before the flush.
        check_version(event, 1)
        bump_behind_the_session(event.id)
        saved, result = run_service(
            lambda: scheduling.update_event(
                event, data, actor=ani, now=at("2023-11-10 09:00"), expected_version=1
            ),
            refusals.append,
        )
    assert (saved, result) == (False, None)
    assert isinstance(refusals[0], StaleEdit) and STALE in refusals[0].message
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert (event.title, event.venue_name, event.version) == ("Judul lain", "", 2)


def test_a_concurrent_flush_during_an_edit_answers_409(app, jalur, monkeypatch):
    """The same race through the edit page: 409 with the form, the other save kept."""
    (ani,) = organizers(app, "Ani")
    event_id = campus_event().id
    path = f"/manage/events/{event_id}/edit"
    form = opened(ani, path)
    original = scheduling.update_event

    def raced(event, data, **kwargs):
        bump_behind_the_session(event.id)
        return original(event, data, **kwargs)

    monkeypatch.setattr(scheduling, "update_event", raced)
    response = ani.post(path, data={**form, "venue_name": "Gedung"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and STALE in page and 'value="Gedung"' in page
    db.session.expire_all()
    event = db.session.get(Event, event_id)
    assert (event.title, event.venue_name) == ("Judul lain", "")


def test_a_write_found_stale_outside_a_service_answers_409(app, migrated):
    """A stale row met by a view's own flush or by the closing commit: 409, nothing stored."""
    user_id = make_user("observer", name="Citra").id
    db.session.commit()

    with extra_app(migrated) as other:

        def stale_rename(flush: bool) -> str:
            user = db.session.get(User, user_id)
            with db.engine.begin() as connection:
                connection.execute(
                    update(User.__table__)
                    .where(User.__table__.c.id == user_id)
                    .values(name="Dewi", version=User.__table__.c.version + 1)
                )
            user.name = "Eka"
            if flush:
                db.session.flush()
            return "renamed"

        other.add_url_rule("/stale/flush", "flush", lambda: stale_rename(True))
        other.add_url_rule("/stale/commit", "commit", lambda: stale_rename(False))
        client = other.test_client()
        for path in ("/stale/flush", "/stale/commit"):
            response = client.get(path)
            assert response.status_code == 409
            assert STALE in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user_id).name == "Dewi"


def test_an_event_edit_opened_before_a_shift_does_not_undo_it(app, jalur):
    """The stop shifts by an hour while the form is open: the save is refused, the shift kept."""
    (ani,) = organizers(app, "Ani")
    admin = make_user("admin", name="Dedi")
    db.session.commit()
    event_id = campus_event().id
    path = f"/manage/events/{event_id}/edit"
    form = opened(ani, path)
    apply_shift(bekasi(jalur.id), timedelta(hours=1), actor=admin)
    db.session.commit()
    response = ani.post(path, data={**form, "venue_name": "Gedung"})
    page = assert_refused(response, "Mulai", "Berakhir", mine='value="Gedung"', saved_by="Dedi")
    # The shifted times are in the form now; saving again keeps them.
    assert 'value="2023-11-14T10:00"' in page
    db.session.expire_all()
    assert db.session.get(Event, event_id).starts_at == at("2023-11-14 10:00")
    assert ani.post(path, data=values_of(page)).status_code == 302
    db.session.expire_all()
    event = db.session.get(Event, event_id)
    assert (event.starts_at, event.venue_name) == (at("2023-11-14 10:00"), "Gedung")
