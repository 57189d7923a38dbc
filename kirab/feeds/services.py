"""Which events a feed holds, and building each feed once per change of its data.

A request for a feed costs two small queries while nothing changed: the
data version (a counter every change to feed data raises, see models.py)
and the stored feed with its validators. After a change, the feed's members
are listed (ids, sequences, last changes); when they are the same as before
the stored body is kept, otherwise the body is assembled again from the
events' stored VEVENT blocks, rendering only the events that changed.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from kirab.auth.models import User
from kirab.database import db
from kirab.events.filters import EventFilter, region_condition
from kirab.events.labels import KIND_LABELS
from kirab.events.models import CANCELLED, DRAFT, Event, event_parties
from kirab.feeds import ics
from kirab.feeds.models import STATE_ID, FeedDocument, FeedState, RenderedEvent
from kirab.i18n import number, short_date
from kirab.regions.models import NATIONAL_TIMEZONE, Office, Party, Region
from kirab.relay.models import Stop

# A feed holds at most this many events: Google drops events from feeds over about 1 MB.
MAX_EVENTS = 1000
# Without ``from``, a larger feed keeps events that ended at most this long ago.
WINDOW = timedelta(days=30)
# The day a feed is built for (its window, cancelled events dropping out) is the national day.
DAY_ZONE = ZoneInfo(NATIONAL_TIMEZONE)
LANGUAGES = ("id", "en")
# Raise when the rendering of events changes, so stored VEVENT blocks are rebuilt.
RENDER_VERSION = "1"
# Assembled feeds not asked for in this many days are dropped from the store.
KEEP_DAYS = 7
CHUNK = 500
# Joins the parts of a feed's name: no comma, which calendar names would show escaped in some apps.
SEPARATOR = " · "


def feed_language(args) -> str:
    """A feed's text is Indonesian unless its address asks for English (``lang=en``)."""
    return "en" if args.get("lang") == "en" else "id"


def feed_day(now: datetime) -> date:
    """The day a feed is built for: today in WIB."""
    return now.astimezone(DAY_ZONE).date()


def day_start(day: date) -> datetime:
    """Midnight WIB at the start of ``day``."""
    return datetime.combine(day, time(0), DAY_ZONE)


def whole_seconds(moment: datetime) -> datetime:
    """An aware UTC moment without its fraction of a second (HTTP dates have none)."""
    return moment.astimezone(UTC).replace(microsecond=0)


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


# -- what a feed is ----------------------------------------------------------------------------


@dataclass
class Description:
    """What a feed says about itself, in its language."""

    name: str
    text: str
    timezone: str


@dataclass
class FeedSpec:
    """A feed: what identifies it, which events it selects, how it describes itself.

    The description is worked out only when the feed is rebuilt.
    """

    scope: list  # identifies the feed in the store, with the language
    narrow: Callable  # adds the feed's conditions to a select of events
    describe: Callable[[str], Description]
    date_from: date | None = None


def filter_parts(event_filter: EventFilter) -> list[str]:
    """What a filter selects, in words of the current language."""
    parts = []
    if event_filter.route:
        parts.append(event_filter.route.name)
    if event_filter.region:
        parts.append(event_filter.region.name)
    if event_filter.dapil:
        parts.append(event_filter.dapil.name)
    parts += [str(KIND_LABELS[kind]) for kind in event_filter.kinds]
    if event_filter.date_from:
        parts.append(_("from %(date)s", date=short_date(event_filter.date_from)))
    if event_filter.date_to:
        parts.append(_("to %(date)s", date=short_date(event_filter.date_to)))
    return parts


def filter_timezone(event_filter: EventFilter) -> str:
    """The zone a filter's events are mostly in, for X-WR-TIMEZONE."""
    if event_filter.region is not None:
        return event_filter.region.timezone
    if event_filter.dapil is not None:
        return event_filter.dapil.region.timezone
    return NATIONAL_TIMEZONE


def public_feed_name(event_filter: EventFilter, lang: str) -> str:
    """The name of a filter's feed, saying what the filter is."""
    with force_locale(lang):
        what = SEPARATOR.join(filter_parts(event_filter)) or _("all events")
        return _("Kirab Pemilu: %(what)s", what=what)


