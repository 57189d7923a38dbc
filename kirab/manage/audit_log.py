"""Reading the audit log: its filters, the entries they select, and how a page of them reads.

The filters (``person``, ``type``, ``object``, ``action``, ``from``, ``to``)
come from a GET form, so they work without JavaScript and stay in the
pager's links. A bad value raises ``FilterError`` naming its field. Dates
are days in WIB (KPU RI's zone), as the form says: an entry has no zone of
its own until its object is looked up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from kirab.audit.models import AuditEntry
from kirab.auth.models import User
from kirab.database import db
from kirab.events.filters import FilterError, _single, date_range
from kirab.manage.audit_labels import ACTION_NAMES, OBJECT_TYPES
from kirab.manage.audit_names import DEFAULT_ZONE, TYPE_ALIASES, Names, Ref
from kirab.manage.audit_words import sentence
from kirab.params import whole_number

# The ``person`` value of entries nobody logged in made (the CLI, a link in a mail).
SYSTEM = "system"
# What an object's id may look like: a number, or a code such as a region's.
OBJECT_ID = re.compile(r"[0-9A-Za-z.\-]{1,64}")


@dataclass
class AuditFilter:
    """A validated set of the audit log's filters; empty fields do not filter."""

    person: User | None = None
    system: bool = False
    object_type: str | None = None
    object_id: str | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def as_args(self) -> dict[str, str]:
        """The filter as query parameters, for links that keep it (the pager, the CSV)."""
        args = {
            "person": SYSTEM if self.system else (str(self.person.id) if self.person else None),
            "type": self.object_type,
            "object": self.object_id,
            "action": self.action,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
        }
        return {key: value for key, value in args.items() if value}

    @property
    def is_empty(self) -> bool:
        """Whether no filter is set."""
        return not self.as_args()

    def apply(self, query):
        """``query`` of entries narrowed to those the filter selects."""
        if self.system:
            query = query.where(AuditEntry.user_id.is_(None))
        elif self.person is not None:
            query = query.where(AuditEntry.user_id == self.person.id)
        if self.object_type:
            # Rows written before the proxy was unwrapped are the users' too.
            names = [self.object_type] + [old for old, new in TYPE_ALIASES.items()
                                          if new == self.object_type]  # fmt: skip
            query = query.where(AuditEntry.object_type.in_(names))
        if self.object_id:
            query = query.where(AuditEntry.object_id == self.object_id)
        if self.action:
            query = query.where(AuditEntry.action == self.action)
        zone = ZoneInfo(DEFAULT_ZONE)
        if self.date_from:
            query = query.where(AuditEntry.at >= datetime.combine(self.date_from, time(0), zone))
        if self.date_to:
            end = datetime.combine(self.date_to + timedelta(days=1), time(0), zone)
            query = query.where(AuditEntry.at < end)
        return query


def _person(value: str | None) -> tuple[User | None, bool]:
    """The person a ``person`` value names, or the system."""
    if value is None:
        return None, False
    if value == SYSTEM:
        return None, True
    number = whole_number(value)
    user = db.session.get(User, number) if number is not None else None
    if user is None:
        raise FilterError(_("Unknown person: %(person)s", person=value[:40]), "person")
    return user, False


def parse_audit_filters(args: MultiDict) -> AuditFilter:
    """Validate the audit log's query parameters; raise FilterError on any bad value."""
    result = AuditFilter()
    result.person, result.system = _person(_single(args, "person"))
    if (kind := _single(args, "type")) is not None:
        if kind not in OBJECT_TYPES:
            raise FilterError(_("Unknown kind of object: %(type)s", type=kind[:40]), "type")
        result.object_type = kind
    if (key := _single(args, "object")) is not None:
        if not OBJECT_ID.fullmatch(key):
            raise FilterError(_("An object is named by its number or code."), "object")
        if result.object_type is None:
            raise FilterError(_("Choose the kind of object as well."), "type")
        result.object_id = key
    if (action := _single(args, "action")) is not None:
        if action not in ACTION_NAMES:
            raise FilterError(_("Unknown action: %(action)s", action=action[:40]), "action")
        result.action = action
    result.date_from, result.date_to = date_range(args)
    return result


def audit_query(audit_filter: AuditFilter):
    """A select of the entries the filter selects, newest first."""
    query = db.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    return audit_filter.apply(query)


@dataclass
class AuditItem:
    """An entry as it reads: when (in its zone), the sentence, and what it is about."""

    id: int
    at: datetime
    zone: str
    html: Markup
    text: str
    actor: Ref
    subject: Ref
    action: str
    object_type: str
    object_id: str
    extra: dict = field(default_factory=dict)


def describe(entries, reader, *, links: bool = True) -> list[AuditItem]:
    """A page (or a batch) of entries as they read, their names read in bulk."""
    entries = list(entries)
    names = Names(reader, links=links).load(entries)
    items = []
    for entry in entries:
        told = sentence(entry, names)
        items.append(AuditItem(
            id=entry.id, at=entry.at, zone=names.zone(entry), html=told.html(),
            text=told.text(), actor=told.values["who"], subject=told.values["object"],
            action=entry.action, object_type=TYPE_ALIASES.get(entry.object_type,
            entry.object_type), object_id=entry.object_id,
        ))  # fmt: skip
    return items


def people_choices() -> list[tuple[str, str]]:
    """The people the filter offers: every account by name, then the system."""
    rows = db.session.execute(
        db.select(User.id, User.name, User.email).order_by(User.name, User.email)
    ).all()
    return [(str(row.id), row.name or row.email) for row in rows] + [(SYSTEM, _("The system"))]
