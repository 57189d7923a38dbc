"""WTForms' own messages reach Indonesian pages in Indonesian, and English is found.

The English detector of ``tests/english.py``, which the sweep of every form
(``tests/test_forms_indonesian.py``) relies on, is proven here to flag each
source of English and to pass Indonesian.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from flask_wtf import FlaskForm
from markupsafe import escape
from wtforms.fields.core import UnboundField

import kirab
from kirab import forms as base_forms
from kirab.database import db
from kirab.forms import CatalogueTranslations
from tests.conftest import csrf_token, login
from tests.english import (
    CATALOGUE,
    PLACEHOLDER,
    TAG,
    catalogue_english,
    english_in,
    english_on_page,
    library_english,
)
from tests.factories import at, make_route, make_user

GETTEXT = re.compile(r'\bgettext\(\s*"((?:[^"\\]|\\.)*)"\s*\)')
NGETTEXT = re.compile(r'\bngettext\(\s*"((?:[^"\\]|\\.)*)",\s*"((?:[^"\\]|\\.)*)"')
# Raised for a mistake in a form's code (no choices, EqualTo naming no field), never for input.
PROGRAMMER_ERRORS = {"Choices cannot be None.", "Invalid field name '%s'."}


def kirab_forms() -> list[type[FlaskForm]]:
    """Every form class defined in Kirab, after importing each of its form modules."""
    for module in pkgutil.walk_packages(kirab.__path__, "kirab."):
        if module.name.endswith("forms"):
            importlib.import_module(module.name)
    found, todo = [], [FlaskForm]
    while todo:
        for subclass in todo.pop().__subclasses__():
            todo.append(subclass)
            if subclass.__module__.startswith("kirab."):
                found.append(subclass)
    return found


def fields_and_validators(form: type[FlaskForm]) -> set[type]:
    """The field classes of a form and the classes of their validators."""
    used = set()
    for name in dir(form):
        unbound = getattr(form, name)
        if not isinstance(unbound, UnboundField):
            continue
        used.add(unbound.field_class)
        validators = unbound.kwargs.get("validators") or (unbound.args[1:2] or [[]])[0]
        used.update(type(validator) for validator in validators)
    return used


def wtforms_messages(classes: set[type]) -> tuple[set[str], set[tuple[str, str]]]:
    """The messages the WTForms code of these classes (and their bases) can give."""
    singles, plurals = set(), set()
    for cls in classes:
        for base in cls.__mro__:
            if not base.__module__.startswith(("wtforms", "flask_wtf")):
                continue
            source = inspect.getsource(base)
            singles.update(GETTEXT.findall(source))
            plurals.update(NGETTEXT.findall(source))
    return singles - PROGRAMMER_ERRORS, plurals


def test_every_message_of_the_fields_and_validators_kirab_uses_is_translated(app):
    forms = kirab_forms()
    assert len(forms) > 10
    used = set().union(*(fields_and_validators(form) for form in forms))
    singles, plurals = wtforms_messages(used)
    assert "Not a valid integer value." in singles and "Not a valid date value." in singles
    # What extraction finds in kirab/forms.py is what stays in the catalogue.
    listed = {
        message
        for _line, message, _comments, _context in extract_from_file(
            "python", Path(base_forms.__file__), keywords={"_l": None, "lazy_ngettext": (1, 2)}
        )
    }
    missing = sorted(singles - listed) + sorted(str(p) for p in plurals - listed)
    assert missing == [], "add these to WTFORMS_MESSAGES in kirab/forms.py"
    translations = CatalogueTranslations()
    with app.test_request_context("/"):
        untranslated = [text for text in singles if translations.gettext(text) == text]
        untranslated += [
            singular
            for singular, plural in plurals
            if translations.ngettext(singular, plural, 1) == singular
            or translations.ngettext(singular, plural, 2) == plural
        ]
    assert untranslated == []


def test_a_bad_number_and_a_bad_date_are_told_in_indonesian(client, app):
    admin = make_user("admin")
    route = make_route([("73.71", at("2023-05-01 09:00", "Asia/Makassar"), None)])
    db.session.commit()
    login(client, admin)
    url = f"/manage/routes/{route.id}/stops/new"
    response = client.post(url, data={
        "csrf_token": csrf_token(client, url), "region_code": "53", "position": "satu",
        "receives_date": "2023-02-31", "receives_time": "25:00",
    })  # fmt: skip
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Bukan bilangan bulat yang valid." in page
    assert "Bukan tanggal yang valid." in page
    assert "Bukan jam yang valid." in page
    assert "Not a valid" not in page

    shift = f"/manage/stops/{route.stops[0].id}/shift"
    response = client.post(shift, data={"csrf_token": csrf_token(client, shift),
                                        "amount": "9999", "unit": "days"})  # fmt: skip
    assert response.status_code == 422
    assert "Angka harus antara -2160 dan 2160." in response.get_data(as_text=True)


def test_an_event_form_with_bad_values_is_told_in_indonesian(client, app):
    route = make_route([("32.16", at("2023-11-13 09:00"), None)])
    organizer = make_user("organizer", regions=["32.16"])
    db.session.commit()
    login(client, organizer)
    url = f"/manage/stops/{route.stops[0].id}/events/new"
    response = client.post(url, data={
        "csrf_token": csrf_token(client, url), "kind": "outreach", "title": "Sosialisasi",
        "starts_at": "besok pagi", "ends_at": "2023-11-16T15:00", "latitude": "utara",
        "longitude": "", "capacity": "banyak", "dapil_id": "", "party_numbers": ["99"],
    })  # fmt: skip
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Bukan tanggal dan jam yang valid." in page
    assert "Bukan angka yang valid." in page
    assert "Bukan bilangan bulat yang valid." in page
    assert escape("'99' bukan pilihan yang valid untuk isian ini.") in page
    assert "Not a valid" not in page and "valid choice" not in page


def test_every_form_is_on_the_base_form():
    """Every form of Kirab derives from KirabForm, so its built-in messages are translated."""
    forms = kirab_forms()
    assert len(forms) > 10
    base = base_forms.KirabForm
    strays = [
        f"{f.__module__}.{f.__name__}" for f in forms if f is not base and not issubclass(f, base)
    ]
    assert strays == []


ENGLISH_PAGES = {
    "WTForms": '<p class="error" id="title-error">This field is required.</p>',
    "WTForms, filled in": "<p>Field must be between 1 and 200 characters long.</p>",
    "Flask-WTF": "<p>The CSRF token is missing.</p>",
    "Flask-Login": '<p class="flash flash-info">Please log in to access this page.</p>',
    "Werkzeug": "<h1>Request Entity Too Large</h1>",
    "Werkzeug's description": "<p>The requested URL was not found on the server. If you entered "
    "the URL manually please check your spelling and try again.</p>",
    "a catalogue label": '<button type="submit">Cancel</button>',
    "a catalogue message": "<p>Some of the input is not valid.</p>",
    "words of no message": "<p>Nothing here yet, come back tomorrow</p>",
    "a spoken attribute": '<a href="/" aria-label="Back to the agenda">←</a>',
    "a script's text": '<p data-copied="Copied to the clipboard">Salin</p>',
}
INDONESIAN_PAGES = {
    "a message": '<p class="error">Isian ini wajib diisi.</p>',
    "a name": "<h1>KPU Goes To Campus di Universitas Pelita Bangsa</h1>",
    "scripts and styles": "<script>let the = 'must';</script><style>.is{}</style><p>Agenda</p>",
    "what a person typed": '<textarea>the text you typed</textarea><input value="please">',
    "a column name": "<p>Kolom party_number dan hands_over boleh kosong.</p>",
    "values of a parameter": "<p>by harus salah satu dari: event, stop, dapil, kind, party.</p>",
    "an address": "<p>Terbit 08.13 WIB. Pindai https://kirab.example/events/1/check-in/x</p>",
}
# Query parameters named as the URL spells them (PRODUCT.md, "Filters").
PARAMETERS = re.compile(r"\b(from|to|page)\b")


@pytest.mark.parametrize("source", sorted(ENGLISH_PAGES))
def test_the_english_detector_flags_english(source):
    assert english_on_page(ENGLISH_PAGES[source]), source


@pytest.mark.parametrize("source", sorted(INDONESIAN_PAGES))
def test_the_english_detector_leaves_indonesian_alone(source):
    assert english_on_page(INDONESIAN_PAGES[source]) == [], source


def test_the_libraries_messages_are_read_from_their_source():
    found = set(library_english())
    assert {"This field is required.", "Invalid CSRF Token.", "The CSRF token is missing.",
            "Please log in to access this page.", "Bad Request", "Too Many Requests",
            } - found == set()  # fmt: skip
    assert "Not a valid integer value." in found and "Not a valid date value." in found
    assert len(catalogue_english()) > 500


def test_no_indonesian_message_of_the_catalogue_reads_as_english():
    """The detector would not fail a page for its Indonesian: every msgstr passes it."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    flagged = []
    for message in list(catalogue)[1:]:  # after the header
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in filter(None, strings):
            filled = PARAMETERS.sub("", PLACEHOLDER.sub("Budi", TAG.sub(" ", text)))
            if english_in(filled):
                flagged.append((text, english_in(filled)))
    assert flagged == []
