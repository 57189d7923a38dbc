"""The visible fields of an untouched form, rendered once per process and language.

A form's fields cost more to render than most of a page: labels looked up
in the catalogue, every choice of a party field written out, the attributes
each field carries. The attendance page shows three such forms on every
request, and they are the same until what they show changes. So the fields'
HTML is kept under what it was made of (the fields' template, the form, the
language, each visible field's name, value and choices); a party renamed in
any process changes the choices read on the next request, and with them the
key. Hidden fields (the CSRF token) are never part of the kept HTML: the
template that includes the fields renders them afresh, and the field
templates hold visible fields only. A form with errors is
always rendered afresh: its messages belong to one person's submission.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from flask import current_app, render_template
from flask_babel import get_locale
from markupsafe import Markup
from wtforms import Form

# Field types rendered by the including template, never kept: they carry a per-person value.
HIDDEN_TYPES = frozenset({"CSRFTokenField", "HiddenField"})

# How many renderings a process keeps; the pages use a handful per language.
KEPT_RENDERINGS = 256


class KeptFields:
    """Rendered fields by what they were made of, the least recently used forgotten first."""

    def __init__(self, limit: int):
        self.limit = limit
        self.kept: OrderedDict[Hashable, Markup] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> Markup | None:
        """The rendering kept under ``key``, if any."""
        with self.lock:
            found = self.kept.get(key)
            if found is not None:
                self.kept.move_to_end(key)
            return found

    def put(self, key: Hashable, html: Markup) -> None:
        """Keep a rendering, forgetting the oldest beyond the limit."""
        with self.lock:
            self.kept[key] = html
            self.kept.move_to_end(key)
            while len(self.kept) > self.limit:
                self.kept.popitem(last=False)


def _kept() -> KeptFields:
    # setdefault: two threads starting at once end up with the same store.
    return current_app.extensions.setdefault("kirab.fresh_fields", KeptFields(KEPT_RENDERINGS))


def shown_state(form: Form) -> tuple:
    """What the visible fields show: each one's name, value as given and as read, choices."""
    return tuple(
        (
            field.name,
            repr(field.data),
            repr(field.raw_data),
            repr(getattr(field, "choices", None)),
        )
        for field in form
        if field.type not in HIDDEN_TYPES
    )


def fresh_fields(template: str, form: Form) -> Markup:
    """The HTML of ``template`` rendered with ``form``, kept while what it shows stays."""
    # Templates edited while developing show at once; a form with errors is one person's.
    if form.errors or current_app.jinja_env.auto_reload:
        return Markup(render_template(template, form=form))  # noqa: S704 (rendered by Jinja)
    key = (template, type(form), form._prefix, str(get_locale()), shown_state(form))
    kept = _kept()
    html = kept.get(key)
    if html is None:
        html = Markup(render_template(template, form=form))  # noqa: S704 (rendered by Jinja)
        kept.put(key, html)
    return html
