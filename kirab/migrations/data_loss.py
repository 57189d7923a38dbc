"""The guard every downgrade that drops tables or columns calls first.

A downgrade below a revision drops what that revision added, with every
row in it: going back below the attendance migration would delete every
attendance record without a word. The guard refuses while any of the
given tables (or columns) holds something, unless ``KIRAB_ALLOW_DATA_LOSS=1``
is set, and names what would be lost. Tables that hold only what Kirab
builds again by itself (rendered feeds) or shipped reference data need not
be named.

It lives with the migrations, apart from the app: a migration must keep
working however the app's code changes later.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import context, op

ALLOW_DATA_LOSS = "KIRAB_ALLOW_DATA_LOSS"


class DataLossRefused(RuntimeError):
    """A downgrade stopped because it would delete rows."""


def _rows(connection, table: str, column: str | None) -> int:
    """How many rows of ``table`` hold something (in ``column``, when given)."""
    query = sa.select(sa.func.count()).select_from(sa.table(table))
    if column is not None:
        value = sa.column(column)
        query = query.where(value.is_not(None), sa.cast(value, sa.Text) != "")
    return connection.execute(query).scalar_one()


def refuse_data_loss(*targets: str) -> None:
    """Stop the downgrade if any target holds data, unless ``KIRAB_ALLOW_DATA_LOSS=1``.

    A target is a table name, or ``"table.column"`` for a column the
    downgrade drops. Offline (``--sql``) nothing is counted: the script is
    read by a person before it runs.
    """
    if os.environ.get(ALLOW_DATA_LOSS) == "1" or context.is_offline_mode():
        return
    connection = op.get_bind()
    holding = []
    for target in targets:
        table, _dot, column = target.partition(".")
        count = _rows(connection, table, column or None)
        if count:
            holding.append(f"{target} ({count} {'row' if count == 1 else 'rows'})")
    if holding:
        raise DataLossRefused(
            f"This downgrade would delete data: {', '.join(holding)}. "
            f"Back the database up first, then set {ALLOW_DATA_LOSS}=1 to go ahead."
        )
