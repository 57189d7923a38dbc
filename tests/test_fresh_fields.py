"""Form fields kept once rendered: per language and shown value, never with errors, never stale."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from flask import template_rendered

from kirab import PROJECT_ROOT
from kirab.database import db
from kirab.regions.models import Party
from tests.conftest import app_config
from tests.test_attendance_http import organizer_client, person, post, world

# The fixtures of the attendance page's tests, used here by name.
FIXTURES = (world, organizer_client)

FIELD_TEMPLATES = {
    "attendance/_attendee_fields.html",
    "attendance/_guest_fields.html",
    "attendance/_headcount_fields.html",
}


@pytest.fixture
def rendered(app):
    """The names of the field templates rendered since the fixture began, in order."""
    names: list[str] = []

    def note(_sender, template, context, **_extra):
        if template.name in FIELD_TEMPLATES:
            names.append(template.name)

    template_rendered.connect(note, app)
    yield names
    template_rendered.disconnect(note, app)


def test_the_fields_are_rendered_once_then_kept_per_language(organizer_client, world, rendered):
    event, *_rest = world
    path = f"/events/{event.id}/attendance"
    first = organizer_client.get(path).get_data(as_text=True)
    assert sorted(rendered) == sorted(FIELD_TEMPLATES)
    rendered.clear()
    second = organizer_client.get(path).get_data(as_text=True)
    assert rendered == []
    # The kept fields are the ones a rendering would make; the tokens are each page's own.
    for page in (first, second):
        assert 'name="csrf_token"' in page and 'name="idempotency_key"' in page
        assert page.count('name="party"') == 2 and 'name="count"' in page
    switched = post(organizer_client, "/language", {"lang": "en", "next": path}, path)
    assert switched.status_code == 302
    english = organizer_client.get(path).get_data(as_text=True)
    assert sorted(rendered) == sorted(FIELD_TEMPLATES)
    assert "Organisasi atau instansi</label>" in first
    assert "Organisation or office</label>" in english


def test_a_form_with_errors_is_rendered_afresh_and_not_kept(organizer_client, world, rendered):
    event, *_rest = world
    path = f"/events/{event.id}/attendance"
    organizer_client.get(path)
    rendered.clear()
    refused = post(organizer_client, f"{path}/people", person(name=""), path)
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    assert rendered == ["attendance/_attendee_fields.html"]
    # The next person gets a clean form: the message was never kept.
    page = organizer_client.get(path).get_data(as_text=True)
    assert 'aria-invalid="true"' not in page


def test_a_shown_value_makes_its_own_rendering(organizer_client, world, rendered):
    event, *_rest = world
    path = f"/events/{event.id}/attendance"
    organizer_client.get(path)
    sent = post(organizer_client, f"{path}/headcount",
                {"counter": "Gerbang utara", "category": "public", "count": "12",
                 "idempotency_key": "browser-key-000000000009"}, path)  # fmt: skip
    assert sent.status_code == 302
    rendered.clear()
    page = organizer_client.get(path).get_data(as_text=True)
    # The phone's post is offered again: a value the kept empty field did not show.
    assert rendered == ["attendance/_headcount_fields.html"]
    assert 'value="Gerbang utara"' in page


RENAME_SCRIPT = """
import json, sys
from kirab import create_app
from kirab.database import db
from kirab.regions.models import Party

app = create_app(json.loads(sys.argv[1]))
with app.app_context():
    db.session.get(Party, int(sys.argv[2])).abbreviation = sys.argv[3]
    db.session.commit()
"""


def test_a_party_renamed_in_another_process_shows_on_the_next_request(
    organizer_client, world, migrated
):
    event, *_rest = world
    path = f"/events/{event.id}/attendance"
    party = db.session.get(Party, 1)
    number, abbreviation = party.number, party.abbreviation
    db.session.commit()
    before = organizer_client.get(path).get_data(as_text=True)
    assert f">{number}. {abbreviation}</option>" in before
    config = json.dumps(app_config(migrated))
    rename = [sys.executable, "-c", RENAME_SCRIPT, config, str(number)]
    try:
        subprocess.run([*rename, "RENAMED"], cwd=PROJECT_ROOT, check=True, timeout=120)
        page = organizer_client.get(path).get_data(as_text=True)
        assert f">{number}. RENAMED</option>" in page
        assert f">{number}. {abbreviation}</option>" not in page
    finally:
        # The parties are reference data every test shares: put the name back.
        subprocess.run([*rename, abbreviation], cwd=PROJECT_ROOT, check=True, timeout=120)
