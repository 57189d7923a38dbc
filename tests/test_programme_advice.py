"""The programme's preview warns of night hours, overlapping parades and missing venues."""

from __future__ import annotations

import pytest

from kirab.database import db
from kirab.events.models import DRAFT, PUBLISHED, Event
from kirab.regions.models import Dapil
from tests.conftest import csrf_token, login
from tests.factories import make_user
from tests.test_events_views import bekasi_stop
from tests.test_submissions import programme_data, without_parades


@pytest.fixture
def organizer(client, west_java):
    """A client logged in as an organizer of Kabupaten Bekasi."""
    user = make_user("organizer", regions=["32.16"])
    db.session.commit()
    login(client, user)
    return user


def bekasi_dapil() -> list[Dapil]:
    """Kabupaten Bekasi's dapil in order."""
    return list(
        db.session.execute(
            db.select(Dapil).where(Dapil.region_code == "32.16").order_by(Dapil.number)
        ).scalars()
    )


def preview(client, path, **changes):
    """Post the programme form for a preview (no confirm)."""
    data = programme_data(client, path, **changes)
    del data["confirm"]
    return client.post(path, data=data)


def test_a_late_start_is_warned_of_as_night_parades(client, organizer):
    stop = bekasi_stop()
    without_parades(stop)
    path = f"/manage/stops/{stop.id}/programme"
    page = preview(client, path, start="14:00").text
    assert "akan berlangsung malam hari: 19.00 WIB \N{EN DASH} 22.00 WIB" in page
    morning = preview(client, path, start="08:00").text
    assert "malam hari" not in morning


def test_the_preview_warns_of_the_dapils_existing_parades_at_the_same_time(client, organizer):
    stop = bekasi_stop()
    path = f"/manage/stops/{stop.id}/programme"
    page = preview(client, path).text  # the week already has these parades
    assert "Pawai Kirab Pemilu Dapil 1 bertumpang tindih dengan Pawai Kirab Pemilu Dapil 1" in page
    without_parades(stop)
    assert "bertumpang tindih" not in preview(client, path).text


def test_the_preview_names_the_events_without_a_venue_and_a_venue_per_dapil_is_kept(
    client, organizer
):
    stop = bekasi_stop()
    without_parades(stop)
    path = f"/manage/stops/{stop.id}/programme"
    dapil = bekasi_dapil()
    venues = {f"venue-{d.id}": f"Lapangan {d.number}" for d in dapil[:6]}
    page = preview(client, path, **venues).text
    assert "Belum ada tempat untuk: Pawai Kirab Pemilu Dapil 7." in page
    assert 'value="Lapangan 3"' in page  # kept in the form for the confirmation
    created = client.post(path, data=programme_data(client, path, **venues))
    assert created.status_code == 302
    drafts = {
        event.dapil_id: event.venue_name
        for event in db.session.execute(db.select(Event).where(Event.status == DRAFT)).scalars()
    }
    assert drafts[dapil[2].id] == "Lapangan 3" and drafts[dapil[6].id] == ""


@pytest.mark.parametrize(
    ("venue", "message"),
    [("<b>Lapangan</b>", None), ("L" * 201, "Gunakan paling banyak 200 karakter.")],
)
def test_a_bad_venue_is_refused_on_its_dapil(client, organizer, venue, message):
    stop = bekasi_stop()
    without_parades(stop)
    path = f"/manage/stops/{stop.id}/programme"
    dapil = bekasi_dapil()
    response = client.post(
        path, data=programme_data(client, path, **{f"venue-{dapil[0].id}": venue})
    )
    if message is None:  # markup is kept as text, and shown escaped
        assert response.status_code == 302
        stored = db.session.execute(
            db.select(Event.venue_name).where(Event.dapil_id == dapil[0].id)
        ).scalar_one()
        assert stored == venue
        assert "<b>Lapangan</b>" not in client.get(f"/manage/stops/{stop.id}/programme").text
    else:
        assert response.status_code == 422
        assert f"{dapil[0].name}: {message}" in response.text
        assert db.session.execute(db.select(Event).where(Event.status == DRAFT)).all() == []


def test_a_venue_of_another_regions_dapil_is_ignored(client, organizer):
    stop = bekasi_stop()
    without_parades(stop)
    path = f"/manage/stops/{stop.id}/programme"
    other = (
        db.session.execute(db.select(Dapil).where(Dapil.region_code != "32.16")).scalars().first()
    )
    response = client.post(
        path, data=programme_data(client, path, **{f"venue-{other.id}": "Tempat lain"})
    )
    assert response.status_code == 302
    names = db.session.execute(db.select(Event.venue_name).where(Event.status == DRAFT)).scalars()
    assert "Tempat lain" not in set(names)


def test_publishing_all_drafts_names_what_is_missing(client, organizer):
    stop = bekasi_stop()
    without_parades(stop)
    path = f"/manage/stops/{stop.id}/programme"
    dapil = bekasi_dapil()
    data = programme_data(client, path, dapil_ids=[str(d.id) for d in dapil[:6]],
                          **{f"venue-{dapil[0].id}": "Alun-alun"})  # fmt: skip
    assert client.post(path, data=data).status_code == 302
    response = client.post(
        f"/manage/stops/{stop.id}/publish", data={"csrf_token": csrf_token(client, path)}
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "Diterbitkan tanpa tempat: Pawai Kirab Pemilu Dapil 2" in page
    assert "Pawai Kirab Pemilu Dapil 1," not in page.split("Diterbitkan tanpa tempat")[1][:400]
    assert f"{dapil[6].name}" in page.split("Belum ada pawai di")[1][:200]
    published = db.session.execute(db.select(Event).where(Event.status == PUBLISHED)).scalars()
    assert any(event.venue_name == "Alun-alun" for event in published)


def test_only_the_regions_organizers_may_plan_or_publish(client, west_java):
    stop = bekasi_stop()
    outsider = make_user("organizer", regions=["32.15"])
    party = make_user("party_rep", party=1)
    db.session.commit()
    for user in (outsider, party):
        login(client, user)
        token = csrf_token(client, "/account/password")
        path = f"/manage/stops/{stop.id}/programme"
        assert client.get(path).status_code == 403
        assert client.post(path, data={"csrf_token": token, "confirm": "1"}).status_code == 403
        publish = client.post(f"/manage/stops/{stop.id}/publish", data={"csrf_token": token})
        assert publish.status_code == 403
