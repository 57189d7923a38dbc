"""The POST forms of a page, and the wrong submissions of each, for the form sweep.

``FormFields`` reads a page's forms with the kind of each control (its
``type``, whether it is required, its options); ``submissions`` builds
from one form what it must refuse: fields left empty, fields holding what
their kind cannot take, forged hidden fields, no CSRF token.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from flask import current_app

MARKUP = "<script>alert(1)</script><b>tebal</b> "
LETTERS = "satu"
# Inputs that take numbers, dates or times.
TYPED = ("number", "date", "time", "datetime-local", "month")
# What each kind of input is sent in the ``wrong`` submission.
WRONG_BY_TYPE = {
    "number": LETTERS,
    "date": "2023-02-31",
    "time": "25:61",
    "datetime-local": "2023-02-30T25:61",
    "email": "bukan-surel",
    "url": "bukan alamat",
    "tel": MARKUP + "x" * 300,
    "month": "2023-13",
}


# CSV files whose every column holds what it cannot take, for the import forms.
WRONG_ROWS = {
    "planning.import_stops": "urutan,kode_wilayah,menerima,menyerahkan,tempat\r\n"
    "satu,99.99,2023-02-31 25:61,besok,<b>tebal</b>\r\n1,32.16,,,\r\n",
    "attendance.import_csv": "name,category,party_number,method,recorded_at_utc\r\n"
    ",bukan,satu,bukan,2023-02-31T25:61\r\nBudi,public,99,organizer,kemarin\r\n",
}


class FormFields(HTMLParser):
    """The POST forms of a page with their controls: name, kind, rendered values, options."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[dict] = []
        self.current: dict | None = None
        self.select: dict | None = None
        self.textarea: dict | None = None

    def control(self, name: str, kind: str, attributes: dict) -> dict:
        """The control ``name`` of the open form, made on first sight."""
        controls = self.current["controls"]
        if name not in controls:
            controls[name] = {"kind": kind, "values": [], "options": [], "attributes": attributes}
        return controls[name]

    def handle_starttag(self, tag, attrs):
        """Note forms and their inputs, selects, options, text areas and buttons."""
        attributes = {key: value or "" for key, value in attrs}
        name = attributes.get("name")
        if tag == "form" and attributes.get("method", "get").lower() == "post":
            action = (attributes.get("action") or self.page_url).split("#")[0]
            self.current = {"action": action, "controls": {}, "enctype": attributes.get("enctype")}
            self.forms.append(self.current)
        elif self.current is None:
            return
        elif tag == "option" and self.select is not None:
            value = attributes.get("value", "")
            self.select["options"].append(value)
            if "selected" in attributes:
                self.select["values"].append(value)
        elif not name:
            return
        elif tag == "input":
            self.add_input(name, attributes)
        elif tag == "select":
            self.select = self.control(name, "select", attributes)
        elif tag == "textarea":
            self.textarea = self.control(name, "textarea", attributes)
            self.textarea["values"] = [""]
        elif tag == "button":
            self.control(name, "button", attributes)["values"] = [attributes.get("value", "")]

    def add_input(self, name: str, attributes: dict) -> None:
        """An input: checkboxes and radios send their value when checked."""
        kind = attributes.get("type", "text")
        control = self.control(name, kind, attributes)
        value = attributes.get("value", "on" if kind in ("checkbox", "radio") else "")
        if kind in ("checkbox", "radio"):
            control["options"].append(value)
            if "checked" in attributes:
                control["values"].append(value)
        elif kind != "submit" and not control["values"]:
            control["values"].append(value)

    def handle_endtag(self, tag):
        """Close a form, a select (its first option counts when none is chosen) or a text area."""
        if tag == "form":
            self.current = None
        elif tag == "select" and self.select is not None:
            chosen = self.select
            if (
                not chosen["values"]
                and chosen["options"]
                and "multiple" not in chosen["attributes"]
            ):
                chosen["values"] = chosen["options"][:1]
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        """A text area's text is its value."""
        if self.textarea is not None:
            self.textarea["values"][0] += data


def rendered(form: dict) -> dict:
    """What a browser sends for ``form`` untouched (buttons as the first one pressed)."""
    return {
        name: list(control["values"])
        for name, control in form["controls"].items()
        if control["values"] and control["kind"] not in ("file",)
    }


def filled(form: dict) -> list[str]:
    """The names of the controls a person fills or chooses (not hidden, not buttons)."""
    return [
        name
        for name, control in form["controls"].items()
        if control["kind"] not in ("hidden", "button", "submit") and not is_boolean(control)
    ]


