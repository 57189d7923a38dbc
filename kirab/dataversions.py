"""Change markers per scope: what a page or feed shows is current while its scopes' versions are.

Every flush that changes something public raises the version of each scope
the change touches, in the same transaction, so every process sees the new
versions exactly when it sees the change. A page (or feed) names the scopes
it shows and is kept while their versions stay the same: a change in one
province leaves the pages of the others as they were.

The scopes:

- ``all``: every change below (pages that show everything, attendance included);
- ``events``: every change to what the agenda, the route and the feeds show
  (everything but attendance and accounts);
- ``global``: reference data, relays and routes (shown on every page);
- ``stops``: stops, handovers and their files: the relay's position (the home
  page, ``/route``, the relay status), which shows no event, so a change to
  an event leaves those pages as they were (the home page also follows the
  provinces of the stops holding the flags, whose events of the day it lists);
- ``route:<id>``, ``region:<province code>``, ``event:<id>``: where a change to
  an event, a stop or a handover lies;
- ``attendance``, ``attendance:region:<province code>``: attendance figures;
- ``users``: accounts and the regions they follow (personal feeds).

A model says which scopes its rows touch with a class method
``data_scopes(connection, rows) -> set[str]``; reference tables are listed
below by name. Writes that bypass the ORM (bulk imports, the national load)
call :func:`bump` themselves.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from sqlalchemy import BigInteger, CheckConstraint, String, case, event, select, update
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm import Session as OrmSession

from kirab.database import db

ALL = "all"
EVENTS = "events"
GLOBAL = "global"
STOPS = "stops"
ATTENDANCE = "attendance"
USERS = "users"

# Tables whose rows every page may show by name; a change to one touches everything.
REFERENCE_TABLES = {"regions", "offices", "dapil", "dapil_districts", "parties", "relays",
                    "routes"}  # fmt: skip
ACCOUNT_TABLES = {"users", "user_regions"}


class DataVersion(db.Model):
    """How often the data of one scope changed, and when it last did."""

    __tablename__ = "data_versions"
    __table_args__ = (CheckConstraint("version >= 0", name="version"),)

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    # Whole seconds since the epoch, rising by one at least with every change:
    # a Last-Modified built from it changes whenever the version does.
    changed_at: Mapped[int] = mapped_column(BigInteger, default=0)


def region_scope(code: str) -> str:
    """The scope of a region's province (``32.16`` is in ``region:32``)."""
    return f"region:{code[:2]}"


def attendance_scope(code: str) -> str:
    """The scope of the attendance figures of a region's province."""
    return f"attendance:region:{code[:2]}"


def _insert(table, connection):
    """An INSERT that can say what to do on a conflict, for the database in use."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def ordered(scopes: Iterable[str]) -> list[str]:
    """``all`` first, then the others sorted: every writer locks the rows in one order.

    Each change raises ``all``, so two transactions meet on that row first
    and wait for each other instead of deadlocking on the others.
    """
    rest = sorted(set(scopes) - {ALL})
    return [ALL, *rest]


def bump(scopes: Iterable[str], connection=None) -> None:
    """Raise the version of each scope (and of ``all``) in the current transaction."""
    connection = connection if connection is not None else db.session.connection()
    table = DataVersion.__table__
    now = int(time.time())
    later = case((table.c.changed_at >= now, table.c.changed_at + 1), else_=now)
    for scope in ordered(scopes):
        result = connection.execute(
            update(table)
            .where(table.c.scope == scope)
            .values(version=table.c.version + 1, changed_at=later)
        )
        if result.rowcount == 0:
            statement = _insert(table, connection).values(scope=scope, version=1, changed_at=now)
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[table.c.scope],
                    set_={"version": table.c.version + 1, "changed_at": later},
                )
            )


def read_versions(scopes: Iterable[str], connection=None) -> tuple[dict[str, tuple[int, int]], int]:
    """Each scope's version and last change (0, 0 if never changed), and the latest change.

    One query. The pair (version, changed_at) never repeats, even after a
    backup was restored with older versions: the next change is stamped now.
    """
    connection = connection if connection is not None else db.session.connection()
    names = sorted(set(scopes))
    rows = connection.execute(
        select(DataVersion.scope, DataVersion.version, DataVersion.changed_at).where(
            DataVersion.scope.in_(names)
        )
    ).all()
    versions = dict.fromkeys(names, (0, 0))
    latest = 0
    for scope, version, changed_at in rows:
        versions[scope] = (version, changed_at)
        latest = max(latest, changed_at)
    return versions, latest


# -- what a flush touched ----------------------------------------------------------------------


def _changed_rows(session: OrmSession):
    """The rows a flush wrote: new and deleted ones, and those really modified."""
    yield from session.new
    yield from session.deleted
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=True):
            yield obj


def changed_scopes(session: OrmSession) -> set[str]:
    """The scopes the rows of a flush touch (empty when nothing public changed)."""
    scopes: set[str] = set()
    by_model: dict[type, list] = {}
    for obj in _changed_rows(session):
        table = getattr(obj, "__tablename__", None)
        if table in REFERENCE_TABLES:
            scopes.update((GLOBAL, EVENTS))
        elif table in ACCOUNT_TABLES:
            scopes.add(USERS)
        elif hasattr(type(obj), "data_scopes"):
            by_model.setdefault(type(obj), []).append(obj)
    connection = session.connection() if by_model else None
    for model, rows in by_model.items():
        scopes |= model.data_scopes(connection, rows)
    return scopes


@event.listens_for(OrmSession, "after_flush")
def _bump_data_versions(session, flush_context) -> None:
    """Raise the versions of what a flush changed, in its transaction (seen with the change)."""
    scopes = changed_scopes(session)
    if scopes:
        bump(scopes, session.connection())
