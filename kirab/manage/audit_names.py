"""Who and what the audit log's entries name, looked up in bulk.

A page (or a batch of the CSV export) of entries needs the names of their
actors, of the objects they changed, and of what their details point at
(the event of an attendance record, the route of a stop). ``Names`` reads
them with one query per kind of object, however many entries there are,
and makes each a ``Ref``: its name, and a link where the reader may open it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from flask import url_for
from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload

from kirab.auth.models import User
from kirab.database import db
from kirab.events.models import Event
from kirab.i18n import current_translations
from kirab.permissions import (
    can_manage_users,
    can_read_attendance,
    can_view_event,
    can_view_handover,
    is_committee,
)
from kirab.regions.models import Office
from kirab.relay.models import Handover, Relay, Route, Stop
from kirab.webhooks.models import WebhookEndpoint

# Entries about an object with no zone of its own (an account, a route) are told in WIB,
# the zone of KPU RI.
DEFAULT_ZONE = "Asia/Jakarta"
# Object types written under another name: Flask-Login's proxy stood for the user.
TYPE_ALIASES = {"localproxy": "user"}
# What the details of an entry point at, by key: the kind of object and the type of its key.
DETAIL_REFERENCES = {
    "event_id": "event",
    "source": "event",
    "stop": "stop",
    "route": "route",
    "relay": "relay",
}


def _(text: str) -> str:
    """The translation of ``text``, not yet filled in (the sentence fills it)."""
    return current_translations().ugettext(text)


def object_type(entry) -> str:
    """The entry's object type, old names read as their new ones."""
    return TYPE_ALIASES.get(entry.object_type, entry.object_type)


def whole(value) -> int | None:
    """A stored id as a number, None when it is none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 10:
        return int(value)
    return None


@dataclass(frozen=True)
class Ref:
    """Something a sentence names: its name, and its page when the reader may open it."""

    text: str
    url: str | None = None

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> str:
        if self.url:
            return Markup('<a href="%s">%s</a>') % (self.url, self.text)
        return str(escape(self.text))


def details_of(entry) -> dict:
    """The entry's details, always a dictionary."""
    return entry.details if isinstance(entry.details, dict) else {}


