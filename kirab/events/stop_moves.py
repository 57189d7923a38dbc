"""How the events area answers the relay's signals as stops change.

Imported by ``kirab/events/__init__.py``, so the receivers are connected
whenever anything of the events area (and so the app) is loaded.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kirab.events.guards import refuse_removal, refuse_stranding
from kirab.events.models import Event
from kirab.events.moves import live_events_of, move_events
from kirab.events.signals import events_shifted
from kirab.relay.models import Stop
from kirab.relay.signals import moving_with, stop_removing, stops_moved, window_changing


@window_changing.connect
def _window_changing(
    stop: Stop,
    *,
    receives_at: datetime,
    hands_over_at: datetime | None,
    field: str | None,
    recorded: bool = False,
) -> None:
    """A planned window may change only while its events stay inside it.

    A recorded handover is what happened: it is never refused. Events it
    leaves outside the stop are shown as warnings on the stop's and the
    event's page (``advisories.events_outside_stop``) and stay editable.
    """
    if not recorded:
        refuse_stranding(stop, receives_at, hands_over_at, field)


@stop_removing.connect
def _stop_removing(stop: Stop) -> None:
    """A stop with events stays."""
    refuse_removal(stop)


@moving_with.connect
def _moving_with(_stop: Stop, *, stops: list[Stop]) -> list[Event]:
    """The live events of the stops about to move."""
    return live_events_of([stop.id for stop in stops])


@stops_moved.connect
def _stops_moved(
    _stop: Stop, *, moves: list[tuple[Stop, timedelta]], actor, now: datetime, cause: str
) -> None:
    """Events go where their stop went; later areas hear of all of them at once."""
    moved = []
    for stop, delta in moves:
        if delta:
            events = move_events(stop, delta, actor=actor, now=now, cause=cause)
            moved.extend((event, delta) for event in events)
    if moved:
        events_shifted.send(_stop, moved=moved, now=now)
