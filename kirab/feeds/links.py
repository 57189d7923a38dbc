"""Addresses to subscribe to a feed: https, webcal and a QR code."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale

from kirab.events.filters import EventFilter
from kirab.feeds.contents import LANGUAGES, public_feed_name
from kirab.feeds.rendering import link


@dataclass(frozen=True)
class FeedLinks:
    """One feed's name and addresses."""

    name: str
    https: str

    @property
    def webcal(self) -> str:
        """The same address for apps that subscribe on a ``webcal://`` link (Apple, Outlook)."""
        return "webcal://" + self.https.split("://", 1)[1]


def page_language() -> str:
    """The language of the page offering the feed; its feed speaks the same."""
    lang = str(get_locale() or "id")
    return lang if lang in LANGUAGES else "id"


def filter_links(event_filter: EventFilter) -> FeedLinks:
    """The public feed of an agenda filter."""
    lang = page_language()
    return FeedLinks(
        name=public_feed_name(event_filter, lang),
        https=link("feeds.calendar", lang, **event_filter.as_args()),
    )


def personal_links(token: str) -> FeedLinks:
    """A personal feed, given its token (only known right after it was made)."""
    lang = page_language()
    return FeedLinks(name="", https=link("feeds.personal", lang, token=token))
