"""The agenda filters shared by the HTML agenda, the JSON API and the feeds."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, union
from sqlalchemy.orm import aliased
from werkzeug.datastructures import MultiDict

from kirab.database import among, db
from kirab.errors import DomainError
from kirab.events.models import HANDOVER, KINDS, Event, event_districts
from kirab.i18n import ZONE_ABBREVIATIONS
from kirab.params import FIRST_YEAR, LAST_YEAR, parameter_label, plausible, whole_number
from kirab.regions.models import (
    NATIONAL_CODE,
    Dapil,
    DapilDistrict,
    Office,
    Region,
    dapil_in_region,
)
from kirab.relay.models import Relay, Route, Stop

REGION_CODE = re.compile(r"RI|[0-9]{2}(\.[0-9]{2}(\.[0-9]{2})?)?")
DAPIL_ID = re.compile(r"([0-9]{2}\.[0-9]{2})-([0-9]{1,3})")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class FilterError(DomainError):
    """A filter value that is malformed or names nothing that exists (HTTP 400)."""


@dataclass
class EventFilter:
    """A validated set of agenda filters; empty fields do not filter."""

    region: Region | None = None
    dapil: Dapil | None = None
    kinds: list[str] = field(default_factory=list)
    relay: Relay | None = None
    route: Route | None = None
    date_from: date | None = None
    date_to: date | None = None

    def as_args(self) -> dict[str, str | list[str]]:
        """The filter as query parameters, for links that keep it."""
        args: dict[str, str | list[str]] = {}
        if self.region:
            args["region"] = self.region.code
        if self.dapil:
            args["dapil"] = self.dapil.slug
        if self.kinds:
            args["kind"] = list(self.kinds)
        if self.relay:
            args["relay"] = str(self.relay.id)
        if self.route:
            args["route"] = str(self.route.id)
        if self.date_from:
            args["from"] = self.date_from.isoformat()
        if self.date_to:
            args["to"] = self.date_to.isoformat()
        return args

    @property
    def is_empty(self) -> bool:
        """Whether no filter is set."""
        return not self.as_args()

    @property
    def needs_places(self) -> bool:
        """Whether the conditions refer to an event's stop (relay, route) or region (dates)."""
        return any((self.relay, self.route, self.date_from, self.date_to))

    def apply(self, query):
        """Narrow a select of events (already joined to Stop and Region) to this filter."""
        if self.region is not None:
            query = query.where(region_condition(self.region.code))
        if self.dapil is not None:
            query = query.where(dapil_condition(self.dapil))
        if self.kinds:
            query = query.where(Event.kind.in_(self.kinds))
        if self.relay is not None:
            routes = select(Route.id).where(Route.relay_id == self.relay.id)
            query = query.where(Stop.route_id.in_(routes))
        if self.route is not None:
            query = query.where(Stop.route_id == self.route.id)
        if self.date_from is not None or self.date_to is not None:
            query = query.where(local_dates_condition(self.date_from, self.date_to))
        return query


def region_condition(code: str):
    """Events of the region or beneath it.

    An event matches when its host office is in the region, when it serves a
    kecamatan in the region, or when it is the handover ceremony in which an
    office of the region hands the flags on: that ceremony belongs to the
    receiving stop but is on the agenda of both offices.
    """
    # On PostgreSQL the ids become one array looked up in the primary key: a
    # province's agenda and feed read a few hundred events, not thirteen thousand.
    return among(Event.id, region_event_ids(code))


@lru_cache(maxsize=1024)
def region_event_ids(code: str):
    """A select (a union) of the ids of the region's events, built once per region.

    One set of event ids, the union of the three: the database estimates its
    size and looks its events up, where three alternatives joined by OR were
    tested against every event of the relay read in order of time. A select
    holds no data and is never changed, so one per code serves every request:
    building it (its aliases above all) cost more than running it.
    """

    def in_region(column):
        if code == NATIONAL_CODE:
            return column == NATIONAL_CODE
        return or_(column == code, column.like(code + ".%"))

    giving, giving_office = aliased(Stop), aliased(Office)
    hosted = (
        select(Stop.id)
        .join(Office, Office.id == Stop.office_id)
        .where(in_region(Office.region_code))
    )
    handed_over_from_region = (
        select(Stop.id)
        .join(giving, and_(giving.route_id == Stop.route_id, giving.position == Stop.position - 1))
        .join(giving_office, giving_office.id == giving.office_id)
        .where(in_region(giving_office.region_code))
    )
    other = aliased(Event)
    return union(
        select(other.id).where(other.stop_id.in_(hosted)),
        select(event_districts.c.event_id).where(in_region(event_districts.c.district_code)),
        select(other.id).where(other.kind == HANDOVER, other.stop_id.in_(handed_over_from_region)),
    )


def dapil_condition(dapil: Dapil):
    """Events of the dapil, or serving one of its kecamatan."""
    kecamatan = select(DapilDistrict.district_code).where(DapilDistrict.dapil_id == dapil.id)
    serving = select(event_districts.c.event_id).where(
        event_districts.c.district_code.in_(kecamatan)
    )
    return or_(Event.dapil_id == dapil.id, Event.id.in_(serving))


