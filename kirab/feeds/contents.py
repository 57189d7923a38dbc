"""What a feed holds: which events, and how the feed describes itself.

A feed is a ``FeedSpec``: the store's name for it, the conditions that select
its events and its description. ``feed_contents`` lists its members (ids,
sequences, last changes) with the size rule applied. How events read is in
rendering.py; how a feed's bytes are built from them and kept, in storage.py.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select

from kirab.auth.models import User
from kirab.database import db
from kirab.dataversions import EVENTS, GLOBAL, USERS
from kirab.events.filters import EventFilter
from kirab.events.labels import KIND_LABELS
from kirab.events.models import CANCELLED, DRAFT, Event
from kirab.events.services import followed_condition
from kirab.feeds import ics
from kirab.feeds.rendering import fingerprint, link
from kirab.i18n import number, short_date
from kirab.pagecache import filter_scopes
from kirab.regions.models import NATIONAL_TIMEZONE, Office, Party, Region
from kirab.relay.models import Stop

# A feed holds at most this many events: Google drops events from feeds over about 1 MB.
MAX_EVENTS = 1000
# And at most this many bytes, uncompressed (10^6, under 1 MB however it is counted);
# sizing.py shortens descriptions, then leaves events out, to stay below it.
MAX_BYTES = 1_000_000
# Without ``from``, a larger feed keeps events that ended at most this long ago.
WINDOW = timedelta(days=30)
# The day a feed is built for (its window, cancelled events dropping out) is the national day.
DAY_ZONE = ZoneInfo(NATIONAL_TIMEZONE)
LANGUAGES = ("id", "en")
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
    # The data scopes its events lie in (kirab/dataversions.py): it is rebuilt when they change.
    versions: tuple[str, ...] = (GLOBAL, EVENTS)


def filter_parts(event_filter: EventFilter) -> list[str]:
    """What a filter selects, in words of the current language."""
    parts = []
    if event_filter.relay:
        parts.append(event_filter.relay.name)
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
        versions=tuple(filter_scopes(args)),
    )


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
    condition = followed_condition(user)

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
        versions=(GLOBAL, EVENTS, USERS),
    )


# -- members -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """An event in a feed, as far as the feed's bytes depend on it."""

    id: int
    sequence: int
    updated_at: datetime
    timezone: str


def _member_select(spec: FeedSpec, cutoff: datetime, *columns):
    """Published events of the feed, and cancelled ones that have not ended, oldest first.

    The stored VEVENT blocks are not joined here (``storage.event_blocks``
    reads them by id): a join to a table whose statistics lag led the
    database to compare every member with every stored block.
    """
    query = (
        select(*columns)
        .select_from(Event)
        .join(Stop, Event.stop_id == Stop.id)
        .join(Office, Stop.office_id == Office.id)
        .join(Region, Office.region_code == Region.code)
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


MEMBER_COLUMNS = (Event.id, Event.sequence, Event.updated_at, Region.timezone)


def _members(query, limit: int) -> list[Member]:
    rows = db.session.connection().execute(query.limit(limit))
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
    query = _member_select(spec, cutoff, *MEMBER_COLUMNS)
    note = None
    # One more than fits tells whether the rule applies: no count of its own.
    members = _members(query, MAX_EVENTS + 1)
    if len(members) > MAX_EVENTS:
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
        windowed = spec.date_from is None
        members = _members(query, MAX_EVENTS) if windowed else members[:MAX_EVENTS]
    return members, description + (" " + note if note else "")


# -- a feed's whole contents -------------------------------------------------------------------


@dataclass
class FeedContents:
    """What a feed holds on a day: how the calendar presents itself, and its events."""

    info: ics.CalendarInfo
    members: list[Member]

    def timezones(self) -> set[str]:
        """The zones of the members, each needing its VTIMEZONE."""
        return {member.timezone for member in self.members}

    def digest(self) -> str:
        """A hash of everything the feed's bytes depend on: the same hash, the same bytes."""
        members = [(m.id, m.sequence, m.updated_at.isoformat(), m.timezone) for m in self.members]
        # The byte limit shapes the body too: a new limit rebuilds the stored feeds.
        material = [fingerprint(self.info.language), repr(self.info), MAX_BYTES, members]
        return hashlib.sha256(json.dumps(material).encode()).hexdigest()


def feed_contents(spec: FeedSpec, day: date, lang: str) -> FeedContents:
    """The feed's calendar details and members on ``day`` (worked out only on a rebuild)."""
    about = spec.describe(lang)
    members, description = select_members(spec, day, lang, about.text)
    info = ics.CalendarInfo(
        name=about.name, description=description, timezone=about.timezone, language=lang
    )
    return FeedContents(info, members)


def event_contents(event: Event, lang: str) -> FeedContents:
    """One event as a calendar of its own (the "add to calendar" download)."""
    member = Member(event.id, event.sequence, event.updated_at, event.timezone)
    with force_locale(lang):
        name = _("Kirab Pemilu: %(what)s", what=event.title)
        description = _("An event of Kirab Pemilu, the election outreach relay of the KPU.")
    info = ics.CalendarInfo(
        name=name, description=description, timezone=event.timezone, language=lang
    )
    return FeedContents(info, [member])
