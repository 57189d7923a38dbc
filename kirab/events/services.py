"""Reading events for the agenda, the API and the feeds."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, raiseload, selectinload

from kirab.auth.models import User
from kirab.database import among, db
from kirab.events.filters import EventFilter, region_condition
from kirab.events.models import CANCELLED, PUBLISHED, Event, event_districts, event_parties
from kirab.i18n import from_local, to_local
from kirab.regions.models import Dapil, Office, Region, dapil_in_region
from kirab.relay.models import Route, Stop


def public_events(event_filter: EventFilter, *, details: bool = True, districts: bool = True):
    """A select of the published and cancelled events matching the filter, oldest first.

    Stops, offices and regions are joined, and (with ``details``) dapil and
    (with ``districts`` too) kecamatan loaded together, so a page of events
    costs the same few queries at any size.
    """
    query = _public_select(Event).options(
        contains_eager(Event.stop).contains_eager(Stop.office).contains_eager(Office.region),
        contains_eager(Event.stop).joinedload(Stop.route),
    )
    if details:
        kecamatan = selectinload(Event.districts) if districts else raiseload(Event.districts)
        query = query.options(joinedload(Event.dapil), kecamatan)
    else:
        query = query.options(raiseload(Event.dapil), raiseload(Event.districts))
    return event_filter.apply(query)


def _public_select(*columns, places: bool = True):
    """A select of columns of the published and cancelled events, oldest first.

    With ``places`` their stops, offices and regions are joined (filters on
    routes and dates refer to them); every event has one of each, so the
    joins change no count.
    """
    query = (
        select(*columns)
        .select_from(Event)
        .where(Event.deleted_at.is_(None), Event.status.in_((PUBLISHED, CANCELLED)))
        .order_by(Event.starts_at, Event.id)
    )
    if places:
        query = query.join(Event.stop).join(Stop.office).join(Office.region)
    return query


def public_event_ids(event_filter: EventFilter):
    """A select of the ids of the public events matching the filter, in agenda order.

    Stops and regions are joined only for a filter that needs them: without,
    a count or a page reads the index of public events alone.
    """
    return event_filter.apply(_public_select(Event.id, places=event_filter.needs_places))


def count_of(query) -> int:
    """How many rows a select returns."""
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return db.session.execute(counted).scalar()


class EventPage(Pagination):
    """A page of public events read in two steps: the page's ids, then those events.

    Sorting and cutting to the page read ids alone, and count all that match
    on the way (the region's ids are found once, not again for a count); the
    events' text and details (stop, office, region, route, dapil) are read
    for that page's events only. The order is ``public_events``'s.
    """

    _counted: int | None = None

    def _query_items(self) -> list[Event]:
        page_ids = (
            self._query_args["ids"]
            .add_columns(func.count().over())
            .limit(self.per_page)
            .offset(self._query_offset)
        )
        rows = db.session.execute(page_ids).all()
        if not rows:
            return []
        self._counted = rows[0][1]
        query = public_events(EventFilter(), districts=self._query_args["districts"])
        ids = [row[0] for row in rows]
        return list(db.session.execute(query.where(among(Event.id, ids))).unique().scalars())

    def _query_count(self) -> int:
        # A page past the last has no row to carry the count: it is counted on its own.
        if self._counted is not None:
            return self._counted
        return count_of(self._query_args["ids"])


def public_event_page(
    event_filter: EventFilter, page: int, per_page: int, *, districts: bool = True
) -> EventPage:
    """One page of the public events matching the filter, with dapil (and kecamatan) loaded.

    Two queries at any page size (three with ``districts``): the page's ids
    with how many match, then its events. A page past the last is empty and
    counted apart.
    """
    return EventPage(
        page=page,
        per_page=per_page,
        max_per_page=None,
        error_out=False,
        ids=public_event_ids(event_filter),
        districts=districts,
    )


def first_event_start(event_filter: EventFilter) -> datetime | None:
    """When the earliest public event matching the filter starts, if any."""
    query = public_events(event_filter).with_only_columns(func.min(Event.starts_at)).order_by(None)
    return db.session.execute(query).scalar()


def events_of_days(stop_days: dict[int, tuple[date, str]]) -> dict[int, list]:
    """The public events of each stop on one local day of its own, in one query.

    ``stop_days`` maps a stop's id to the day and the stop's time zone; an
    event belongs to the day when it overlaps it there. Each stop's events
    come oldest first, as rows of what a day's list shows (id, stop_id,
    title, status, starts_at, ends_at); a stop without any maps to an empty list.
    """
    found: dict[int, list] = {stop_id: [] for stop_id in stop_days}
    if not stop_days:
        return found
    days = []
    for stop_id, (day, timezone) in stop_days.items():
        begins = from_local(day, time(0), timezone)
        days.append(
            and_(
                Event.stop_id == stop_id,
                Event.ends_at > begins,
                Event.starts_at < begins + timedelta(days=1),
            )
        )
    # Columns, not objects: the list shows these alone, and the stop is named by the caller.
    query = (
        select(Event.id, Event.stop_id, Event.title, Event.status, Event.starts_at, Event.ends_at)
        .where(Event.deleted_at.is_(None), Event.status.in_((PUBLISHED, CANCELLED)), or_(*days))
        .order_by(Event.starts_at, Event.id)
    )
    for event in db.session.execute(query):
        found[event.stop_id].append(event)
    return found


def followed_condition(user: User):
    """Events in the regions a user follows or to which their party is invited, as a condition.

    The one home of "events a user follows": the following agenda and the
    personal feed both select with it.
    """
    wanted = [region_condition(code) for code in user.region_codes]
    if user.party_number is not None:
        invited = select(event_parties.c.event_id).where(
            event_parties.c.party_number == user.party_number
        )
        wanted.append(Event.id.in_(invited))
    return or_(*wanted) if wanted else false()


def followed_events(user: User, event_filter: EventFilter):
    """Public events in the regions a user follows or to which their party is invited."""
    return public_events(event_filter).where(followed_condition(user))


def get_event(event_id: int) -> Event | None:
    """Load one event with what its page shows, or None."""
    return db.session.execute(
        db.select(Event)
        .where(Event.id == event_id)
        .options(
            joinedload(Event.stop).joinedload(Stop.office).joinedload(Office.region),
            joinedload(Event.stop).joinedload(Stop.route),
            joinedload(Event.dapil),
            selectinload(Event.districts),
            selectinload(Event.invited_parties),
        )
    ).scalar_one_or_none()


def events_by_local_day(events: list[Event]) -> list[tuple[date, list[Event]]]:
    """Group events by the local date of their start, days in order.

    Events come ordered by UTC start; across zones a later UTC start can
    fall on an earlier local day, so group first and then sort the days.
    """
    days: dict[date, list[Event]] = defaultdict(list)
    for event in events:
        days[to_local(event.starts_at, event.timezone).date()].append(event)
    return sorted(days.items())


@dataclass(frozen=True)
class Choice:
    """One option of the agenda's filter form: the value sent and the name shown."""

    value: str
    name: str
    region: str = ""  # a dapil's regency, for the script that narrows them to the region chosen