def public_spec(event_filter: EventFilter) -> FeedSpec:
    """The feed of an agenda filter."""
    args = event_filter.as_args()

    def describe(lang: str) -> Description:
        with force_locale(lang):
            what = SEPARATOR.join(filter_parts(event_filter)) or _("all events")
            text = _(
                "Agenda of Kirab Pemilu, the election outreach relay of the KPU: %(what)s. "
                "On the web: %(url)s",
                what=what,
                url=link("events.agenda", lang, **args),
            )
        return Description(
            public_feed_name(event_filter, lang), text, filter_timezone(event_filter)
        )

    canonical = sorted((k, v if isinstance(v, str) else sorted(v)) for k, v in args.items())
    return FeedSpec(
        scope=["public", canonical],
        narrow=event_filter.apply,
        describe=describe,
        date_from=event_filter.date_from,
    )


def personal_condition(user: User):
    """Events of the regions the user follows, and events their party is invited to."""
    conditions = [region_condition(code) for code in user.region_codes]
    if user.party_number is not None:
        invited = select(event_parties.c.event_id).where(
            event_parties.c.party_number == user.party_number
        )
        conditions.append(Event.id.in_(invited))
    return or_(*conditions) if conditions else Event.id.is_(None)


def personal_parts(user: User) -> list[str]:
    """What a personal feed holds, in words of the current language."""
    parts = []
    if user.region_codes:
        regions = db.session.execute(
            select(Region.name).where(Region.code.in_(user.region_codes)).order_by(Region.code)
        ).scalars()
        parts += regions
    if user.party_number is not None:
        party = db.session.get(Party, user.party_number)
        parts.append(_("events %(party)s is invited to", party=party.abbreviation))
    return parts


def personal_spec(user: User) -> FeedSpec:
    """A user's personal feed: followed regions and invitations of their party."""
    condition = personal_condition(user)

    def describe(lang: str) -> Description:
        zone = NATIONAL_TIMEZONE
        if user.region_codes:
            region = db.session.get(Region, user.region_codes[0])
            zone = region.timezone if region else zone
        with force_locale(lang):
            what = SEPARATOR.join(personal_parts(user)) or _("no regions followed yet")
            name = _("Kirab Pemilu: my agenda (%(what)s)", what=what)
            text = _(
                "Personal agenda of Kirab Pemilu: %(what)s. Keep its address to yourself.",
                what=what,
            )
        return Description(name, text, zone)

    return FeedSpec(
        scope=["user", user.id],
        narrow=lambda query: query.where(condition),
        describe=describe,
    )


# -- members -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """An event in a feed, as far as the feed's bytes depend on it."""

    id: int
    sequence: int
    updated_at: datetime
    timezone: str
    # Whether a current VEVENT block of the event is stored for the feed's language.
    rendered: bool = False


def _member_select(spec: FeedSpec, cutoff: datetime, lang: str, *columns):
    """Published events of the feed, and cancelled ones that have not ended, oldest first."""
    current = and_(
        RenderedEvent.event_id == Event.id,
        RenderedEvent.lang == lang,
        RenderedEvent.sequence == Event.sequence,
        RenderedEvent.updated_at == Event.updated_at,
        RenderedEvent.fingerprint == fingerprint(lang),
    )
    query = (
        select(*columns)
        .select_from(Event)
        .join(Stop, Event.stop_id == Stop.id)
        .join(Office, Stop.office_id == Office.id)
        .join(Region, Office.region_code == Region.code)
        .outerjoin(RenderedEvent, current)
        .where(
            Event.deleted_at.is_(None),
            # Written as inequalities on purpose: an equality on the status would lead the
            # database to the status index and a sort of every event, instead of reading
            # the starts_at index in order and stopping after MAX_EVENTS + 1 rows.
            Event.status != DRAFT,
            or_(Event.status != CANCELLED, Event.ends_at >= cutoff),
        )
    )
    return spec.narrow(query).order_by(Event.starts_at, Event.id)


