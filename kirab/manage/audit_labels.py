"""The names of the audit log's actions, objects and fields, for its filters and sentences."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# The name of each action in the filter's list (the codes stay the options' values).
ACTION_NAMES = {
    "user.login": _l("Logged in"),
    "user.create": _l("Account created"),
    "user.update": _l("Account changed"),
    "user.password": _l("Password set"),
    "feed.create": _l("Personal feed created"),
    "feed.reset": _l("Personal feed reset"),
    "notifications.unsubscribe": _l("E-mails stopped from a mail"),
    "notifications.preferences": _l("E-mail choices saved"),
    "relay.create": _l("Relay created"),
    "relay.seed_national": _l("National data set loaded"),
    "route.create": _l("Route created"),
    "route.import": _l("Stops imported"),
    "stop.create": _l("Stop added"),
    "stop.delete": _l("Stop removed"),
    "stop.move": _l("Stop moved one place"),
    "stop.update": _l("Stop details changed"),
    "stop.shift": _l("Stops shifted"),
    "stop.programme": _l("Programme planned"),
    "handover.record": _l("Handover recorded"),
    "handover.file": _l("Handover file attached"),
    "event.create": _l("Event created"),
    "event.update": _l("Event changed"),
    "event.duplicate": _l("Event copied"),
    "event.publish": _l("Event published"),
    "event.cancel": _l("Event cancelled"),
    "event.withdraw": _l("Event taken off the agenda"),
    "event.delete": _l("Event deleted"),
    "event.shift": _l("Event moved with its stop"),
    "attendance.record": _l("Attendee recorded"),
    "attendance.delete": _l("Attendance record deleted"),
    "attendance.confirm_party": _l("Party of an attendee confirmed"),
    "attendance.guest_add": _l("Expected guest added"),
    "attendance.guest_remove": _l("Expected guest removed"),
    "attendance.headcount": _l("Headcount"),
    "attendance.import": _l("Attendance imported"),
    "attendance.export": _l("Attendance exported"),
    "webhook.create": _l("Webhook registered"),
    "webhook.redeliver": _l("Webhook delivery repeated"),
    "audit.export": _l("Audit log exported"),
}

# The kinds of object entries are about, as the log stores them (the filter's options).
OBJECT_TYPES = {
    "event": _l("Event"),
    "stop": _l("Stop"),
    "route": _l("Route"),
    "relay": _l("Relay"),
    "handover": _l("Handover"),
    "user": _l("Account"),
    "attendancerecord": _l("Attendance record"),
    "expectedguest": _l("Expected guest"),
    "headcounttally": _l("Headcount"),
    "webhookendpoint": _l("Webhook"),
}

# The fields an edit of an event or a stop may change.
FIELD_LABELS = {
    "kind": _l("the kind"),
    "title": _l("the title"),
    "description": _l("the description"),
    "starts_at": _l("the start"),
    "ends_at": _l("the end"),
    "venue_name": _l("the venue"),
    "venue_address": _l("the address"),
    "latitude": _l("the location"),
    "longitude": _l("the location"),
    "dapil_id": _l("the dapil"),
    "district_codes": _l("the kecamatan"),
    "party_numbers": _l("the invited parties"),
    "capacity": _l("the capacity"),
    "venue": _l("the venue"),
    "contacts": _l("the contacts"),
    "notes": _l("the notes"),
}

# How a person chose to hear of changes.
MODE_LABELS = {
    "immediate": _l("an e-mail for each change"),
    "digest": _l("one daily digest"),
    "off": _l("no e-mail"),
}


def action_name(code: str) -> str:
    """The name of an action in the current language; an unknown one is "Other change"."""
    return str(ACTION_NAMES.get(code) or _l("Other change"))


def object_type_name(code: str) -> str:
    """The name of a kind of object in the current language."""
    return str(OBJECT_TYPES.get(code) or _l("Other"))
