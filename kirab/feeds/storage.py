"""How feeds are stored: each feed built once per change of its data, and kept.

A request for a feed costs one small query while nothing changed: the
data version (the sum of the versions of the scopes its events lie in,
which every change to them raises, see kirab/dataversions.py) and the stored
feed with its validators. A change in one province leaves the feeds of the
others as they were. After a change, the feed's members
are listed (ids, sequences, last changes); when they are the same as before
the stored body is kept, otherwise the body is assembled again from the
events' stored VEVENT blocks, rendering only the events that changed.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, func, select, update

from kirab.database import commit_without_waiting, db
from kirab.dataversions import DataVersion
from kirab.events.models import Event
from kirab.feeds import sizing
from kirab.feeds.contents import (
    FeedContents,
    FeedSpec,
    Member,
    day_start,
    event_contents,
    feed_contents,
    feed_day,
)
from kirab.feeds.models import FeedDocument, RenderedEvent
from kirab.feeds.rendering import chunks, fingerprint, render_events

# Assembled feeds not asked for in this many days are dropped from the store.
KEEP_DAYS = 7


def whole_seconds(moment: datetime) -> datetime:
    """An aware UTC moment without its fraction of a second (HTTP dates have none)."""
    return moment.astimezone(UTC).replace(microsecond=0)


def _insert(table):
    """An INSERT that can say what to do on a conflict, for the database in use."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


# -- stored VEVENT blocks ----------------------------------------------------------------------


def event_blocks(members: Sequence[Member], lang: str) -> list[bytes]:
    """The VEVENT block of each member: kept ones as they are, the others rendered and stored.

    A block is current while its event's sequence and last change and the
    language's fingerprint are those it was rendered with: this process's
    copy is taken under that key, a stored one only when its columns say so.
    """
    stamp = fingerprint(lang)
    copies = block_copies()
    blocks: dict[int, bytes] = {}
    for member in members:
        found = copies.get((member.id, lang), (member.sequence, member.updated_at, stamp))
        if found is not None:
            blocks[member.id] = found
    wanted = {member.id: member for member in members if member.id not in blocks}
    connection = db.session.connection()
    for chunk in chunks(list(wanted)):
        rows = connection.execute(
            select(RenderedEvent.event_id, RenderedEvent.sequence, RenderedEvent.updated_at,
                   RenderedEvent.fingerprint, RenderedEvent.body)
            .where(RenderedEvent.lang == lang, RenderedEvent.event_id.in_(chunk))
        )  # fmt: skip
        for event_id, sequence, updated_at, stored_stamp, body in rows:
            member = wanted[event_id]
            if (sequence, updated_at, stored_stamp) == (member.sequence, member.updated_at, stamp):
                blocks[event_id] = body
                copies.put((event_id, lang), (sequence, updated_at, stamp), body)
    stale = [member.id for member in members if member.id not in blocks]
    if stale:
        fresh = []
        for event, body in render_events(stale, lang):
            blocks[event.id] = body
            copies.put((event.id, lang), (event.sequence, event.updated_at, stamp), body)
            fresh.append(
                dict(event_id=event.id, lang=lang, sequence=event.sequence,
                     updated_at=event.updated_at, fingerprint=stamp, body=body)
            )  # fmt: skip
        _keep_blocks(fresh)
    return [blocks[member.id] for member in members]


def _keep_blocks(rows: list[dict]) -> None:
    """Store freshly rendered blocks, replacing older ones of the same event and language."""
    table = RenderedEvent.__table__
    for chunk in chunks(rows):
        statement = _insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.event_id, table.c.lang],
            set_={name: statement.excluded[name]
                  for name in ("sequence", "updated_at", "fingerprint", "body")},
        )  # fmt: skip
        db.session.execute(statement, list(chunk))


def assemble(contents: FeedContents) -> bytes:
    """A feed's bytes from its members' VEVENT blocks, kept under the size limit."""
    blocks = event_blocks(contents.members, contents.info.language)
    return sizing.fit(contents, blocks)


