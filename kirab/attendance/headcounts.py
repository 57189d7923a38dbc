"""Crowd headcounts: each counter's running tally of a category, and the totals they add up to."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy.orm import joinedload

from kirab import clock
from kirab.attendance.identity import (
    Outcome,
    check_category,
    check_recordable,
    clean_name,
    find_by_idempotency_key,
    person_key,
    replay,
)
from kirab.attendance.models import COUNTER_MAX, HeadcountTally
from kirab.audit.services import record as audit
from kirab.auth.models import User
from kirab.database import db
from kirab.errors import DomainError
from kirab.events.models import Event

MAX_HEADCOUNT = 1_000_000


def record_headcount(
    event: Event, *, counter: str, category: str, count: int | None, actor: User, key: str
) -> Outcome:
    """Keep a post's new tally of a category; a repeated submission records once.

    The post is known by its key (case, spacing and punctuation aside), so
    "Gerbang utara" and "gerbang utara " are one post: its new tally of the
    category replaces its last one in the crowd.
    """
    if (found := find_by_idempotency_key(HeadcountTally, key)) is not None:
        return replay(event, found)
    check_recordable(event)
    counter = clean_name(counter, "counter", COUNTER_MAX)
    category = check_category(category)
    if count is None or not 0 <= count <= MAX_HEADCOUNT:
        raise DomainError(
            _("Enter a whole number from 0 to %(max)s.", max=f"{MAX_HEADCOUNT:,}"), "count"
        )
    tally = HeadcountTally(
        event_id=event.id,
        counter=counter,
        counter_key=person_key(counter),
        category=category,
        count=count,
        recorded_at=clock.now(),
        recorded_by_id=actor.id,
        idempotency_key=key,
    )
    db.session.add(tally)
    db.session.flush()
    audit(actor, "attendance.headcount", tally, event_id=event.id, category=category, count=count)
    return Outcome(tally, created=True)


def resolve_headcount_conflict(event: Event, key: str) -> Outcome:
    """After the database refused a tally another worker made first: answer as it did."""
    found = find_by_idempotency_key(HeadcountTally, key)
    if found is None:
        raise DomainError(_("The tally could not be saved. Please try again."))
    return replay(event, found)


def latest_tallies(event_ids=None):
    """A select of the tallies that count: the latest per event, counter and category."""
    rank = (
        func.row_number()
        .over(
            partition_by=(
                HeadcountTally.event_id,
                HeadcountTally.counter_key,
                HeadcountTally.category,
            ),
            order_by=(HeadcountTally.recorded_at.desc(), HeadcountTally.id.desc()),
        )
        .label("rank")
    )
    ranked = db.select(HeadcountTally.id, rank)
    if event_ids is not None:
        ranked = ranked.where(HeadcountTally.event_id.in_(event_ids))
    ranked = ranked.subquery()
    return (
        db.select(HeadcountTally)
        .join(ranked, ranked.c.id == HeadcountTally.id)
        .where(ranked.c.rank == 1)
    )


def latest_tallies_of(
    event: Event, history: list[PostHistory] | None = None, history_limit: int = 0
) -> list[HeadcountTally]:
    """The tallies that count for one event, by post and category.

    When the page's ``history`` (read with ``history_limit``) holds fewer
    tallies than its limit, it holds them all, and the latest of each post and
    category are picked from it rather than asked of the database again.
    """
    if history is not None and sum(len(item.tallies) for item in history) < history_limit:
        latest: dict[tuple[str, str], HeadcountTally] = {}
        for item in history:
            for tally in item.tallies:  # latest first: the first seen counts
                latest.setdefault((tally.counter_key, tally.category), tally)
        found = latest.values()
    else:
        found = db.session.execute(latest_tallies([event.id])).scalars()
    # Sorted here either way, so the table keeps one order whichever way it was read.
    return sorted(found, key=lambda tally: (tally.counter_key, tally.category))


@dataclass
class PostHistory:
    """One counting post's tallies at an event, latest first."""

    post: str
    tallies: list[HeadcountTally] = field(default_factory=list)


# Tallies the page shows at most; the exports hold every one.
HISTORY_LIMIT = 300


def tally_history(event: Event, limit: int = HISTORY_LIMIT) -> list[PostHistory]:
    """The event's latest tallies (at most ``limit``) by post, latest first within each.

    Posts are told apart by their key ("Gerbang utara" and "gerbang  utara"
    are one post) and named as their latest tally wrote them; the post with
    the latest tally comes first.
    """
    tallies = db.session.execute(
        db.select(HeadcountTally)
        .where(HeadcountTally.event_id == event.id)
        # Only the recorder's name is shown: not the regions they follow.
        .options(joinedload(HeadcountTally.recorded_by).lazyload(User.region_links))
        .order_by(HeadcountTally.recorded_at.desc(), HeadcountTally.id.desc())
        .limit(limit)
    ).scalars()
    posts: dict[str, PostHistory] = {}
    for tally in tallies:
        posts.setdefault(tally.counter_key, PostHistory(tally.counter)).tallies.append(tally)
    return list(posts.values())


def headcount_totals(event_ids=None) -> dict[int, int]:
    """The crowd of each event: its counters' latest tallies added up."""
    counted = latest_tallies(event_ids).subquery()
    rows = db.session.execute(
        db.select(counted.c.event_id, func.sum(counted.c.count)).group_by(counted.c.event_id)
    ).all()
    return {event_id: int(total or 0) for event_id, total in rows}