MEMBER_COLUMNS = (
    Event.id, Event.sequence, Event.updated_at, Region.timezone,
    RenderedEvent.event_id.is_not(None),
)  # fmt: skip


def _count(query) -> int:
    """How many rows a select of members gives, counting no further than MAX_EVENTS + 1."""
    limited = query.with_only_columns(Event.id).order_by(None).limit(MAX_EVENTS + 1)
    return (
        db.session.connection()
        .execute(select(func.count()).select_from(limited.subquery()))
        .scalar()
    )


def _members(query) -> list[Member]:
    rows = db.session.connection().execute(query.limit(MAX_EVENTS))
    return [Member(*row) for row in rows]


def select_members(
    spec: FeedSpec, day: date, lang: str, description: str
) -> tuple[list[Member], str]:
    """The feed's events on ``day`` and its description, with the size rule applied.

    Up to MAX_EVENTS events the feed is complete. A larger feed without
    ``from`` keeps the earliest MAX_EVENTS of the events ending WINDOW ago or
    later; one with ``from`` keeps its first MAX_EVENTS. Either way the
    description says so and how to narrow the filter. A cancelled event
    stays until the day it ended is over.
    """
    cutoff = day_start(day)
    query = _member_select(spec, cutoff, lang, *MEMBER_COLUMNS)
    note = None
    if _count(query) > MAX_EVENTS:
        with force_locale(lang):
            limit = number(MAX_EVENTS)
            if spec.date_from is None:
                since = (cutoff - WINDOW).date()
                query = query.where(Event.ends_at >= cutoff - WINDOW)
                note = _(
                    "This feed holds only the %(max)s earliest events ending on or after "
                    "%(date)s. For others, narrow its address with region, dapil, kind or "
                    "route, or give from and to.",
                    max=limit,
                    date=short_date(since),
                )
            else:
                note = _(
                    "This feed holds only the first %(max)s events from %(date)s. For the "
                    "rest, narrow its address with to, region, dapil, kind or route.",
                    max=limit,
                    date=short_date(spec.date_from),
                )
    members = _members(query)
    return members, description + (" " + note if note else "")


# -- rendered events ---------------------------------------------------------------------------


def _chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert(table):
    """An INSERT that can say what to do on a conflict, for the database in use."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def load_events(ids: Sequence[int]) -> list[Event]:
    """Events with everything their VEVENT shows, in a few queries."""
    events: list[Event] = []
    for chunk in _chunks(list(ids)):
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


def event_blocks(members: Sequence[Member], lang: str) -> list[bytes]:
    """The VEVENT block of each member: stored ones as they are, the others rendered and stored."""
    blocks: dict[int, bytes] = {}
    connection = db.session.connection()
    for chunk in _chunks([m.id for m in members if m.rendered]):
        rows = connection.execute(
            select(RenderedEvent.event_id, RenderedEvent.body).where(
                RenderedEvent.lang == lang, RenderedEvent.event_id.in_(chunk)
            )
        )
        blocks.update((event_id, body) for event_id, body in rows)
    stale = [m.id for m in members if m.id not in blocks]
    if stale:
        words, stamp = wording(lang), fingerprint(lang)
        fresh = []
        for event in load_events(stale):
            body = ics.render_event(event, words, event_link(event.id, lang))
            blocks[event.id] = body
            fresh.append(
                dict(event_id=event.id, lang=lang, sequence=event.sequence,
                     updated_at=event.updated_at, fingerprint=stamp, body=body)
            )  # fmt: skip
        table = RenderedEvent.__table__
        for chunk in _chunks(fresh):
            statement = _insert(table)
            statement = statement.on_conflict_do_update(
                index_elements=[table.c.event_id, table.c.lang],
                set_={name: statement.excluded[name]
                      for name in ("sequence", "updated_at", "fingerprint", "body")},
            )  # fmt: skip
            db.session.execute(statement, list(chunk))
    return [blocks[member.id] for member in members]


# -- stored feeds ------------------------------------------------------------------------------


@dataclass
class Feed:
    """A feed ready to answer with: validators now, the body when needed."""

    key: str
    etag: str
    last_modified: datetime
    body_loader: Callable[[], bytes]
    _body: bytes | None = None
    # Whether building it wrote to the store (the caller commits then).
    written: bool = False

    @property
    def body(self) -> bytes:
        """The feed's bytes (read from the store only when a response needs them)."""
        if self._body is None:
            self._body = self.body_loader()
        return self._body


