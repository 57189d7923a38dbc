"""What every event card of a list says alike, worked out once for the whole list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from kirab.events.labels import KIND_LABELS
from kirab.i18n import time_formatter
from kirab.urls import id_links


@dataclass(frozen=True)
class CardTexts:
    """The link pattern, time format and words an event card uses, in the current language.

    A page of fifty cards otherwise builds fifty links through the URL map
    and finds the language for each time and label it shows.
    """

    link: Callable[[int], str]
    clock: Callable[[datetime, str], str]
    kinds: dict[str, str]
    cancelled: str

    def kind(self, kind: str) -> str:
        """The name of an event kind, as ``kind_label`` gives it."""
        return self.kinds.get(kind, kind)


def card_texts() -> CardTexts:
    """The texts of the event cards of one page, for ``events/_event_card.html``."""
    return CardTexts(
        link=id_links("events.show", "event_id", absolute=False),
        clock=time_formatter(),
        kinds={kind: str(label) for kind, label in KIND_LABELS.items()},
        cancelled=_("Cancelled"),
    )
