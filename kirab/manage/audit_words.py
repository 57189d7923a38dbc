"""How each entry of the audit log reads: one sentence per action, in the reader's language.

``SENTENCES`` holds a function per action code written anywhere in kirab/
(tests/test_manage_audit.py finds them in the source and fails on one
missing here). Each returns a translated template and its values; the
values are text or ``Ref``s, so the same sentence is a line of HTML with
links on the page and plain text in the CSV. An unknown code reads as a
generic sentence, never as the code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from babel.units import format_unit
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from kirab.attendance.forms import category_label, method_label
from kirab.events.labels import kind_label
from kirab.i18n import current_translations, local_datetime, number
from kirab.manage.audit_labels import FIELD_LABELS, MODE_LABELS
from kirab.manage.audit_names import Names, Ref, details_of
from kirab.users.forms import role_label


def _(text: str) -> str:
    """The translation of ``text``, not yet filled in (the sentence fills it)."""
    return current_translations().ugettext(text)


def ngettext(singular: str, plural: str, num: int) -> str:
    """The translation of a counted text, not yet filled in."""
    return current_translations().ungettext(singular, plural, num)


@dataclass(frozen=True)
class Sentence:
    """A translated template and the values it names."""

    template: str
    values: dict

    def html(self) -> Markup:
        """The sentence with its names escaped and linked."""
        return escape(self.template) % self.values

    def text(self) -> str:
        """The sentence as plain text."""
        return self.template % {key: str(value) for key, value in self.values.items()}


class Context:
    """What a sentence reads from: the entry, its details, the names and its zone."""

    def __init__(self, entry, names: Names):
        self.entry = entry
        self.details = details_of(entry)
        self.names = names
        self.zone = names.zone(entry)
        self.object = names.thing(entry)

    def get(self, key: str, default=None):
        """One value of the details."""
        return self.details.get(key, default)

    def when(self, value) -> str:
        """A stored ISO time in the entry's zone, as other pages write times."""
        try:
            moment = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            return ""
        return local_datetime(moment, self.zone) if moment.tzinfo else ""

    def count(self, key: str) -> int:
        """A number of the details, or the length of a list of them."""
        value = self.get(key)
        if isinstance(value, list):
            return len(value)
        return value if isinstance(value, int) and not isinstance(value, bool) else 0

    def event(self) -> Ref:
        """The event the details name."""
        return self.names.event(self.get("event_id"))


Wording = Callable[[Context], tuple[str, dict]]
MINUTES_A_DAY = 24 * 60


def _amount(hours) -> str:
    """A shift's length in its own unit: "1 hari", "2 jam", "90 menit" (never 24 hours)."""
    try:
        minutes = round(abs(float(hours)) * 60)
    except (TypeError, ValueError, OverflowError):
        return ""
    if minutes and minutes % MINUTES_A_DAY == 0:
        count, unit = minutes // MINUTES_A_DAY, "duration-day"
    elif minutes % 60 == 0:
        count, unit = minutes // 60, "duration-hour"
    else:
        count, unit = minutes, "duration-minute"
    return format_unit(count, unit, length="long", locale=str(get_locale() or "id"))


def _later(hours) -> bool:
    try:
        return float(hours) >= 0
    except (TypeError, ValueError):
        return True


def _fields(ctx: Context, keys) -> str:
    """The names of changed fields, joined."""
    return ", ".join(str(FIELD_LABELS.get(key, _("another field"))) for key in keys)


def _user_update(ctx: Context):
    state = _("active") if ctx.get("active", True) else _("deactivated")
    return _("%(who)s changed the account %(object)s: %(role)s, %(state)s"), {
        "role": role_label(str(ctx.get("role", ""))), "state": state}  # fmt: skip


def _arrivals_moved(ctx: Context) -> int:
    """How many stops a shift gave a new arrival (the one before only leaves later)."""
    stops = ctx.get("stops")
    if not isinstance(stops, list):
        return 1
    moved = [stop for stop in stops if isinstance(stop, dict)
             and len(set(map(str, stop.get("receives_at") or []))) > 1]  # fmt: skip
    return len(moved) or 1


def _stop_shift(ctx: Context):
    num = _arrivals_moved(ctx)
    values = {"num": number(num), "route": ctx.names.route_of_stop(ctx.entry.object_id,
              ctx.get("route")), "amount": _amount(ctx.get("hours"))}  # fmt: skip
    if _later(ctx.get("hours")):
        return ngettext("%(who)s shifted %(num)s stop of %(route)s %(amount)s later, "
                        "from %(object)s on", "%(who)s shifted %(num)s stops of %(route)s "
                        "%(amount)s later, from %(object)s on", num), values  # fmt: skip
    return ngettext("%(who)s shifted %(num)s stop of %(route)s %(amount)s earlier, "
                    "from %(object)s on", "%(who)s shifted %(num)s stops of %(route)s "
                    "%(amount)s earlier, from %(object)s on", num), values  # fmt: skip