def make_etag(day: date, body_hash: str) -> str:
    """A strong ETag of the body and the day it was built for (date-bound content)."""
    return f"{body_hash[:32]}-{day:%Y%m%d}"


def _key(spec: FeedSpec, lang: str) -> str:
    return hashlib.sha256(json.dumps([spec.scope, lang], default=str).encode()).hexdigest()


VALIDATOR_COLUMNS = (
    FeedDocument.day, FeedDocument.data_version, FeedDocument.fingerprint,
    FeedDocument.members_hash, FeedDocument.body_hash, FeedDocument.last_modified,
)  # fmt: skip


class BodyCopies:
    """Recently served feed bodies, copied in this process's memory.

    The store in the database stays the truth: a copy is used only when its
    hash is the one the store holds now, so every process serves the same
    bytes. It saves reading a megabyte from the database for every poll.
    """

    def __init__(self, limit_bytes: int):
        self.limit = limit_bytes
        self.size = 0
        self.copies: OrderedDict[str, tuple[str, bytes]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, body_hash: str) -> bytes | None:
        """The copy of ``key`` if it is the body with this hash."""
        with self.lock:
            found = self.copies.get(key)
            if found is None or found[0] != body_hash:
                return None
            self.copies.move_to_end(key)
            return found[1]

    def put(self, key: str, body_hash: str, body: bytes) -> None:
        """Keep a copy, forgetting the least recently used beyond the limit."""
        if len(body) > self.limit:
            return
        with self.lock:
            old = self.copies.pop(key, None)
            if old is not None:
                self.size -= len(old[1])
            self.copies[key] = (body_hash, body)
            self.size += len(body)
            while self.size > self.limit:
                _key, (_hash, dropped) = self.copies.popitem(last=False)
                self.size -= len(dropped)


def body_copies() -> BodyCopies:
    """This process's copies for the current app."""
    extensions = current_app.extensions
    if "kirab.feeds.copies" not in extensions:
        extensions["kirab.feeds.copies"] = BodyCopies(current_app.config["FEED_COPIES_BYTES"])
    return extensions["kirab.feeds.copies"]


def _stored_body(key: str) -> bytes:
    body_hash, body = db.session.execute(
        select(FeedDocument.body_hash, FeedDocument.body).where(FeedDocument.key == key)
    ).one()
    body_copies().put(key, body_hash, body)
    return body


def _validators(key: str):
    return (
        db.session.connection()
        .execute(select(*VALIDATOR_COLUMNS).where(FeedDocument.key == key))
        .one_or_none()
    )


@cache
def _lookup_statement():
    """The one query of an unchanged feed, built once: its text is the same every time."""
    return (
        select(FeedState.version, *VALIDATOR_COLUMNS)
        .select_from(FeedState)
        .outerjoin(FeedDocument, FeedDocument.key == bindparam("key"))
        .where(FeedState.id == STATE_ID)
    )


def _lookup(key: str):
    """The data version and the stored feed's validators, in one query."""
    found = db.session.connection().execute(_lookup_statement(), {"key": key}).one_or_none()
    if found is None:  # no change counted yet
        return 0, _validators(key)
    return found.version, (found if found.day is not None else None)


def _feed_from(key, day, body_hash, last_modified, body=None, written=False) -> Feed:
    if body is None:
        body = body_copies().get(key, body_hash)
    else:
        body_copies().put(key, body_hash, body)
    return Feed(
        key=key,
        etag=make_etag(day, body_hash),
        last_modified=last_modified,
        body_loader=lambda: _stored_body(key),
        _body=body,
        written=written,
    )


