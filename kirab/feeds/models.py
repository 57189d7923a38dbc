"""What the feeds keep: personal tokens, rendered events, assembled feeds.

When a feed's data changed is told by the data versions of its scopes
(kirab/dataversions.py).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from kirab.database import UTCDateTime, db, utcnow


class FeedToken(db.Model):
    """A user's personal feed: only the hash of its secret token is kept."""

    __tablename__ = "feed_tokens"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RenderedEvent(db.Model):
    """One event's VEVENT bytes in one language, with what they were rendered from.

    A feed reuses the bytes while the event's sequence, last change and the
    renderer's fingerprint (base URL, labels) are unchanged, so a change to
    one event re-serialises that event only.
    """

    __tablename__ = "feed_event_renderings"
    __table_args__ = (CheckConstraint("sequence >= 0", name="sequence"),)

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    sequence: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fingerprint: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary)


class FeedDocument(db.Model):
    """The last assembled body of one feed (a filter or a person, in one language).

    It is served as long as the day, the data version and the renderer are
    the ones it was built for. Its validators live here, so every process
    answers with the same ETag and Last-Modified.
    """

    __tablename__ = "feed_documents"
    __table_args__ = (CheckConstraint("data_version >= 0", name="data_version"),)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    data_version: Mapped[int]
    fingerprint: Mapped[str] = mapped_column(String(64))
    # What the body was assembled from; equal members mean an equal body.
    members_hash: Mapped[str] = mapped_column(String(64))
    body_hash: Mapped[str] = mapped_column(String(64))
    # Rises exactly when the body changes (whole seconds, as HTTP has them).
    last_modified: Mapped[datetime] = mapped_column(UTCDateTime)
    body: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
