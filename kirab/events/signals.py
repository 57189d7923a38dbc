"""What the events area tells the areas after it when the public agenda changes (blinker signals).

Sent by the scheduling services and the stop moves once their change is
flushed, inside its transaction; the change log (``kirab.changes``) listens.
Every signal carries ``now``, the moment of the change.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

event_published = _signals.signal(
    "event-published",
    doc="""Sent with an event that came onto the agenda (a draft published, or a cancelled
    event published again).""",
)

event_updated = _signals.signal(
    "event-updated",
    doc="""Sent with an event whose details were saved; ``changes`` maps each changed
    field to its [old, new] pair. Sent for drafts too: receivers decide what is public.""",
)

event_cancelled = _signals.signal(
    "event-cancelled",
    doc="""Sent with a published event just cancelled (its reason in ``cancel_reason``).""",
)

event_withdrawn = _signals.signal(
    "event-withdrawn",
    doc="""Sent with an event taken back from the public agenda (back to a draft, or
    deleted) after it had been published or cancelled.""",
)

events_shifted = _signals.signal(
    "events-shifted",
    doc="""Sent with a stop once, after stops moved (shift, reorder), with ``moved``: every
    event that moved along, each with how far, as (event, delta) pairs.""",
)