def local_dates_condition(first: date | None, last: date | None, starts=None, ends=None):
    """Events overlapping the local days ``first`` to ``last`` (inclusive).

    Each event is judged in its own zone; Indonesia's zones have fixed
    offsets, so one UTC range per zone is exact. ``starts`` and ``ends`` name
    other columns holding an event's times (the change log's before and after).
    """
    starts = Event.starts_at if starts is None else starts
    ends = Event.ends_at if ends is None else ends
    conditions = []
    for zone in ZONE_ABBREVIATIONS:
        tz = ZoneInfo(zone)
        parts = [Region.timezone == zone]
        if first is not None:
            parts.append(ends > datetime.combine(first, time(0), tz))
        if last is not None:
            parts.append(starts < datetime.combine(last + timedelta(days=1), time(0), tz))
        conditions.append(and_(*parts))
    return or_(*conditions)


def _parse_date(value: str, name: str) -> date:
    """A ``YYYY-MM-DD`` date or a FilterError naming the parameter."""
    try:
        if not ISO_DATE.fullmatch(value):
            raise ValueError(value)
        parsed = date.fromisoformat(value)
    except ValueError:
        raise FilterError(
            _("%(name)s must be a date written YYYY-MM-DD.", name=parameter_label(name)), name
        ) from None
    if not plausible(parsed):
        raise FilterError(
            _(
                "%(name)s must lie between the years %(first)d and %(last)d.",
                name=parameter_label(name),
                first=FIRST_YEAR,
                last=LAST_YEAR,
            ),
            name,
        )
    return parsed


def _single(args: MultiDict, name: str) -> str | None:
    """The one value of a parameter that may not repeat, or None when absent."""
    values = args.getlist(name)
    if len(values) > 1:
        raise FilterError(_("%(name)s may be given only once.", name=parameter_label(name)), name)
    value = values[0].strip() if values else None
    return value or None


def _by_id(args: MultiDict, name: str, model, message: str):
    """The row a whole-number parameter names, None when absent; FilterError when unknown."""
    if (text := _single(args, name)) is None:
        return None
    number = whole_number(text)
    found = db.session.get(model, number) if number is not None else None
    if found is None:
        raise FilterError(message % {name: text[:40]}, name)
    return found


def _check_dapil_in_region(result: EventFilter) -> None:
    """Refuse a dapil outside the region chosen with it (HTTP 400).

    The form no longer offers such a pair, so one comes from an old or
    edited address: it is refused with a message, as a route outside its
    relay is, rather than shown empty (the reader would think nothing was
    planned) or half obeyed (a feed address silently wider than the one its
    subscriber chose).
    """
    if (
        result.region
        and result.dapil
        and not dapil_in_region(result.dapil.region_code, result.region.code)
    ):
        raise FilterError(
            _(
                "%(dapil)s is not a dapil of %(region)s: choose one of its dapil, or all dapil.",
                dapil=result.dapil.name,
                region=result.region.name,
            ),
            "dapil",
        )


def parse_filters(args: MultiDict) -> EventFilter:
    """Validate agenda query parameters; raise FilterError on any bad value."""
    result = EventFilter()
    result.relay = _by_id(args, "relay", Relay, _("Unknown relay: %(relay)s"))
    result.route = _by_id(args, "route", Route, _("Unknown route: %(route)s"))
    if result.relay and result.route and result.route.relay_id != result.relay.id:
        raise FilterError(_("That route is not part of that relay."), "route")
    if (code := _single(args, "region")) is not None:
        if not REGION_CODE.fullmatch(code) or (region := db.session.get(Region, code)) is None:
            raise FilterError(_("Unknown region code: %(code)s", code=code[:40]), "region")
        result.region = region
    if (slug := _single(args, "dapil")) is not None:
        match = DAPIL_ID.fullmatch(slug)
        dapil = None
        if match:
            dapil = db.session.execute(
                db.select(Dapil).where(Dapil.region_code == match[1], Dapil.number == int(match[2]))
            ).scalar_one_or_none()
        if dapil is None:
            raise FilterError(_("Unknown dapil: %(dapil)s", dapil=slug[:40]), "dapil")
        result.dapil = dapil
    _check_dapil_in_region(result)
    for kind in args.getlist("kind"):
        if kind not in KINDS:
            raise FilterError(_("Unknown event kind: %(kind)s", kind=kind[:40]), "kind")
        if kind not in result.kinds:
            result.kinds.append(kind)
    result.date_from, result.date_to = date_range(args)
    return result


def date_range(args: MultiDict) -> tuple[date | None, date | None]:
    """The ``from`` and ``to`` dates of a query (inclusive); raise FilterError on bad ones."""
    first = last = None
    if (value := _single(args, "from")) is not None:
        first = _parse_date(value, "from")
    if (value := _single(args, "to")) is not None:
        last = _parse_date(value, "to")
    if first and last and last < first:
        raise FilterError(_("The end date must not be before the start date."), "to")
    return first, last


def parse_page(args: MultiDict, default: int, maximum: int) -> tuple[int, int]:
    """The page and page size asked for; raise FilterError on bad values."""
    page = whole_number(_single(args, "page") or "1")
    size = whole_number(_single(args, "per_page") or str(default))
    if page is None or page < 1:
        raise FilterError(
            _("%(name)s must be a whole number from 1.", name=parameter_label("page")), "page"
        )
    if size is None or not 1 <= size <= maximum:
        raise FilterError(
            _(
                "%(name)s must be a whole number from 1 to %(max)d.",
                name=parameter_label("per_page"),
                max=maximum,
            ),
            "per_page",
        )
    return page, size


def request_filters(args: MultiDict) -> tuple[EventFilter, int, int]:
    """The filter, page and page size of an agenda request; raise FilterError."""
    config = current_app.config
    event_filter = parse_filters(args)
    page, per_page = parse_page(args, config["PER_PAGE_DEFAULT"], config["PER_PAGE_MAX"])
    return event_filter, page, per_page