class Names:
    """The names and pages of what a set of entries mentions, read in one query per kind."""

    def __init__(self, reader, *, links: bool = True):
        self.reader = reader
        self.links = links
        self.users: dict[int, User] = {}
        self.events: dict[int, Event] = {}
        self.stops: dict[int, Stop] = {}
        self.routes: dict[int, str] = {}
        self.relays: dict[int, str] = {}
        self.handovers: dict[int, Handover] = {}
        self.webhooks: dict[int, str] = {}
        self.offices: dict[str, str] = {}

    def load(self, entries: Iterable) -> Names:
        """Read everything ``entries`` name; return self."""
        wanted: dict[str, set] = defaultdict(set)
        for entry in entries:
            if entry.user_id is not None:
                wanted["user"].add(entry.user_id)
            if (number := whole(entry.object_id)) is not None:
                wanted[object_type(entry)].add(number)
            details = details_of(entry)
            for key, kind in DETAIL_REFERENCES.items():
                if (number := whole(details.get(key))) is not None:
                    wanted[kind].add(number)
            if isinstance(details.get("region"), str):
                wanted["office"].add(details["region"])
        self._read(wanted)
        return self

    def _read(self, wanted: dict[str, set]) -> None:
        """One query per kind of object wanted."""
        rows = db.session.execute
        if ids := wanted.get("user"):
            self.users = {user.id: user for user in rows(db.select(User).where(User.id.in_(ids)))
                          .scalars()}  # fmt: skip
        if ids := wanted.get("event"):
            query = (
                db.select(Event)
                .where(Event.id.in_(ids))
                .options(joinedload(Event.stop).joinedload(Stop.office).joinedload(Office.region))
            )
            self.events = {event.id: event for event in rows(query).scalars()}
        if ids := wanted.get("stop"):
            query = (
                db.select(Stop)
                .where(Stop.id.in_(ids))
                .options(joinedload(Stop.route), joinedload(Stop.office).joinedload(Office.region))
            )
            self.stops = {stop.id: stop for stop in rows(query).scalars()}
        if ids := wanted.get("route"):
            self.routes = dict(rows(db.select(Route.id, Route.name).where(Route.id.in_(ids))).all())
        if ids := wanted.get("relay"):
            self.relays = dict(rows(db.select(Relay.id, Relay.name).where(Relay.id.in_(ids))).all())
        if ids := wanted.get("handover"):
            query = (
                db.select(Handover)
                .where(Handover.id.in_(ids))
                .options(
                    joinedload(Handover.from_stop)
                    .joinedload(Stop.office)
                    .joinedload(Office.region),
                    joinedload(Handover.to_stop).joinedload(Stop.office).joinedload(Office.region),
                )
            )
            self.handovers = {handover.id: handover for handover in rows(query).scalars()}
        if ids := wanted.get("webhookendpoint"):
            query = db.select(WebhookEndpoint.id, WebhookEndpoint.url)
            self.webhooks = dict(rows(query.where(WebhookEndpoint.id.in_(ids))).all())
        if codes := wanted.get("office"):
            query = db.select(Office.region_code, Office.name).where(Office.region_code.in_(codes))
            self.offices = dict(rows(query).all())

    def _link(self, allowed: bool, endpoint: str, **values) -> str | None:
        """The page's address when links are wanted and the reader may open it."""
        return url_for(endpoint, **values) if self.links and allowed else None

    # One function per kind of object: its name, its page, and a name when it is gone.

    def user(self, user_id) -> Ref:
        """An account by its name (or email)."""
        user = self.users.get(whole(user_id))
        if user is None:
            return Ref(_("account no. %(id)s") % {"id": user_id})
        link = self._link(can_manage_users(self.reader), "users.edit", user_id=user.id)
        return Ref(user.name or user.email, link)

    def actor(self, entry) -> Ref:
        """Who made the change; the system when nobody logged in did."""
        if entry.user_id is None:
            return Ref(_("The system"))
        return self.user(entry.user_id)

    def event(self, event_id, title: str | None = None) -> Ref:
        """An event by its title, linked to its page while the reader may see it."""
        event = self.events.get(whole(event_id))
        if event is None:
            return Ref(title or _("event no. %(id)s") % {"id": event_id})
        link = self._link(can_view_event(self.reader, event), "events.show", event_id=event.id)
        return Ref(event.title, link)

    def attendance_of(self, event_id) -> Ref:
        """An event named for its attendance, linked to its attendance page."""
        event = self.events.get(whole(event_id))
        if event is None:
            return self.event(event_id)
        allowed = can_read_attendance(self.reader, event)
        return Ref(event.title, self._link(allowed, "attendance.event_page", event_id=event.id))

    def stop(self, stop_id, region: str | None = None) -> Ref:
        """A stop by its host office, linked to the stop's events."""
        stop = self.stops.get(whole(stop_id))
        if stop is None:
            office = self.offices.get(region) if region else None
            return Ref(office or _("stop no. %(id)s") % {"id": stop_id})
        link = self._link(is_committee(self.reader), "schedule.stop", stop_id=stop.id)
        return Ref(stop.office.name, link)

    def route(self, route_id) -> Ref:
        """A route by its name."""
        name = self.routes.get(whole(route_id))
        if name is None:
            return Ref(_("route no. %(id)s") % {"id": route_id})
        return Ref(name, self._link(is_committee(self.reader), "planning.route",
                                    route_id=whole(route_id)))  # fmt: skip

    def route_of_stop(self, stop_id, route_id) -> Ref:
        """The route a stop belongs (or belonged) to."""
        stop = self.stops.get(whole(stop_id))
        return self.route(stop.route_id if stop is not None else route_id)

    def relay(self, relay_id) -> Ref:
        """A relay by its name."""
        name = self.relays.get(whole(relay_id))
        if name is None:
            return Ref(_("relay no. %(id)s") % {"id": relay_id})
        return Ref(name, self._link(is_committee(self.reader), "planning.relays"))

    def handover(self, handover_id) -> Ref:
        """A handover by the two offices."""
        handover = self.handovers.get(whole(handover_id))
        if handover is None:
            return Ref(_("handover no. %(id)s") % {"id": handover_id})
        text = _("the handover from %(giver)s to %(receiver)s") % {
            "giver": handover.from_stop.office.name,
            "receiver": handover.to_stop.office.name,
        }
        allowed = can_view_handover(self.reader)
        return Ref(text, self._link(allowed, "planning.handover", handover_id=handover.id))

    def webhook(self, endpoint_id) -> Ref:
        """A webhook endpoint by its address."""
        url = self.webhooks.get(whole(endpoint_id))
        if url is None:
            return Ref(_("webhook no. %(id)s") % {"id": endpoint_id})
        allowed = can_manage_users(self.reader)
        return Ref(url, self._link(allowed, "webhooks.endpoint", endpoint_id=whole(endpoint_id)))

    def thing(self, entry) -> Ref:
        """The entry's object, whatever its kind."""
        kind, key = object_type(entry), entry.object_id
        named = {
            "user": self.user,
            "event": lambda key: self.event(key, details_of(entry).get("title")),
            "stop": lambda key: self.stop(key, details_of(entry).get("region")),
            "route": self.route,
            "relay": self.relay,
            "handover": self.handover,
            "webhookendpoint": self.webhook,
        }.get(kind)
        if named is not None:
            return named(key)
        event_id = details_of(entry).get("event_id")
        if event_id is not None:
            return self.attendance_of(event_id)
        return Ref(_("an item of the log"))

    def zone(self, entry) -> str:
        """The zone the entry is told in: its event's or stop's, otherwise WIB."""
        kind, key = object_type(entry), whole(entry.object_id)
        details = details_of(entry)
        event = self.events.get(key if kind == "event" else whole(details.get("event_id")))
        if event is not None:
            return event.timezone
        stop = self.stops.get(key if kind == "stop" else whole(details.get("stop")))
        if stop is not None:
            return stop.timezone
        handover = self.handovers.get(key) if kind == "handover" else None
        if handover is not None:
            return handover.to_stop.timezone
        return DEFAULT_ZONE
