"""What the change log tells the areas that deliver changes (blinker signals)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

change_recorded = _signals.signal(
    "agenda-change-recorded",
    doc="""Sent with an ``AgendaChange`` once it is flushed, inside the change's transaction.

    Receivers (notifications, webhooks) write their pending deliveries in
    the same session, so a change and its deliveries commit or vanish
    together (a transactional outbox).
    """,
)
