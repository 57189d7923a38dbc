"""The read-only JSON API: events, one event, and the relay status."""

import pytest

from kirab.database import db
from kirab.events.models import DRAFT
from kirab.relay.models import Stop
from tests.conftest import BASE_URL
from tests.factories import at, make_event, make_route


def status_at(client, moment: str) -> dict:
    """The relay status at a moment given with its offset."""
    response = client.get("/api/v1/relay/status", query_string={"at": moment})
    assert response.status_code == 200, response.json
    return response.json


@pytest.mark.parametrize(
    ("moment", "state", "holder", "next_code"),
    [
        ("2023-11-10T12:00:00+07:00", "holding", "Kabupaten Karawang", "32.16"),
        ("2023-11-15T12:00:00+07:00", "holding", "Kabupaten Bekasi", "32.75"),
        ("2023-11-21T12:00:00+07:00", "holding", "Kota Bekasi", "RI"),
    ],
)
def test_relay_status_follows_jalur_vii(client, west_java, moment, state, holder, next_code):
    body = status_at(client, moment)
    assert body["at"] == moment
    assert body["relay"]["name"] == "Kirab Pemilu 2024"
    [route] = body["routes"]
    assert route["route"]["name"] == "Jalur VII"
    assert route["state"] == state
    assert route["holder"]["region_name"] == holder
    assert route["next"]["region_code"] == next_code


def test_relay_status_shape_on_15_november(client, west_java):
    [route] = status_at(client, "2023-11-15T12:00:00+07:00")["routes"]
    assert route["holder"] == {
        "stop_id": route["holder"]["stop_id"],
        "region_code": "32.16",
        "region_name": "Kabupaten Bekasi",
        "since": "2023-11-13T09:00:00+07:00",
    }
    assert route["next"] == {
        "stop_id": route["next"]["stop_id"],
        "region_code": "32.75",
        "region_name": "Kota Bekasi",
        "handover_at": "2023-11-19T09:00:00+07:00",
    }


def test_relay_status_before_between_and_after(client, west_java):
    before = status_at(client, "2023-10-01T00:00:00+07:00")["routes"][0]
    assert before["state"] == "not_started" and before["holder"] is None
    assert before["next"]["region_code"] == "32.08"
    transit = status_at(client, "2023-11-25T12:00:00+07:00")["routes"][0]
    assert transit["state"] == "in_transit" and transit["holder"] is None
    assert transit["next"]["region_code"] == "RI"
    after = status_at(client, "2024-01-01T00:00:00+07:00")["routes"][0]
    assert after["state"] == "finished" and after["next"] is None
    assert after["holder"]["region_code"] == "RI"


def test_relay_status_reads_any_offset(client, west_java):
    """09:00 WIB is 02:00 UTC: the instant of the Bekasi handover."""
    route = status_at(client, "2023-11-13T02:00:00+00:00")["routes"][0]
    assert route["holder"]["region_code"] == "32.16"
    route = status_at(client, "2023-11-13T01:59:59+00:00")["routes"][0]
    assert route["holder"]["region_code"] == "32.15"


@pytest.mark.parametrize(
    "query",
    [
        {"at": "2023-11-15T12:00:00"},  # no offset
        {"at": "yesterday"},
        {"at": "2023-11-15T12:00:00+07:00", "route": "x"},
        {"at": "2023-11-15T12:00:00+07:00", "relay": "-1"},
    ],
)
def test_relay_status_bad_input_is_a_json_400(client, west_java, query):
    response = client.get("/api/v1/relay/status", query_string=query)
    assert response.status_code == 400
    assert response.json["error"]["status"] == 400
    assert response.json["error"]["message"]


def test_relay_status_of_an_unknown_relay_or_route_is_404(client, west_java):
    for query in ({"relay": "999"}, {"route": "999"}):
        response = client.get("/api/v1/relay/status", query_string=query)
        assert response.status_code == 404
        assert response.json["error"]["status"] == 404


def test_relay_status_defaults_to_now(app, client, west_java):
    app.config["FIXED_NOW"] = at("2023-11-16 10:00")
    body = client.get("/api/v1/relay/status").json
    assert body["at"] == "2023-11-16T10:00:00+07:00"
    assert body["routes"][0]["holder"]["region_code"] == "32.16"