def _event_shift(ctx: Context):
    times = ctx.get("starts_at") or [None, None]
    values = {"amount": _amount(ctx.get("hours")), "new": ctx.when(times[-1])}
    if _later(ctx.get("hours")):
        return _("%(who)s moved %(object)s %(amount)s later with its stop, to %(new)s"), values
    return _("%(who)s moved %(object)s %(amount)s earlier with its stop, to %(new)s"), values


def _stop_move(ctx: Context):
    route = ctx.names.route_of_stop(ctx.entry.object_id, ctx.get("route"))
    if ctx.get("direction") == "up":
        return _("%(who)s moved %(object)s one place earlier in %(route)s"), {"route": route}
    return _("%(who)s moved %(object)s one place later in %(route)s"), {"route": route}


def _event_update(ctx: Context):
    changes = ctx.get("changes") or {}
    values = {"fields": _fields(ctx, changes)}
    times = changes.get("starts_at") if isinstance(changes, dict) else None
    if isinstance(times, list) and len(times) == 2:
        values.update(old=ctx.when(times[0]), new=ctx.when(times[1]))
        return _("%(who)s changed %(fields)s of %(object)s; it now starts %(new)s "
                 "(was %(old)s)"), values  # fmt: skip
    return _("%(who)s changed %(fields)s of %(object)s"), values


def _stop_update(ctx: Context):
    keys = [key for key in ("venue", "contacts", "notes") if key in ctx.details]
    if not keys:
        return _("%(who)s saved %(object)s without changes"), {}
    return _("%(who)s changed %(fields)s of %(object)s"), {"fields": _fields(ctx, keys)}


def _handover_record(ctx: Context):
    values = {"items": number(ctx.count("items"))}
    if ctx.get("actual_at"):
        values["when"] = ctx.when(ctx.get("actual_at"))
        return _("%(who)s recorded %(object)s as held %(when)s, %(items)s items ticked"), values
    return _("%(who)s recorded %(object)s, %(items)s items ticked, no actual time yet"), values


def _handover_file(ctx: Context):
    kind = _("a signed scan") if ctx.get("kind") == "scan" else _("a photo")
    size = number(round(ctx.count("size") / 1024)) if ctx.count("size") else "0"
    return _("%(who)s attached %(kind)s (%(size)s kB) to %(object)s"), {"kind": kind, "size": size}


def _route_import(ctx: Context):
    return _("%(who)s imported the stops of %(object)s: %(created)s new, %(updated)s changed, "
             "%(removed)s removed, %(unchanged)s unchanged"), {
        key: number(ctx.count(key)) for key in ("created", "updated", "removed", "unchanged")
    }  # fmt: skip


def _programme(ctx: Context):
    num = ctx.count("events")
    return ngettext("%(who)s planned %(num)s event (%(kind)s) at %(object)s",
                    "%(who)s planned %(num)s events (%(kind)s) at %(object)s", num), {
        "num": number(num), "kind": kind_label(str(ctx.get("kind", "")))}  # fmt: skip


def _preferences(ctx: Context):
    mode = str(MODE_LABELS.get(ctx.get("email"), _("another choice")))
    return _("%(who)s set the e-mails of %(object)s to: %(mode)s"), {"mode": mode}


def _attendee(template, keys: tuple) -> Wording:
    """A sentence about one attendance record or guest at the event its details name."""

    def wording(ctx: Context):
        values = {"event": ctx.names.attendance_of(ctx.get("event_id"))}
        if "category" in keys:
            values["category"] = category_label(str(ctx.get("category", "")))
        if "method" in keys:
            values["method"] = method_label(str(ctx.get("method", "")))
        if "reason" in keys:
            values["reason"] = str(ctx.get("reason") or "")
        if "count" in keys:
            values["count"] = number(ctx.count("count"))
        return str(template), values

    return wording


def _plain(template, extra: dict[str, Callable[[Context], object]]) -> Wording:
    """A sentence whose values are the object and ``extra``'s, read from the context."""
    return lambda ctx: (str(template), {key: get(ctx) for key, get in extra.items()})


def _reason(ctx: Context) -> str:
    return str(ctx.get("reason") or "")


def _role(ctx: Context) -> str:
    return role_label(str(ctx.get("role", "")))


def _route(ctx: Context) -> Ref:
    return ctx.names.route(ctx.get("route"))


