"""What the accounts area tells later areas, which it may not import.

A receiver is connected in its own area's module, one the app factory
imports, so it is connected whenever an app exists (web, CLI and tests).
"""

from __future__ import annotations

from blinker import Namespace

signals = Namespace()

user_deactivated = signals.signal(
    "user-deactivated",
    doc="""A user's account was deactivated; the sender is the user.

    Sent inside the service, before its flush, so receivers change the same
    unit of work (the request commits it, or rolls it all back).
    """,
)