def filter_choices(relay, region_code: str | None = None) -> dict[str, list[Choice]]:
    """The options of the agenda's filter form, read as columns (no stops or regions built).

    Routes in the relay's order; the regions hosting their stops, each once,
    in route and stop order; the dapil of the region chosen (all without
    one), and every dapil by region and number for the script that narrows
    them in the page (one query either way).
    """
    routes, regions = [], {}
    if relay is not None:
        routes = [Choice(str(row.id), row.name) for row in db.session.execute(
            select(Route.id, Route.name).where(Route.relay_id == relay.id)
            .order_by(Route.position, Route.id))]  # fmt: skip
        hosts = db.session.execute(
            select(Region.code, Region.name)
            .select_from(Stop)
            .join(Route, Route.id == Stop.route_id)
            .join(Office, Office.id == Stop.office_id)
            .join(Region, Region.code == Office.region_code)
            .where(Route.relay_id == relay.id)
            .order_by(Route.position, Route.id, Stop.position, Stop.id)
        )
        for code, name in hosts:
            regions.setdefault(code, Choice(code, name))
    dapil = db.session.execute(
        select(Dapil.region_code, Dapil.number, Dapil.name).order_by(
            Dapil.region_code, Dapil.number
        )
    )
    every = [Choice(f"{code}-{number}", name, code) for code, number, name in dapil]
    return {
        "routes": routes,
        "region_choices": list(regions.values()),
        "dapil_choices": [
            choice
            for choice in every
            if region_code is None or dapil_in_region(choice.region, region_code)
        ],
        "all_dapil": every,
    }


