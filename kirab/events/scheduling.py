"""Planning events: create, edit, duplicate, publish, cancel, delete, programmes.

Plain functions: they check the rules, raise DomainError with the field
concerned, audit every change and flush, but never commit. Views check who
may act before calling them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import func

from kirab.audit.services import check_version, record
from kirab.database import db
from kirab.errors import DomainError
from kirab.events.advisories import ceremony_window
from kirab.events.models import (
    CANCELLED,
    DRAFT,
    HANDOVER,
    KINDS,
    PARADE,
    PUBLISHED,
    Event,
)
from kirab.events.moves import touch
from kirab.events.rules import day_of_stop, inside_window, programme_slots
from kirab.events.signals import event_cancelled, event_published, event_updated, event_withdrawn
from kirab.events.venues import fill_from_venue, remember_venue
from kirab.permissions import region_in_scope
from kirab.regions.models import Dapil, Party, Region
from kirab.relay.models import Stop
from kirab.text import clean_text

MAX_TITLE, MAX_DESCRIPTION, MAX_VENUE, MAX_ADDRESS, MAX_REASON = 200, 5000, 200, 255, 1000
MAX_CAPACITY = 1_000_000


@dataclass
class EventData:
    """What a person enters for an event; times are aware datetimes."""

    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    description: str = ""
    venue_name: str = ""
    venue_address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    dapil_id: int | None = None
    district_codes: list[str] = field(default_factory=list)
    party_numbers: list[int] = field(default_factory=list)
    capacity: int | None = None

    @classmethod
    def of(cls, event: Event) -> EventData:
        """The data of an existing event."""
        return cls(
            kind=event.kind, title=event.title, starts_at=event.starts_at,
            ends_at=event.ends_at, description=event.description,
            venue_name=event.venue_name, venue_address=event.venue_address,
            latitude=event.latitude, longitude=event.longitude, dapil_id=event.dapil_id,
            district_codes=[d.code for d in event.districts],
            party_numbers=[p.number for p in event.invited_parties], capacity=event.capacity,
        )  # fmt: skip


def validate(stop: Stop, data: EventData, kept: tuple | None = None) -> EventData:
    """Check an event's data against the rules; return it cleaned.

    The event lies inside its stop's window, ends after it starts, and its
    dapil, kecamatan and parties exist and belong to the host region. An
    event saved with its times ``kept`` (start, end) as they are passes the
    window whatever it is: a recorded handover may have moved the stop's
    end, and the stop's page warns of it instead.
    """
    if data.kind not in KINDS:
        raise DomainError(_("Choose one of the kinds."), "kind")
    cleaned = replace(
        data,
        title=clean_text(data.title, "title", MAX_TITLE, required=True),
        description=clean_text(data.description, "description", MAX_DESCRIPTION, multiline=True),
        venue_name=clean_text(data.venue_name, "venue_name", MAX_VENUE),
        venue_address=clean_text(data.venue_address, "venue_address", MAX_ADDRESS),
        district_codes=sorted(set(data.district_codes)),
        party_numbers=sorted(set(data.party_numbers)),
    )
    _check_times(stop, cleaned, kept)
    _check_place(cleaned)
    _check_host_region(stop.office.region_code, cleaned)
    return cleaned


def _check_times(stop: Stop, data: EventData, kept: tuple | None) -> None:
    """The event ends after it starts, inside the stop's window (a ceremony's, for handovers)."""
    if data.starts_at.tzinfo is None or data.ends_at.tzinfo is None:
        raise ValueError("event times must be aware")
    if data.ends_at <= data.starts_at:
        raise DomainError(_("The event must end after it starts."), "ends_at")
    if kept == (data.starts_at, data.ends_at):
        return
    window = (
        ceremony_window(stop) if data.kind == HANDOVER else (stop.receives_at, stop.hands_over_at)
    )
    if not inside_window(data.starts_at, data.ends_at, *window):
        raise DomainError(
            _("The event must lie within the stop, while the office holds the flags."),
            "starts_at",
        )


def _check_place(data: EventData) -> None:
    """Coordinates on Earth, given both or neither, and a capacity that can be."""
    if (data.latitude is None) != (data.longitude is None):
        raise DomainError(_("Give both latitude and longitude, or neither."), "latitude")
    if data.latitude is not None and not (
        -90 <= data.latitude <= 90 and -180 <= data.longitude <= 180
    ):
        raise DomainError(_("These coordinates are not on Earth."), "latitude")
    if data.capacity is not None and not 1 <= data.capacity <= MAX_CAPACITY:
        raise DomainError(_("Capacity must be a positive number."), "capacity")


def _check_host_region(host: str, data: EventData) -> None:
    """The dapil and kecamatan belong to the host region; the parties exist."""
    if data.dapil_id is not None:
        dapil = db.session.get(Dapil, data.dapil_id)
        if dapil is None or not region_in_scope(dapil.region_code, [host]):
            raise DomainError(_("Choose a dapil of the host region."), "dapil_id")
    if data.district_codes:
        found = db.session.execute(
            db.select(func.count(Region.code)).where(
                Region.code.in_(data.district_codes), Region.level == "district"
            )
        ).scalar()
        in_host = all(region_in_scope(code, [host]) for code in data.district_codes)
        if found != len(data.district_codes) or not in_host:
            raise DomainError(_("Choose kecamatan of the host region."), "district_codes")
    if data.party_numbers:
        found = db.session.execute(
            db.select(func.count(Party.number)).where(Party.number.in_(data.party_numbers))
        ).scalar()
        if found != len(data.party_numbers):
            raise DomainError(_("Choose parties from the list."), "party_numbers")


def _apply(event: Event, data: EventData) -> None:
    """Copy validated data onto an event, with its kecamatan and parties."""
    for name in ("kind", "title", "description", "starts_at", "ends_at", "venue_name",
                 "venue_address", "latitude", "longitude", "dapil_id", "capacity"):  # fmt: skip
        setattr(event, name, getattr(data, name))
    event.districts = list(
        db.session.execute(db.select(Region).where(Region.code.in_(data.district_codes))).scalars()
    ) if data.district_codes else []  # fmt: skip
    event.invited_parties = list(
        db.session.execute(db.select(Party).where(Party.number.in_(data.party_numbers))).scalars()
    ) if data.party_numbers else []  # fmt: skip


def create_event(stop: Stop, data: EventData, *, actor, now: datetime) -> Event:
    """Add a draft event to a stop."""
    region = stop.office.region_code
    data = validate(stop, fill_from_venue(region, data))
    event = Event(stop=stop, status=DRAFT, sequence=0, created_at=now, updated_at=now)
    _apply(event, data)
    db.session.add(event)
    remember_venue(region, data)
    db.session.flush()
    record(actor, "event.create", event, title=event.title, stop=stop.id)
    return event


def _changes(event: Event, data: EventData) -> dict[str, list]:
    """The fields an update changes, as [old, new] pairs."""
    before = EventData.of(event)
    return {
        name: [getattr(before, name), getattr(data, name)]
        for name in EventData.__dataclass_fields__
        if getattr(before, name) != getattr(data, name)
    }


def update_event(
    event: Event, data: EventData, *, actor, now: datetime, expected_version: int | None = None
) -> Event:
    """Change an event's details; nothing happens when nothing changed.

    With ``expected_version`` (the version the form was opened at), an
    event saved since then is refused with ``StaleEdit``.
    """
    if event.deleted_at is not None:
        raise DomainError(_("This event has been deleted."))
    check_version(event, expected_version)
    region = event.stop.office.region_code
    kept = (event.starts_at, event.ends_at)
    data = validate(event.stop, fill_from_venue(region, data), kept)
    changes = _changes(event, data)
    if not changes:
        return event
    _apply(event, data)
    touch(event, changes, now)
    remember_venue(region, data)
    db.session.flush()
    record(actor, "event.update", event, changes=changes)
    event_updated.send(event, changes=changes, now=now)
    return event


def duplicate_event(event: Event, *, actor, now: datetime) -> Event:
    """A new draft with the same details, to adjust (a new UID: it is another event)."""
    copy = create_event(event.stop, EventData.of(event), actor=actor, now=now)
    record(actor, "event.duplicate", copy, source=event.id)
    return copy


def _set_status(event: Event, status: str, *, now: datetime) -> None:
    """Change the status, counting it as a change subscribers notice."""
    event.status = status
    touch(event, {"status"}, now)


def publish_event(event: Event, *, actor, now: datetime) -> Event:
    """Publish a draft (or a cancelled event again)."""
    if event.deleted_at is not None or event.status == PUBLISHED:
        raise DomainError(_("Only drafts and cancelled events can be published."), "status")
    validate(event.stop, EventData.of(event))
    _set_status(event, PUBLISHED, now=now)
    event.cancel_reason = ""
    db.session.flush()
    record(actor, "event.publish", event)
    event_published.send(event, now=now)
    return event


def cancel_event(event: Event, reason: str, *, actor, now: datetime) -> Event:
    """Cancel a published event with a reason; it stays visible as cancelled."""
    if event.deleted_at is not None or event.status != PUBLISHED:
        raise DomainError(_("Only published events can be cancelled."), "status")
    reason = clean_text(reason, "reason", MAX_REASON, required=True, multiline=True)
    _set_status(event, CANCELLED, now=now)
    event.cancel_reason = reason
    db.session.flush()
    record(actor, "event.cancel", event, reason=reason)
    event_cancelled.send(event, now=now)
    return event


def withdraw_event(event: Event, *, actor, now: datetime) -> Event:
    """Take a published or cancelled event back from the agenda: it is a draft again."""
    if not event.is_public:
        raise DomainError(_("Only published or cancelled events can be taken back."), "status")
    _set_status(event, DRAFT, now=now)
    event.cancel_reason = ""
    db.session.flush()
    record(actor, "event.withdraw", event)
    event_withdrawn.send(event, now=now)
    return event


def delete_event(event: Event, *, actor, now: datetime) -> None:
    """Delete a draft; published events are cancelled instead, so subscribers learn of it."""
    if event.deleted_at is not None:
        raise DomainError(_("This event has been deleted."))
    if event.status != DRAFT:
        raise DomainError(_("Only drafts can be deleted; cancel a published event."), "status")
    # Only drafts reach here: they were never public, so no event_withdrawn is sent.
    event.deleted_at = now
    event.updated_at = now
    db.session.flush()
    record(actor, "event.delete", event, title=event.title)


@dataclass(frozen=True)
class ProgrammeSpec:
    """A programme: one event of a kind per dapil, spread over days of the stop."""

    dapil_ids: list[int]
    first_day: int = 2
    last_day: int = 6
    start: time = time(8, 0)
    duration: timedelta = timedelta(hours=3)
    pause: timedelta = timedelta(hours=2)
    kind: str = PARADE
    title: str = "Pawai Kirab Pemilu"
    # The venue each dapil's event takes place at, by dapil id ("" or absent: none yet).
    venues: dict[int, str] = field(default_factory=dict)


def plan_programme(stop: Stop, spec: ProgrammeSpec) -> list[tuple[Dapil, EventData]]:
    """Preview a programme: each dapil with the event it would get; nothing is saved."""
    if not spec.dapil_ids:
        raise DomainError(_("Choose at least one dapil."), "dapil_ids")
    if not 1 <= spec.first_day <= spec.last_day <= 60:
        raise DomainError(_("The last day must not come before the first."), "last_day")
    if spec.duration <= timedelta(0) or spec.duration > timedelta(hours=24):
        raise DomainError(_("Each event lasts between a minute and a day."), "duration")
    host = stop.office.region_code
    dapil = list(
        db.session.execute(
            db.select(Dapil).where(Dapil.id.in_(spec.dapil_ids)).order_by(Dapil.number)
        ).scalars()
    )
    if len(dapil) != len(set(spec.dapil_ids)) or any(
        not region_in_scope(d.region_code, [host]) for d in dapil
    ):
        raise DomainError(_("Choose a dapil of the host region."), "dapil_ids")
    slots = programme_slots(
        len(dapil),
        day_of_stop(stop.receives_at, stop.timezone, spec.first_day),
        spec.last_day - spec.first_day + 1,
        spec.start,
        spec.duration,
        spec.pause,
        stop.timezone,
    )
    planned = []
    for item, slot in zip(dapil, slots, strict=True):
        data = EventData(
            kind=spec.kind, title=f"{spec.title} Dapil {item.number}",
            starts_at=slot.starts_at, ends_at=slot.ends_at, dapil_id=item.id,
            district_codes=[d.code for d in item.districts],
            description=_("Through the kecamatan of %(dapil)s.", dapil=item.name),
            venue_name=spec.venues.get(item.id, ""),
        )  # fmt: skip
        try:
            planned.append((item, validate(stop, data)))
        except DomainError as error:  # say whose venue it is: the form has one per dapil
            if error.field != "venue_name":
                raise
            raise DomainError(f"{item.name}: {error.message}", f"venue-{item.id}") from None
    return planned


def create_programme(stop: Stop, spec: ProgrammeSpec, *, actor, now: datetime) -> list[Event]:
    """Create the previewed programme as drafts, all or nothing."""
    planned = plan_programme(stop, spec)
    events = [create_event(stop, data, actor=actor, now=now) for _dapil, data in planned]
    record(actor, "stop.programme", stop, events=[e.id for e in events], kind=spec.kind)
    return events


def publish_drafts(stop: Stop, *, actor, now: datetime) -> list[Event]:
    """Publish every draft of a stop, all or nothing."""
    drafts = list(
        db.session.execute(
            db.select(Event)
            .where(Event.stop_id == stop.id, Event.status == DRAFT, Event.deleted_at.is_(None))
            .order_by(Event.starts_at)
        ).scalars()
    )
    if not drafts:
        raise DomainError(_("This stop has no drafts to publish."))
    return [publish_event(event, actor=actor, now=now) for event in drafts]
