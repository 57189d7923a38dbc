"""The SQLAlchemy instance, the declarative base and shared column types."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    DateTime,
    MetaData,
    SelectBase,
    TypeDecorator,
    any_,
    bindparam,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase

# A naming convention makes constraint names stable, so migrations can
# drop and alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def commit_without_waiting() -> None:
    """Let this transaction's commit return before its log reaches the disk (PostgreSQL only).

    For requests that store nothing but what can be built again (rendered
    pages, feeds): a crash right after the commit may lose what they stored,
    never half of it, and every process sees it as soon as it is committed.
    Waiting for the disk made every freshly rendered page wait for a flush.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def among(column, values: Iterable | SelectBase) -> ColumnElement[bool]:
    """``column IN values``, the values sent as one array on PostgreSQL.

    As a plain IN, a page of 500 ids is 500 parameters: SQLAlchemy writes
    each into the statement on every execution, and the driver parses the
    long text again and never prepares it. One array parameter keeps the
    statement the same whatever the number of values. A subquery is made
    into an array first (computed once) and looked up in the column's index:
    against "IN (subquery)" of a union, the planner hash-joins every row of
    the table. SQLite gets the IN.
    """
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    if isinstance(values, SelectBase):
        if postgresql:
            return column == any_(func.array(values.scalar_subquery()))
        return column.in_(values)
    values = list(values)
    if postgresql:
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def one_of(column: str, values: Iterable[str]) -> str:
    """The SQL of a CHECK that ``column`` holds one of ``values``, e.g. an enum's members.

    The values are the code's own vocabulary, never user input, so they are
    written into the SQL as literals.
    """
    values = [str(value) for value in values]
    if any("'" in value for value in values):
        raise ValueError("a value of a CHECK vocabulary may not contain a quote")
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """An aware datetime stored as naive UTC, read back as aware UTC.

    SQLite has no time zone type; storing UTC everywhere keeps comparisons
    and ordering right on both databases.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        """Convert an aware datetime to naive UTC; refuse naive values."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        """Mark the stored naive UTC value as UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC)