# -- stored feeds ------------------------------------------------------------------------------
@dataclass
class Feed:
    """A feed ready to answer with: validators now, the body when needed."""

    key: str
    etag: str
    last_modified: datetime
    body_loader: Callable[[], bytes]
    _body: bytes | None = None
    # Whether building it wrote to the store (the caller commits then).
    written: bool = False

    @property
    def body(self) -> bytes:
        """The feed's bytes (read from the store only when a response needs them)."""
        if self._body is None:
            self._body = self.body_loader()
        return self._body


def make_etag(day: date, body_hash: str) -> str:
    """A strong ETag of the body and the day it was built for (date-bound content)."""
    return f"{body_hash[:32]}-{day:%Y%m%d}"


def _key(spec: FeedSpec, lang: str) -> str:
    return hashlib.sha256(json.dumps([spec.scope, lang], default=str).encode()).hexdigest()


VALIDATOR_COLUMNS = (
    FeedDocument.day, FeedDocument.data_version, FeedDocument.fingerprint,
    FeedDocument.members_hash, FeedDocument.body_hash, FeedDocument.last_modified,
)  # fmt: skip


class BodyCopies:
    """Recently served feed bodies (or VEVENT blocks), copied in this process's memory.

    The store in the database stays the truth: a copy is used only when its
    hash is the one the store holds now (for a block: the sequence, last
    change and fingerprint the event has now), so every process serves the
    same bytes. It saves reading a megabyte from the database for every poll.
    """

    def __init__(self, limit_bytes: int):
        self.limit = limit_bytes
        self.size = 0
        self.copies: OrderedDict[Hashable, tuple[Hashable, bytes]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable, body_hash: Hashable) -> bytes | None:
        """The copy of ``key`` if it is the body with this hash."""
        with self.lock:
            found = self.copies.get(key)
            if found is None or found[0] != body_hash:
                return None
            self.copies.move_to_end(key)
            return found[1]

    def put(self, key: Hashable, body_hash: Hashable, body: bytes) -> None:
        """Keep a copy, forgetting the least recently used beyond the limit."""
        if len(body) > self.limit:
            return
        with self.lock:
            old = self.copies.pop(key, None)
            if old is not None:
                self.size -= len(old[1])
            self.copies[key] = (body_hash, body)
            self.size += len(body)
            while self.size > self.limit:
                _key, (_hash, dropped) = self.copies.popitem(last=False)
                self.size -= len(dropped)


def body_copies() -> BodyCopies:
    """This process's copies for the current app."""
    extensions = current_app.extensions
    if "kirab.feeds.copies" not in extensions:
        extensions["kirab.feeds.copies"] = BodyCopies(current_app.config["FEED_COPIES_BYTES"])
    return extensions["kirab.feeds.copies"]


def block_copies() -> BodyCopies:
    """This process's copies of VEVENT blocks, by (event, language) and what they were made of."""
    extensions = current_app.extensions
    if "kirab.feeds.blocks" not in extensions:
        limit = current_app.config["FEED_BLOCK_COPIES_BYTES"]
        extensions["kirab.feeds.blocks"] = BodyCopies(limit)
    return extensions["kirab.feeds.blocks"]


def _stored_body(key: str) -> bytes:
    body_hash, body = db.session.execute(
        select(FeedDocument.body_hash, FeedDocument.body).where(FeedDocument.key == key)
    ).one()
    body_copies().put(key, body_hash, body)
    return body


def _validators(key: str):
    return (
        db.session.connection()
        .execute(select(*VALIDATOR_COLUMNS).where(FeedDocument.key == key))
        .one_or_none()
    )


@cache
def _lookup_statement():
    """The one query of an unchanged feed, built once: its text is the same every time.

    Versions only rise, so the sum over a feed's (fixed) scopes rises with
    every change to any of them: an equal sum means nothing changed.
    """
    total = (
        select(func.coalesce(func.sum(DataVersion.version), 0).label("version"))
        .where(DataVersion.scope.in_(bindparam("scopes", expanding=True)))
        .subquery()
    )
    return (
        select(total.c.version, *VALIDATOR_COLUMNS)
        .select_from(total)
        .outerjoin(FeedDocument, FeedDocument.key == bindparam("key"))
    )


def _lookup(key: str, scopes) -> tuple[int, object]:
    """The data version of the feed's scopes and the stored feed's validators, in one query."""
    found = (
        db.session.connection()
        .execute(_lookup_statement(), {"key": key, "scopes": sorted(scopes)})
        .one()
    )
    return int(found.version), (found if found.day is not None else None)


