"""Calendar documents (RFC 5545) from events: a pure builder, no request, no database.

A feed is assembled from parts that are each serialised once: the calendar's
head, one VTIMEZONE block per zone and one VEVENT block per event. Every
part is a function of its inputs only (no random UID, no "now"), so the same
data always gives the same bytes, and a VEVENT rendered earlier can be
reused as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vDuration, vGeo, vText

PRODUCT = "Kirab Pemilu"
# Subscribing apps that read it poll this often; Google and Outlook ignore it.
REFRESH = timedelta(hours=3)
CRLF = b"\r\n"
END_CALENDAR = b"END:VCALENDAR" + CRLF

# Event statuses as calendars spell them; drafts reach only committee downloads.
STATUS = {"published": "CONFIRMED", "cancelled": "CANCELLED", "draft": "TENTATIVE"}


@dataclass(frozen=True)
class Wording:
    """The words a feed uses, already in its language (``%(name)s`` placeholders)."""

    cancelled: str = "Cancelled: %(title)s"
    reason: str = "Reason for cancellation: %(reason)s"
    host: str = "Host: %(office)s"
    dapil: str = "Dapil: %(dapil)s"
    districts: str = "Kecamatan: %(names)s"
    details: str = "Details: %(url)s"
    kinds: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CalendarInfo:
    """What the calendar as a whole says about itself."""

    name: str
    description: str
    timezone: str
    language: str = "id"
    refresh: timedelta = REFRESH


def one_line(text: str) -> str:
    """Calendar-level text kept to one line: some apps show only the first."""
    return " ".join(text.split())


def utc(moment: datetime) -> datetime:
    """An aware moment in UTC, whole seconds (what DTSTAMP and LAST-MODIFIED hold)."""
    return moment.astimezone(UTC).replace(microsecond=0)


def location_of(event) -> str:
    """Venue and address, or the host office when no venue is known."""
    parts = [part for part in (event.venue_name, event.venue_address) if part]
    return ", ".join(parts) if parts else event.stop.office.name


def shortened(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a word's end where one is near, with "…"."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ""
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def description_of(event, wording: Wording, url: str, limit: int | None = None) -> str:
    """The event's own description (cut to ``limit`` characters if given), then what a
    calendar app shows nowhere else, the event page's link last."""
    lines = []
    own = (event.description or "").strip()
    if own and limit is not None:
        own = shortened(own, limit)
    if own:
        lines += [own, ""]
    if event.status == "cancelled" and event.cancel_reason:
        lines.append(wording.reason % {"reason": event.cancel_reason.strip()})
    lines.append(wording.host % {"office": event.stop.office.name})
    if event.dapil is not None:
        lines.append(wording.dapil % {"dapil": event.dapil.name})
    if event.districts:
        lines.append(wording.districts % {"names": ", ".join(d.name for d in event.districts)})
    lines.append(wording.details % {"url": url})
    return "\n".join(lines)


def render_event(event, wording: Wording, url: str, limit: int | None = None) -> bytes:
    """One event as a VEVENT block (CRLF lines, folded), the same bytes for the same data.

    ``limit`` shortens the event's own description to that many characters.
    """
    return event_component(event, wording, url, limit).to_ical()


def event_component(event, wording: Wording, url: str, limit: int | None = None) -> Event:
    """One event as an icalendar VEVENT.

    DTSTAMP and LAST-MODIFIED are the event's last change, so re-rendering
    unchanged data changes nothing; times carry the event's TZID.
    """
    zone = ZoneInfo(event.timezone)
    summary = event.title
    if event.status == "cancelled":
        summary = wording.cancelled % {"title": event.title}
    component = Event()
    component.add("uid", event.uid)
    component.add("dtstamp", utc(event.updated_at))
    component.add("created", utc(event.created_at))
    component.add("last-modified", utc(event.updated_at))
    component.add("sequence", event.sequence)
    component.add("dtstart", event.starts_at.astimezone(zone))
    component.add("dtend", event.ends_at.astimezone(zone))
    component.add("summary", summary)
    component.add("status", STATUS[event.status])
    component.add("location", location_of(event))
    if event.latitude is not None and event.longitude is not None:
        component.add("geo", vGeo((event.latitude, event.longitude)))
    component.add("description", description_of(event, wording, url, limit))
    component.add("url", url)
    categories = [wording.kinds.get(event.kind, event.kind)]
    if event.dapil is not None:
        categories.append(event.dapil.name)
    component.add("categories", categories)
    return component


def calendar_head(info: CalendarInfo) -> bytes:
    """BEGIN:VCALENDAR and the calendar's properties, without its END line.

    No METHOD (a feed is a snapshot, not a message) and no calendar-level
    UID (some apps would give it to every event).
    """
    name, description = one_line(info.name), one_line(info.description)
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", f"-//KPU//{PRODUCT}//{info.language.upper()}")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", vText(name))
    calendar.add("x-wr-calname", vText(name))
    calendar.add("description", vText(description))
    calendar.add("x-wr-caldesc", vText(description))
    calendar.add("x-wr-timezone", vText(info.timezone))
    calendar.add("refresh-interval", vDuration(info.refresh), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(info.refresh))
    body = calendar.to_ical()
    return body[: body.rindex(END_CALENDAR)]


@lru_cache(maxsize=16)
def timezone_block(tzid: str) -> bytes:
    """The VTIMEZONE of an IANA zone; fixed for a given tz database, so kept."""
    return Timezone.from_tzid(tzid).to_ical()


def assemble(info: CalendarInfo, zones: Iterable[str], events: Iterable[bytes]) -> bytes:
    """A whole calendar from its parts: head, every zone used, the events, the end.

    The zone of X-WR-TIMEZONE is always there, so an empty feed is still a
    valid calendar.
    """
    parts = [calendar_head(info)]
    parts += [timezone_block(tzid) for tzid in sorted({info.timezone, *zones})]
    parts += list(events)
    parts.append(END_CALENDAR)
    return b"".join(parts)


def build_calendar(
    info: CalendarInfo, events: Iterable, wording: Wording, url_of: Callable[[object], str]
) -> bytes:
    """Render events and assemble them into one calendar (the uncached way)."""
    events = list(events)
    return assemble(
        info,
        {event.timezone for event in events},
        [render_event(event, wording, url_of(event)) for event in events],
    )
