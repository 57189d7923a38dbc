"""The agenda's dapil choice follows its region choice: in the page, the rule and the refusal."""

import re

import pytest

from kirab.regions.models import dapil_in_region


def dapil_options(page: str) -> list[str]:
    """The values of the dapil select's options as the server rendered them (not the template's)."""
    select = re.search(r'<select id="f-dapil".*?</select>', page, re.S)[0]
    return re.findall(r'<option [^>]*value="([^"]+)"', select)


def template_options(page: str) -> list[str]:
    """The values the script may put back: every dapil."""
    template = re.search(r'<template id="f-dapil-all">.*?</template>', page, re.S)[0]
    return re.findall(r'<option value="([^"]+)"', template)


@pytest.mark.parametrize(
    ("dapil_region", "code", "belongs"),
    [
        ("32.16", "32.16", True),
        ("32.16", "32", True),
        ("32.16", "32.16.06", True),
        ("32.16", "32.75", False),
        ("32.16", "32.1", False),
        ("32.16", "33", False),
        ("32.16", "32.75.01", False),
        ("32.16", "RI", False),
    ],
)
def test_which_dapil_belong_with_a_region(dapil_region, code, belongs):
    assert dapil_in_region(dapil_region, code) is belongs


def test_without_a_region_every_dapil_is_offered(client, west_java):
    page = client.get("/agenda").get_data(as_text=True)
    assert len(dapil_options(page)) == 18
    assert len(template_options(page)) == 18


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("32.16", [f"32.16-{n}" for n in range(1, 8)]),
        ("32.75", [f"32.75-{n}" for n in range(1, 6)]),
        ("32.16.06", [f"32.16-{n}" for n in range(1, 8)]),
        ("RI", []),
    ],
)
def test_the_server_offers_the_dapil_of_the_region_chosen(client, west_java, region, expected):
    page = client.get(f"/agenda?region={region}").get_data(as_text=True)
    assert dapil_options(page) == expected
    # The script narrows from all of them as the region changes, in the page alone.
    assert len(template_options(page)) == 18
    assert 'data-dapil-of="f-region"' in page and "js/dapil-choices.js" in page


def test_the_province_offers_its_regencies_dapil(client, west_java):
    options = dapil_options(client.get("/agenda?region=32").get_data(as_text=True))
    assert len(options) == 18 and options[0] == "32.15-1"


def test_the_chosen_dapil_stays_selected(client, west_java):
    page = client.get("/agenda?region=32.16&dapil=32.16-3").get_data(as_text=True)
    assert '<option value="32.16-3" selected>' in page


@pytest.mark.parametrize("path", ["/agenda", "/api/v1/events"])
def test_a_dapil_outside_the_region_is_refused_with_a_message(client, west_java, path):
    response = client.get(f"{path}?region=32.16&dapil=32.75-1&lang=en")
    assert response.status_code == 400
    message = "Kota Bekasi 1 is not a dapil of Kabupaten Bekasi"
    body = response.get_data(as_text=True)
    assert message in (response.json["error"]["message"] if path.startswith("/api") else body)


def test_the_refusal_is_in_indonesian(client, west_java):
    response = client.get("/agenda?region=32.16&dapil=32.75-1")
    assert response.status_code == 400
    assert "Kota Bekasi 1 bukan dapil Kabupaten Bekasi" in response.get_data(as_text=True)


def test_a_dapil_inside_the_region_is_accepted(client, west_java):
    assert client.get("/agenda?region=32&dapil=32.75-1").status_code == 200
    assert client.get("/api/v1/events?region=32.16.06&dapil=32.16-3").status_code == 200