def test_the_seven_bekasi_parades(client, west_java):
    body = client.get("/api/v1/events?region=32.16&kind=parade").json
    assert body["total"] == 7
    assert body["page"] == 1 and body["per_page"] == 50 and body["next"] is None
    titles = [event["title"] for event in body["events"]]
    assert titles == [f"Pawai Kirab Pemilu Dapil {n}" for n in range(1, 8)]
    starts = [event["starts_at"] for event in body["events"]]
    assert starts == sorted(starts)
    assert all(event["tz_abbr"] == "WIB" for event in body["events"])


def test_event_shape(client, west_java):
    events = client.get("/api/v1/events?dapil=32.16-3").json["events"]
    [event] = events
    detail = client.get(f"/api/v1/events/{event['id']}").json
    assert detail == event
    assert set(detail) == {
        "id", "uid", "title", "kind", "status", "starts_at", "ends_at", "timezone", "tz_abbr",
        "region_code", "region_name", "stop_id", "route_id", "dapil", "districts", "venue",
        "sequence", "updated_at", "attendance_total", "url",
    }  # fmt: skip
    assert detail["dapil"] == {"id": "32.16-3", "number": 3, "name": "Bekasi 3"}
    assert detail["districts"] == [{"code": "32.16.06", "name": "Tambun Selatan"}]
    assert detail["starts_at"] == "2023-11-15T08:00:00+07:00"
    assert detail["timezone"] == "Asia/Jakarta"
    assert detail["region_code"] == "32.16" and detail["region_name"] == "Kabupaten Bekasi"
    assert detail["uid"].endswith("@kirab")
    assert detail["updated_at"].endswith("+00:00")
    assert detail["url"] == f"{BASE_URL}/events/{event['id']}"
    assert set(detail["venue"]) == {"name", "address", "lat", "lon"}


def test_times_are_in_the_event_s_own_zone(client, app):
    route = make_route([("73.71", at("2024-01-10 09:00", "Asia/Makassar"), None)])
    event = make_event(route.stops[0], starts_at=at("2024-01-10 10:00", "Asia/Makassar"))
    db.session.commit()
    body = client.get(f"/api/v1/events/{event.id}").json
    assert body["starts_at"] == "2024-01-10T10:00:00+08:00"
    assert body["tz_abbr"] == "WITA"


def test_pagination_links_the_next_page(client, west_java):
    first = client.get("/api/v1/events?per_page=4").json
    assert first["total"] == 15 and len(first["events"]) == 4
    assert first["next"].startswith(f"{BASE_URL}/api/v1/events?")
    assert "page=2" in first["next"]
    second = client.get(first["next"].removeprefix(BASE_URL)).json
    assert second["page"] == 2
    assert {e["id"] for e in first["events"]}.isdisjoint({e["id"] for e in second["events"]})


@pytest.mark.parametrize(
    "query",
    ["region=99", "region=32.16;drop", "dapil=32.16-9", "dapil=bekasi", "kind=party",
     "route=abc", "route=99999", "from=2023-13-01", "from=15-11-2023",
     "to=2023-11-01&from=2023-11-02", "page=0", "per_page=501", "per_page=x",
     "region=32&region=33"],
)  # fmt: skip
def test_malformed_filters_are_json_400(client, west_java, query):
    response = client.get(f"/api/v1/events?{query}")
    assert response.status_code == 400
    assert response.json["error"]["status"] == 400
    assert response.json["error"]["message"]


def test_drafts_are_404_for_the_public(client, west_java):
    stop = db.session.execute(db.select(Stop)).scalars().first()
    draft = make_event(stop, status=DRAFT, title="Rahasia")
    db.session.commit()
    assert client.get(f"/api/v1/events/{draft.id}").status_code == 404
    assert client.get("/api/v1/events/999999").json["error"]["status"] == 404
    titles = [e["title"] for e in client.get("/api/v1/events?per_page=500").json["events"]]
    assert "Rahasia" not in titles


def test_links_built_once_for_many_ids_are_those_of_the_url_map(app):
    from kirab.urls import absolute_url, id_links

    with app.test_request_context("/api/v1/events"):
        link = id_links("events.show", "event_id")
        for number in (1, 42, 987654321, 10**12):
            assert link(number) == absolute_url("events.show", event_id=number)
        assert link(7) == BASE_URL + "/events/7"


def test_a_bad_filter_names_its_parameter_for_integrators_and_its_label_on_pages(client, west_java):
    answer = client.get("/api/v1/events?from=13-11-2023", headers={"Accept-Language": "id"})
    assert answer.json["error"]["message"].startswith("from harus berupa tanggal")
    page = client.get("/agenda?from=13-11-2023", headers={"Accept-Language": "id"})
    assert "Dari harus berupa tanggal" in page.get_data(as_text=True)
