"""The change log as an Atom 1.0 feed (RFC 4287), built with the standard ElementTree.

Entry ids are tag URIs of the entry's number, so they stay the same across
languages, filters and pages; every link is absolute from ``KIRAB_BASE_URL``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from flask import current_app
from flask_babel import gettext as _

from kirab.changes.wording import ChangeItem
from kirab.i18n import local_datetime

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# The year in the entries' tag URIs: fixed, so an id never changes.
TAG_YEAR = 2023
# A feed with no entry yet still says when it was last updated (RFC 4287 requires it).
NEVER = datetime(2023, 1, 1, tzinfo=UTC)

ET.register_namespace("", ATOM)


def entry_id(change_id: int) -> str:
    """The stable id of an entry: a tag URI under the site's host name."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "kirab.invalid"
    return f"tag:{host},{TAG_YEAR}:kirab/changes/{change_id}"


def _add(parent: ET.Element, name: str, text: str | None = None, **attributes) -> ET.Element:
    """Append an Atom element with its text and attributes."""
    element = ET.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
    if text is not None:
        element.text = text
    return element


def _stamp(moment: datetime) -> str:
    """An RFC 3339 date-time in UTC."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _entry(feed: ET.Element, item: ChangeItem, fallback: str) -> None:
    """One entry: the headline as title, every line and the moment in its content."""
    entry = _add(feed, "entry")
    _add(entry, "id", entry_id(item.id))
    _add(entry, "title", item.headline.text, type="text")
    _add(entry, "updated", _stamp(item.occurred_at))
    _add(entry, "published", _stamp(item.occurred_at))
    urls = [line.url for line in (item.headline, *item.lines) if line.url]
    _add(entry, "link", rel="alternate", type="text/html", href=urls[0] if urls else fallback)
    when = _("Changed on %(when)s", when=local_datetime(item.occurred_at, item.timezone))
    text = "\n".join([item.headline.text, *(line.text for line in item.lines), when])
    _add(entry, "content", text, type="text")


def atom_feed(items: list[ChangeItem], *, lang: str, self_url: str, page_url: str) -> bytes:
    """The feed of a filter's newest entries, as UTF-8 bytes with its XML declaration."""
    feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: lang})
    _add(feed, "id", page_url)
    _add(feed, "title", _("Changes to the Kirab Pemilu agenda"), type="text")
    _add(feed, "subtitle", _("Events published, moved, cancelled or taken off the agenda"))
    _add(feed, "updated", _stamp(items[0].occurred_at if items else NEVER))
    _add(_add(feed, "author"), "name", "Kirab Pemilu")
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=page_url)
    for item in items:
        _entry(feed, item, page_url)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
