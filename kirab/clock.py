"""The current time, which tests and the demo can pin with ``FIXED_NOW``."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from kirab.database import utcnow


def now() -> datetime:
    """The current moment (aware); ``FIXED_NOW`` in the config pins it."""
    fixed = current_app.config.get("FIXED_NOW")
    return fixed if fixed is not None else utcnow()