def _feed_from(key, day, body_hash, last_modified, body=None, written=False) -> Feed:
    if body is None:
        body = body_copies().get(key, body_hash)
    else:
        body_copies().put(key, body_hash, body)
    return Feed(
        key=key,
        etag=make_etag(day, body_hash),
        last_modified=last_modified,
        body_loader=lambda: _stored_body(key),
        _body=body,
        written=written,
    )


def get_feed(spec: FeedSpec, lang: str, now: datetime) -> Feed:
    """The feed for today: stored when nothing changed, otherwise rebuilt and stored.

    While nothing changed this is one small query; the body is read from the
    store (or this process's copy of it) only when a response needs it.
    """
    day = feed_day(now)
    stamp = fingerprint(lang)
    key = _key(spec, lang)
    version, row = _lookup(key, spec.versions)
    if row is not None and (row.day, row.data_version, row.fingerprint) == (day, version, stamp):
        return _feed_from(key, day, row.body_hash, row.last_modified)

    # A rebuild stores only what can be built again: its commit need not wait for the disk.
    commit_without_waiting()
    contents = feed_contents(spec, day, lang)
    members_hash = contents.digest()
    if row is not None and row.members_hash == members_hash and row.fingerprint == stamp:
        # Same events, same words: the stored body stands; note the day and version.
        _update(key, day=day, data_version=version)
        return _feed_from(key, day, row.body_hash, row.last_modified, written=True)

    body = assemble(contents)
    newest = max((m.updated_at for m in contents.members), default=day_start(day))
    values = dict(day=day, data_version=version, fingerprint=stamp, members_hash=members_hash,
                  body_hash=hashlib.sha256(body).hexdigest(), body=body)  # fmt: skip
    return _store(key, row, values, whole_seconds(newest))


def _store(key: str, row, values: dict, newest: datetime) -> Feed:
    """Keep a rebuilt feed; its Last-Modified is its newest event's, and only ever rises."""
    table = FeedDocument.__table__
    day, body_hash, body = values["day"], values["body_hash"], values["body"]
    if row is None:
        statement = _insert(table).values(
            key=key, last_modified=newest, **values
        ).on_conflict_do_nothing(index_elements=[table.c.key])  # fmt: skip
        db.session.execute(statement)
        _prune(day)
        row = _validators(key)
        if row.body_hash == body_hash:
            return _feed_from(key, day, body_hash, row.last_modified, body, written=True)
    if row.body_hash == body_hash:
        # Rebuilt to the same bytes (the members' data moved, the body did not).
        _update(key, **{name: value for name, value in values.items() if name != "body"})
        return _feed_from(key, day, body_hash, row.last_modified, body, written=True)
    # The body changed: Last-Modified rises (by a second at least, so a client's
    # If-Modified-Since never hides a change), unless another process got there first.
    last_modified = max(newest, row.last_modified + timedelta(seconds=1))
    result = db.session.execute(
        update(table)
        .where(table.c.key == key, table.c.body_hash == row.body_hash)
        .values(last_modified=last_modified, **values)
    )
    if result.rowcount == 0:
        # Another process stored a body meanwhile; answer with what is stored.
        row = _validators(key)
        return _feed_from(key, row.day, row.body_hash, row.last_modified, written=True)
    return _feed_from(key, day, body_hash, last_modified, body, written=True)


def _update(key: str, **values) -> None:
    """Change the stored feed's columns."""
    table = FeedDocument.__table__
    db.session.execute(update(table).where(table.c.key == key).values(**values))


def _prune(day: date) -> None:
    """Drop stored feeds nobody asked for lately, so odd filters do not pile up."""
    db.session.execute(
        FeedDocument.__table__.delete().where(FeedDocument.day < day - timedelta(days=KEEP_DAYS))
    )


def event_feed(event: Event, lang: str) -> Feed:
    """One event as a calendar of its own (the "add to calendar" download)."""
    body = assemble(event_contents(event, lang))
    body_hash = hashlib.sha256(body).hexdigest()
    return Feed(
        key=f"event:{event.id}",
        etag=body_hash[:32],
        last_modified=whole_seconds(event.updated_at),
        body_loader=lambda: body,
        _body=body,
    )