def get_feed(spec: FeedSpec, lang: str, now: datetime) -> Feed:
    """The feed for today: stored when nothing changed, otherwise rebuilt and stored.

    While nothing changed this is one small query; the body is read from the
    store (or this process's copy of it) only when a response needs it.
    """
    day = feed_day(now)
    stamp = fingerprint(lang)
    key = _key(spec, lang)
    version, row = _lookup(key)
    if row is not None and (row.day, row.data_version, row.fingerprint) == (day, version, stamp):
        return _feed_from(key, day, row.body_hash, row.last_modified)

    about = spec.describe(lang)
    members, description = select_members(spec, day, lang, about.text)
    info = ics.CalendarInfo(
        name=about.name, description=description, timezone=about.timezone, language=lang
    )
    members_hash = hashlib.sha256(
        json.dumps(
            [
                stamp,
                repr(info),
                [(m.id, m.sequence, m.updated_at.isoformat(), m.timezone) for m in members],
            ]
        ).encode()
    ).hexdigest()
    table = FeedDocument.__table__
    if row is not None and row.members_hash == members_hash and row.fingerprint == stamp:
        # Same events, same words: the stored body stands; note the day and version.
        db.session.execute(
            update(table).where(table.c.key == key).values(day=day, data_version=version)
        )
        return _feed_from(key, day, row.body_hash, row.last_modified, written=True)

    body = ics.assemble(info, {m.timezone for m in members}, event_blocks(members, lang))
    body_hash = hashlib.sha256(body).hexdigest()
    newest = max((m.updated_at for m in members), default=day_start(day))
    values = dict(day=day, data_version=version, fingerprint=stamp, members_hash=members_hash,
                  body_hash=body_hash, body=body)  # fmt: skip
    if row is None:
        statement = _insert(table).values(
            key=key, last_modified=whole_seconds(newest), **values
        ).on_conflict_do_nothing(index_elements=[table.c.key])  # fmt: skip
        db.session.execute(statement)
        _prune(day)
        row = _validators(key)
        if row.body_hash == body_hash:
            return _feed_from(key, day, body_hash, row.last_modified, body, written=True)
    if row.body_hash == body_hash:
        # Rebuilt to the same bytes (the members' data moved, the body did not).
        same = {name: value for name, value in values.items() if name != "body"}
        db.session.execute(update(table).where(table.c.key == key).values(**same))
        return _feed_from(key, day, body_hash, row.last_modified, body, written=True)
    # The body changed: Last-Modified rises (by a second at least, so a client's
    # If-Modified-Since never hides a change), unless another process got there first.
    last_modified = max(whole_seconds(newest), row.last_modified + timedelta(seconds=1))
    result = db.session.execute(
        update(table)
        .where(table.c.key == key, table.c.body_hash == row.body_hash)
        .values(last_modified=last_modified, **values)
    )
    if result.rowcount == 0:
        # Another process stored a body meanwhile; answer with what is stored.
        row = _validators(key)
        return _feed_from(key, row.day, row.body_hash, row.last_modified, written=True)
    return _feed_from(key, day, body_hash, last_modified, body, written=True)


def _prune(day: date) -> None:
    """Drop stored feeds nobody asked for lately, so odd filters do not pile up."""
    db.session.execute(
        FeedDocument.__table__.delete().where(FeedDocument.day < day - timedelta(days=KEEP_DAYS))
    )


def event_feed(event: Event, lang: str) -> Feed:
    """One event as a calendar of its own (the "add to calendar" download)."""
    member = Member(event.id, event.sequence, event.updated_at, event.timezone)
    with force_locale(lang):
        name = _("Kirab Pemilu: %(what)s", what=event.title)
        description = _("An event of Kirab Pemilu, the election outreach relay of the KPU.")
    info = ics.CalendarInfo(
        name=name, description=description, timezone=event.timezone, language=lang
    )
    body = ics.assemble(info, {event.timezone}, event_blocks([member], lang))
    body_hash = hashlib.sha256(body).hexdigest()
    return Feed(
        key=f"event:{event.id}",
        etag=body_hash[:32],
        last_modified=whole_seconds(event.updated_at),
        body_loader=lambda: body,
        _body=body,
    )