# -- a page of events as columns (the API's lists) ---------------------------------------------


@dataclass(frozen=True)
class Place:
    """A region as a listed event names it."""

    code: str
    name: str


@dataclass(frozen=True)
class DapilName:
    """An event's dapil as a list shows it."""

    region_code: str
    number: int
    name: str

    @property
    def slug(self) -> str:
        """The public identifier, as ``Dapil.slug``."""
        return f"{self.region_code}-{self.number}"


@dataclass(frozen=True)
class StopRef:
    """The route of an event's stop."""

    route_id: int


@dataclass(frozen=True)
class EventRow:
    """A public event read as columns, with what ``event_json`` shows of an ``Event``."""

    id: int
    uid: str
    title: str
    kind: str
    status: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    region: Place
    stop_id: int
    stop: StopRef
    dapil: DapilName | None
    districts: list[Place]
    venue_name: str
    venue_address: str
    latitude: float | None
    longitude: float | None
    sequence: int
    updated_at: datetime


ROW_COLUMNS = (
    Event.id, Event.uid, Event.title, Event.kind, Event.status, Event.starts_at, Event.ends_at,
    Region.timezone, Region.code, Region.name, Event.stop_id, Stop.route_id,
    Dapil.region_code, Dapil.number, Dapil.name, Event.venue_name, Event.venue_address,
    Event.latitude, Event.longitude, Event.sequence, Event.updated_at,
)  # fmt: skip


def public_event_rows(event_filter: EventFilter, page: int, per_page: int):
    """One page of public events as ``EventRow`` (no objects built), and how many match.

    Three queries at any page size: the count, the page, its kecamatan.
    """
    query = public_events(event_filter, details=False)
    total = count_of(public_event_ids(event_filter))
    rows = db.session.execute(
        query.outerjoin(Dapil, Dapil.id == Event.dapil_id)
        .with_only_columns(*ROW_COLUMNS)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    districts: dict[int, list[Place]] = defaultdict(list)
    if rows:
        found = db.session.execute(
            select(event_districts.c.event_id, Region.code, Region.name)
            .join(Region, Region.code == event_districts.c.district_code)
            .where(among(event_districts.c.event_id, [row[0] for row in rows]))
            .order_by(event_districts.c.event_id, Region.code)
        )
        for event_id, code, name in found:
            districts[event_id].append(Place(code, name))
    return [_event_row(row, districts[row[0]]) for row in rows], total


def _event_row(row, districts: list[Place]) -> EventRow:
    (id_, uid, title, kind, status, starts_at, ends_at, timezone, code, name, stop_id, route_id,
     dapil_region, dapil_number, dapil_name, *rest) = row  # fmt: skip
    dapil = DapilName(dapil_region, dapil_number, dapil_name) if dapil_number is not None else None
    return EventRow(id_, uid, title, kind, status, starts_at, ends_at, timezone, Place(code, name),
                    stop_id, StopRef(route_id), dapil, districts, *rest)  # fmt: skip
