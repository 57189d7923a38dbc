"""What the relay tells the areas after it when stops change (blinker signals).

The relay plans stops; what lies on a stop's agenda belongs to later areas
(events), which the relay never imports. It sends these signals instead,
as Indico's ``indico.core.signals`` do, and the later areas connect their
receivers when the app is built. A receiver refuses a change by raising
DomainError; ``send`` returns every receiver's answer as (receiver, value).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from blinker import Namespace

_signals = Namespace()

window_changing = _signals.signal(
    "stop-window-changing",
    doc="""Sent with a stop before its window changes while its agenda stays put.

    Keyword arguments: ``receives_at`` and ``hands_over_at`` (the new window),
    ``field`` (the form field a refusal concerns) and ``recorded`` (true
    when the change records when a handover took place: history, which
    receivers warn about instead of refusing). A receiver that cannot allow
    a planned change raises DomainError.
    """,
)

stop_removing = _signals.signal(
    "stop-removing",
    doc="""Sent with a stop before it is removed; a receiver refuses by raising DomainError.""",
)

moving_with = _signals.signal(
    "moving-with-stops",
    doc="""Asked with a stop before it and the ``stops`` after it move in time.

    Each receiver returns what moves with them (see ``Moving``), in order;
    the shift preview shows it and its fingerprint covers it.
    """,
)

stops_moved = _signals.signal(
    "stops-moved",
    doc="""Sent with a stop after stops moved in time, for their agendas to follow.

    Keyword arguments: ``moves`` (pairs of a stop and how far it moved),
    ``actor``, ``now`` and ``cause`` (the audit action of the stop change).
    """,
)


class Moving(Protocol):
    """Something on a stop's agenda that moves with the stop (an event)."""

    id: int
    title: str
    starts_at: datetime
    ends_at: datetime

    @property
    def timezone(self) -> str:
        """The zone it is told in."""


def answers(sent: Iterable[tuple[object, object]]) -> list:
    """Every item the receivers of a signal returned, in the order they answered."""
    return [item for _receiver, items in sent for item in items or ()]