def required(form: dict) -> list[str]:
    """The names of the controls the page marks as required."""
    return [name for name in filled(form) if "required" in form["controls"][name]["attributes"]]


def forgeable(form: dict) -> list[str]:
    """Hidden fields a forged request could change: the version, and ids of records.

    The CSRF token has its own submission; a forged submission key is read
    as a new one until the form is confirmed, as a lost key would be.
    """
    return [
        name
        for name, control in form["controls"].items()
        if control["kind"] == "hidden"
        and (name == "version" or re.fullmatch(r"[a-z]*\d+", "".join(control["values"])))
    ]


def is_boolean(control: dict) -> bool:
    """A lone checkbox is a yes or no (WTForms' BooleanField): any value it sends means yes."""
    return control["kind"] == "checkbox" and len(control["options"]) == 1


def someone_elses(ids: dict, offered: list[str]) -> str:
    """An id of the world's that ``offered`` does not hold: another user's, another record's."""
    candidates = [str(ids[key]) for key in ("target", "other_record", "other_guest")] + ["999999"]
    return next(value for value in candidates if value not in offered)


def wrong_value(control: dict, ids: dict):
    """What ``control`` cannot take."""
    kind, attributes = control["kind"], control["attributes"]
    if kind in WRONG_BY_TYPE:
        return WRONG_BY_TYPE[kind]
    if kind in ("select", "radio", "checkbox"):
        offered = control["options"]
        numeric = any(option.isdigit() for option in offered)
        other = someone_elses(ids, offered) if numeric else "tidak-ada"
        return [other, "<b>x</b>"] if "multiple" in attributes or kind == "checkbox" else other
    longest = int(attributes.get("maxlength") or 2000)
    return MARKUP + "x" * (longest + 1)


def forged(name: str, value: str, ids: dict) -> str:
    """A hidden field's value forged: an id made someone else's, anything else made junk."""
    match = re.fullmatch(r"([a-z]*)(\d+)", value)
    if match:
        return match.group(1) + someone_elses(ids, [match.group(2)])
    return "<b>palsu</b>" if name != "version" else LETTERS


def submissions(form: dict, ids: dict, rows: str | None = None) -> dict[str, dict]:
    """The wrong submissions of ``form``, by name; ``rows``, a CSV file for its file field."""
    base = rendered(form)
    controls = form["controls"]
    people = filled(form)
    hidden = forgeable(form)
    sent: dict[str, dict] = {
        "no_csrf": {k: v for k, v in base.items() if k != "csrf_token"},
        "forged_csrf": {**base, "csrf_token": ["palsu"]},
    }
    if required(form):
        sent["empty"] = {**base, **{name: [""] for name in required(form)}}
        for name in required(form):
            if controls[name]["kind"] in ("checkbox", "radio", "file"):
                sent["empty"].pop(name, None)
    if people:
        sent["wrong"] = {**base}
        for name in people:
            if controls[name]["kind"] != "file":
                sent["wrong"][name] = wrong_value(controls[name], ids)
    typed = [name for name in people if controls[name]["kind"] in TYPED]
    if typed:
        # Letters where numbers, dates and times go, the rest as the page filled it.
        sent["letters"] = {**base, **dict.fromkeys(typed, LETTERS)}
    if hidden:
        sent["tampered"] = {**base, **{n: forged(n, base[n][0], ids) for n in hidden if n in base}}
    files = [name for name in people if controls[name]["kind"] == "file"]
    for name in files:
        # A file that is no image, no PDF, no CSV: bytes that no reader takes.
        sent["wrong"][name] = (_junk_file(), "bukan-berkas.png")
        if rows is not None:
            sent["wrong_rows"] = {**base, name: (io.BytesIO(rows.encode()), "salah.csv")}
    return sent


def _junk_file() -> io.BytesIO:
    """Bytes that no reader of images, PDF files or CSV takes."""
    return io.BytesIO(b"\x00\xff\xfe bukan berkas \x00" * 4)


def with_lang(url: str) -> str:
    """``url`` asking for Indonesian."""
    return url + ("&" if "?" in url else "?") + "lang=id"


def forms_of(parser: FormFields, endpoint: str) -> list[dict]:
    """The forms of a parsed page that post to ``endpoint``."""
    urls = current_app.url_map.bind("localhost")
    return [
        form
        for form in parser.forms
        if urls.match(urlsplit(form["action"]).path, method="POST")[0] == endpoint
    ]
