"""Every check ICS.md asks of a calendar body, in one helper the feed tests all use.

No single parser catches every defect, so a body goes through icalendar,
ical, vobject and recurring_ical_events (none written here), then through
plain byte checks for what none of them catches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import icalendar
import recurring_ical_events
import vobject
from ical.calendar_stream import IcsCalendarStream

ZONES = {"Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura"}
STATUSES = {"CONFIRMED", "TENTATIVE", "CANCELLED"}
# Moments a client reads back; wide enough for everything the tests plan.
EVER = (datetime(2000, 1, 1), datetime(2100, 1, 1))


@dataclass
class Checked:
    """A body that passed every check, parsed."""

    calendar: icalendar.Calendar
    events: list[icalendar.Event]  # the VEVENTs, in the order of the body
    occurrences: list[icalendar.Event]  # what recurring_ical_events shows in the window
    lines: list[str]  # unfolded content lines
    head: dict[str, str]  # calendar-level properties (name without parameters: raw value)

    def event(self, uid: str) -> icalendar.Event:
        """The VEVENT with this UID."""
        (found,) = [event for event in self.events if str(event["UID"]) == uid]
        return found

    @property
    def uids(self) -> list[str]:
        """The UIDs in the body's order."""
        return [str(event["UID"]) for event in self.events]

    def text(self, name: str) -> str:
        """A calendar-level TEXT property, unescaped (icalendar leaves NAME as it is)."""
        return unescape(self.head[name])


def unescape(value: str) -> str:
    """A TEXT value as written, with RFC 5545 escapes undone."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def unfold(body: bytes) -> list[str]:
    """Content lines with folding undone, decoded."""
    return re.sub(rb"\r\n[ \t]", b"", body).decode("utf-8").split("\r\n")[:-1]


def check_bytes(body: bytes) -> list[str]:
    """The byte-level rules: UTF-8 without BOM, CRLF only, lines of at most 75 octets."""
    assert not body.startswith(b"\xef\xbb\xbf"), "BOM"
    body.decode("utf-8")
    assert body.endswith(b"\r\n"), "last line not ended by CRLF"
    assert body.count(b"\n") == body.count(b"\r\n"), "bare LF"
    assert body.count(b"\r") == body.count(b"\r\n"), "bare CR"
    physical = body.split(b"\r\n")[:-1]
    too_long = [line for line in physical if len(line) > 75]
    assert not too_long, f"lines over 75 octets: {too_long[:3]}"
    return unfold(body)


def check_structure(lines: list[str]) -> dict[str, str]:
    """What the parsers let pass: one VERSION, no METHOD or calendar UID, names, zones, UIDs."""
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    first_component = next(i for i, ln in enumerate(lines[1:], 1) if ln.startswith("BEGIN:"))
    head = lines[1:first_component]
    names = [ln.split(":", 1)[0].split(";")[0] for ln in head]
    value = {ln.split(":", 1)[0].split(";")[0]: ln.split(":", 1)[1] for ln in head}
    assert names.count("VERSION") == 1 and value["VERSION"] == "2.0"
    assert value["PRODID"].startswith("-//KPU//Kirab Pemilu//")
    assert "METHOD" not in names, "a feed is a snapshot, not a message"
    assert "UID" not in names, "no calendar-level UID"
    assert names.count("NAME") == 1 and names.count("X-WR-CALNAME") == 1
    assert value["NAME"] == value["X-WR-CALNAME"] and value["NAME"].startswith("Kirab Pemilu")
    assert value["X-WR-TIMEZONE"] in ZONES
    assert "REFRESH-INTERVAL;VALUE=DURATION" in [ln.split(":", 1)[0] for ln in head]
    assert value["REFRESH-INTERVAL"] == value["X-PUBLISHED-TTL"]
    assert value["DESCRIPTION"] == value["X-WR-CALDESC"]
    assert sum(ln == "BEGIN:VCALENDAR" for ln in lines) == 1

    tzids_defined = {ln.split(":", 1)[1] for ln in lines if ln.startswith("TZID:")}
    tzids_used = set(re.findall(r";TZID=([^;:]+)[;:]", "\n".join(lines)))
    assert tzids_defined <= ZONES and tzids_used <= ZONES, tzids_defined | tzids_used
    assert tzids_used <= tzids_defined, "a TZID without its VTIMEZONE"
    assert value["X-WR-TIMEZONE"] in tzids_defined, "no VTIMEZONE for X-WR-TIMEZONE"

    uids, in_event = [], False
    for line in lines:
        name = line.split(":", 1)[0]
        if line == "BEGIN:VEVENT":
            in_event = True
        elif line == "END:VEVENT":
            in_event = False
        elif in_event and name == "UID":
            uids.append(line.split(":", 1)[1])
        elif in_event and name.split(";")[0] in ("DTSTART", "DTEND"):
            assert "TZID=" in name or line.endswith("Z"), f"floating time: {line}"
        elif in_event and name in ("DTSTAMP", "LAST-MODIFIED", "CREATED"):
            assert line.endswith("Z"), f"not UTC: {line}"
        elif in_event and name == "STATUS":
            assert line.split(":", 1)[1] in STATUSES
    assert len(uids) == len(set(uids)), "duplicate UID"
    return value


def check_calendar(body: bytes, between: tuple[datetime, datetime] = EVER) -> Checked:
    """Run every parser and every byte check on a feed body; return it parsed."""
    lines = check_bytes(body)
    head = check_structure(lines)
    text = body.decode("utf-8")

    calendar = icalendar.Calendar.from_ical(body)
    calendar.validate()
    for component in calendar.walk():
        assert not component.errors, (component.name, component.errors)
    assert not calendar.get_missing_tzids()

    events = list(calendar.walk("VEVENT"))
    strict = IcsCalendarStream.calendar_from_ics(text)
    assert len(strict.events) == len(events)
    card = vobject.readOne(text, validate=True)
    assert len(card.contents.get("vevent", [])) == len(events)
    occurrences = recurring_ical_events.of(calendar).between(*between)

    return Checked(
        calendar=calendar, events=events, occurrences=list(occurrences), lines=lines, head=head
    )