# Sentences whose values are read straight from the details: (template, values).
PLAIN: dict[str, tuple] = {
    "user.login": (_l("%(who)s logged in"), {}),
    "user.create": (_l("%(who)s created the account %(object)s (%(role)s)"), {"role": _role}),
    "user.password": (_l("%(who)s set a new password for %(object)s"), {}),
    "feed.create": (_l("%(who)s created the personal calendar feed of %(object)s"), {}),
    "feed.reset": (_l("%(who)s reset the personal calendar feed of %(object)s"), {}),
    "notifications.unsubscribe": (
        _l("%(object)s stopped the e-mails through the link in a mail"), {}),
    "relay.create": (_l("%(who)s created the relay %(object)s"), {}),
    "relay.seed_national": (_l("%(who)s loaded the national data set into %(object)s"), {}),
    "route.create": (_l("%(who)s added the route %(object)s to %(relay)s"),
                     {"relay": lambda ctx: ctx.names.relay(ctx.get("relay"))}),
    "stop.create": (_l("%(who)s added %(object)s to %(route)s as stop %(position)s, from %(when)s"),
                    {"route": _route, "position": lambda ctx: number(ctx.count("position")),
                     "when": lambda ctx: ctx.when(ctx.get("receives_at"))}),
    "stop.delete": (_l("%(who)s removed %(object)s from %(route)s"), {"route": _route}),
    "event.create": (_l("%(who)s created the draft %(object)s at %(stop)s"),
                     {"stop": lambda ctx: ctx.names.stop(ctx.get("stop"))}),
    "event.duplicate": (_l("%(who)s copied %(source)s as the draft %(object)s"),
                        {"source": lambda ctx: ctx.names.event(ctx.get("source"))}),
    "event.publish": (_l("%(who)s published %(object)s"), {}),
    "event.cancel": (_l("%(who)s cancelled %(object)s: %(reason)s"), {"reason": _reason}),
    "event.withdraw": (_l("%(who)s took %(object)s off the agenda"), {}),
    "event.delete": (_l("%(who)s deleted %(object)s"), {}),
    "attendance.import": (
        _l("%(who)s imported attendance into %(object)s: %(added)s added, %(skipped)s skipped"),
        {"added": lambda ctx: number(ctx.count("added")),
         "skipped": lambda ctx: number(ctx.count("skipped"))}),
    "attendance.export": (_l("%(who)s exported the attendance of %(object)s"), {}),
    "webhook.create": (_l("%(who)s registered the webhook %(object)s"), {}),
    "webhook.redeliver": (_l("%(who)s asked for a delivery to %(object)s again"), {}),
    "audit.export": (_l("%(who)s exported the audit log"), {}),
}  # fmt: skip

# Sentences about one attendance record or guest, at the event its details name.
ATTENDEES: dict[str, tuple] = {
    "attendance.record": (
        _l("%(who)s recorded an attendee (%(category)s, %(method)s) at %(event)s"),
        ("category", "method")),
    "attendance.delete": (
        _l("%(who)s deleted an attendance record (%(method)s) of %(event)s at the person's "
           "request: %(reason)s"), ("method", "reason")),
    "attendance.confirm_party": (
        _l("%(who)s confirmed the party of an attendee at %(event)s"), ()),
    "attendance.guest_add": (
        _l("%(who)s added an expected guest (%(category)s) to %(event)s"), ("category",)),
    "attendance.guest_remove": (_l("%(who)s removed an expected guest from %(event)s"), ()),
    "attendance.headcount": (
        _l("%(who)s counted %(count)s people (%(category)s) at %(event)s"),
        ("count", "category")),
}  # fmt: skip

SENTENCES: dict[str, Wording] = {
    **{code: _plain(*spec) for code, spec in PLAIN.items()},
    **{code: _attendee(*spec) for code, spec in ATTENDEES.items()},
    "user.update": _user_update,
    "notifications.preferences": _preferences,
    "route.import": _route_import,
    "stop.move": _stop_move,
    "stop.update": _stop_update,
    "stop.shift": _stop_shift,
    "stop.programme": _programme,
    "handover.record": _handover_record,
    "handover.file": _handover_file,
    "event.update": _event_update,
    "event.shift": _event_shift,
}


def _generic(ctx: Context):
    return _("%(who)s changed %(object)s"), {}


def sentence(entry, names: Names) -> Sentence:
    """The entry as a sentence; an unknown action reads as a change to its object."""
    ctx = Context(entry, names)
    template, values = SENTENCES.get(entry.action, _generic)(ctx)
    return Sentence(template, {"who": names.actor(entry), "object": ctx.object, **values})
