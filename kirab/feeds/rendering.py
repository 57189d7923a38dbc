"""How events read in a feed: their VEVENT blocks, the words and links inside them.

The blocks depend on the event, on the words of the feed's language and on
the base URL; ``fingerprint`` stands for the latter two, so a stored block is
current while its event's sequence, last change and fingerprint are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from kirab.database import db
from kirab.events.labels import KIND_LABELS
from kirab.events.models import Event
from kirab.feeds import ics
from kirab.regions.models import Office
from kirab.relay.models import Stop

# Raise when the rendering of events changes, so stored VEVENT blocks are rebuilt.
RENDER_VERSION = "1"
# Events are read and written in groups of this many (an IN list the databases take well).
CHUNK = 500


# -- words and links ---------------------------------------------------------------------------


def wording(lang: str) -> ics.Wording:
    """The words inside events, in the feed's language (worked out once per process)."""
    known = current_app.extensions.setdefault("kirab.feeds.wording", {})
    if lang not in known:
        known[lang] = _wording(lang)
    return known[lang]


def _wording(lang: str) -> ics.Wording:
    with force_locale(lang):
        return ics.Wording(
            cancelled=_("Cancelled: %(title)s", title="%(title)s"),
            reason=_("Reason for cancellation: %(reason)s", reason="%(reason)s"),
            host=_("Host: %(office)s", office="%(office)s"),
            dapil=_("Dapil: %(dapil)s", dapil="%(dapil)s"),
            districts=_("Kecamatan: %(names)s", names="%(names)s"),
            details=_("Details: %(url)s", url="%(url)s"),
            kinds={kind: str(label) for kind, label in KIND_LABELS.items()},
        )


def fingerprint(lang: str) -> str:
    """What every rendered event of a language also depends on: base URL, words, version."""
    material = [RENDER_VERSION, current_app.config["BASE_URL"], lang, repr(wording(lang))]
    known = current_app.extensions.setdefault("kirab.feeds.fingerprint", {})
    key = tuple(material)
    if key not in known:
        known[key] = hashlib.sha256(json.dumps(material).encode()).hexdigest()
    return known[key]


def link(endpoint: str, lang: str, **values) -> str:
    """An absolute link from ``KIRAB_BASE_URL`` (never the Host), also outside a request."""
    if lang != "id":
        values["lang"] = lang
    adapter = current_app.url_map.bind("kirab.invalid")
    return current_app.config["BASE_URL"] + adapter.build(endpoint, values)


def event_link(event_id: int, lang: str) -> str:
    """The absolute address of an event's page."""
    return link("events.show", lang, event_id=event_id)


# -- VEVENT blocks -----------------------------------------------------------------------------


def chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    """``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_events(ids: Sequence[int]) -> list[Event]:
    """Events with everything their VEVENT shows, in a few queries."""
    events: list[Event] = []
    for chunk in chunks(list(ids)):
        events += db.session.execute(
            select(Event)
            .where(Event.id.in_(chunk))
            .options(
                joinedload(Event.stop).joinedload(Stop.office).joinedload(Office.region),
                joinedload(Event.dapil),
                selectinload(Event.districts),
            )
        ).scalars()
    return events


def render_events(ids: Sequence[int], lang: str) -> list[tuple[Event, bytes]]:
    """Each event with its VEVENT block rendered now, in the feed's language."""
    words = wording(lang)
    return [
        (event, ics.render_event(event, words, event_link(event.id, lang)))
        for event in load_events(ids)
    ]
