"""Translated names of event kinds and statuses."""

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "handover": _l("Handover ceremony"),
    "campus": _l("KPU Goes To Campus"),
    "parade": _l("District parade"),
    "declaration": _l("Declaration and signing"),
    "outreach": _l("Other outreach"),
}

STATUS_LABELS = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "cancelled": _l("Cancelled"),
}


def kind_label(kind: str) -> str:
    """The name of an event kind in the current language."""
    return str(KIND_LABELS.get(kind, kind))


def status_label(status: str) -> str:
    """The name of an event status in the current language."""
    return str(STATUS_LABELS.get(status, status))
