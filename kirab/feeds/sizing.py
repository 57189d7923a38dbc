"""The size rule in bytes: every feed stays under 1 MB uncompressed.

Google drops feeds over about 1 MB. When a feed's blocks would pass
``contents.MAX_BYTES``, the events' own descriptions are shortened first,
all to the same number of characters, the longest that fits (each still
ends with the event page's link), so every event of the filter stays. Only if the feed is
still too large with no own descriptions left are events left out, the
latest first. The feed's description says what was shortened or left out.

Shortened blocks are rendered on the rebuild that needs them and not
stored: only feeds over the limit pay for it, once per change of their data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from flask_babel import force_locale
from flask_babel import gettext as _

from kirab.feeds import contents as feed_contents
from kirab.feeds import ics
from kirab.feeds.contents import FeedContents, Member
from kirab.feeds.rendering import event_link, load_events, wording
from kirab.i18n import number

# Kept free for the note the calendar's description gains.
NOTE_RESERVE = 2_000
# A folded content line carries 74 octets and 3 of folding ("\r\n ").
FOLDING = 77 / 74


def description_bytes(text: str) -> float:
    """About what a description of ``text`` adds to a block: escaped, folded, a blank line."""
    escaped = len(text.encode()) + sum(text.count(c) for c in "\\;,\n") + 4
    return escaped * FOLDING


def _own(event) -> str:
    return (event.description or "").strip()


def estimated_total(blocks: Sequence[bytes], events: Sequence, limit: int) -> float:
    """About the blocks' bytes with every own description cut to ``limit`` characters."""
    total = 0.0
    for block, event in zip(blocks, events, strict=True):
        own = _own(event)
        total += len(block)
        if len(own) > limit:
            full = description_bytes(own)
            total -= full - (full * limit / len(own) if limit > 1 else 0)
    return total


def longest_fitting(blocks: Sequence[bytes], events: Sequence, budget: int) -> int:
    """The longest description (in characters) with which the blocks fit, by the estimate."""
    low, high = 0, max((len(_own(event)) for event in events), default=0)
    while low < high:
        middle = (low + high + 1) // 2
        if estimated_total(blocks, events, middle) <= budget:
            low = middle
        else:
            high = middle - 1
    return low


def shortened_blocks(blocks, events, lang: str, limit: int) -> list[bytes]:
    """The blocks with every own description over ``limit`` characters cut to it."""
    words = wording(lang)
    return [
        ics.render_event(event, words, event_link(event.id, lang), limit)
        if len(_own(event)) > limit
        else block
        for block, event in zip(blocks, events, strict=True)
    ]


def size_note(lang: str, limit: int | None, kept: int | None) -> str:
    """What the feed's description says about what the size rule did, in the feed's language."""
    notes = []
    with force_locale(lang):
        if limit is not None and limit <= 1:
            notes.append(
                _(
                    "To keep this feed under 1 MB, it leaves out the events' descriptions; "
                    "each event's page has them."
                )
            )
        elif limit is not None:
            notes.append(
                _(
                    "To keep this feed under 1 MB, descriptions are shortened to %(n)s "
                    "characters; each event's page has the full text.",
                    n=number(limit),
                )
            )
        if kept is not None:
            notes.append(
                _(
                    "To keep this feed under 1 MB, it holds only its first %(n)s events; "
                    "narrow its address for the others.",
                    n=number(kept),
                )
            )
    return " ".join(notes)


def fit(contents: FeedContents, blocks: list[bytes]) -> bytes:
    """The feed's bytes, shortened and then cut so they stay under ``contents.MAX_BYTES``."""
    info = contents.info
    zones = contents.timezones()
    head = ics.calendar_head(info) + b"".join(
        ics.timezone_block(zone) for zone in {info.timezone, *zones}
    )
    fixed = len(head) + len(ics.END_CALENDAR) + NOTE_RESERVE
    budget = feed_contents.MAX_BYTES - fixed
    if sum(len(block) for block in blocks) <= budget:
        return ics.assemble(info, zones, blocks)
    members, blocks, limit, kept = _within(contents.members, blocks, info.language, budget)
    note = size_note(info.language, limit, kept)
    info = replace(info, description=f"{info.description} {note}")
    return ics.assemble(info, {member.timezone for member in members}, blocks)


def _within(members: list[Member], blocks: list[bytes], lang: str, budget: int):
    """Members and blocks that fit the budget, the description limit and how many were kept."""
    by_id = {event.id: event for event in load_events([member.id for member in members])}
    events = [by_id[member.id] for member in members]
    limit = longest_fitting(blocks, events, budget)
    while True:
        fitted = shortened_blocks(blocks, events, lang, limit)
        if sum(len(block) for block in fitted) <= budget or limit == 0:
            break
        # The estimate was short of the truth: try a tenth fewer characters.
        limit = int(limit * 0.9)
    kept = None
    total = sum(len(block) for block in fitted)
    while total > budget and fitted:
        total -= len(fitted.pop())
        kept = len(fitted)
    return members[: len(fitted)], fitted, limit, kept
