"""Writing many rows at once: COPY on PostgreSQL, chunked Core inserts elsewhere.

Rows are tuples in the order of the columns named for their table, with ids
given here (after the highest id the table holds), so that rows of later
tables can refer to them before anything is written. Everything goes
through the session's connection, inside its one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC

from sqlalchemy import JSON, func, insert, select, text

from kirab.database import UTCDateTime, db

CHUNK = 5000


class BulkWriter:
    """Buffers rows per table and writes them in chunks.

    Tables are written in the order ``columns`` names them, parents before
    the tables that refer to them, so every foreign key holds at each write.
    """

    def __init__(self, columns: dict[str, Sequence[str]]):
        self.columns = {name: tuple(cols) for name, cols in columns.items()}
        self.connection = db.session.connection()
        self.postgres = self.connection.dialect.name == "postgresql"
        self.buffers: dict[str, list[tuple]] = {name: [] for name in columns}
        self.counts: dict[str, int] = dict.fromkeys(columns, 0)
        self.last_ids: dict[str, int] = {}
        self._kinds = {name: self._column_kinds(name) for name in columns}

    def _column_kinds(self, name: str) -> tuple[list[int], list[int]]:
        """Positions of the datetime and the JSON columns of a table's rows."""
        table = db.metadata.tables[name]
        types = [table.c[column].type for column in self.columns[name]]
        moments = [i for i, kind in enumerate(types) if isinstance(kind, UTCDateTime)]
        documents = [i for i, kind in enumerate(types) if isinstance(kind, JSON)]
        return moments, documents

    def next_id(self, name: str) -> int:
        """A new id for a row of ``name``, after every id it holds already."""
        if name not in self.last_ids:
            table = db.metadata.tables[name]
            highest = self.connection.execute(select(func.max(table.c.id))).scalar()
            self.last_ids[name] = highest or 0
        self.last_ids[name] += 1
        return self.last_ids[name]

    def add(self, name: str, row: tuple) -> None:
        """Queue a row; when a buffer is full every buffer is written, parents first."""
        buffer = self.buffers[name]
        buffer.append(row)
        if len(buffer) >= CHUNK:
            self.flush()

    def extend(self, name: str, rows: Iterable[tuple]) -> None:
        """Queue many rows of one table."""
        for row in rows:
            self.add(name, row)

    def flush(self, *names: str) -> None:
        """Write the queued rows of the tables named (all of them, in order, without names)."""
        for name in names or tuple(self.buffers):
            rows, self.buffers[name] = self.buffers[name], []
            if not rows:
                continue
            if self.postgres:
                self._copy(name, rows)
            else:
                columns = self.columns[name]
                table = db.metadata.tables[name]
                self.connection.execute(
                    insert(table), [dict(zip(columns, row, strict=True)) for row in rows]
                )
            self.counts[name] += len(rows)

    def _copy(self, name: str, rows: list[tuple]) -> None:
        """COPY rows into a PostgreSQL table, times as naive UTC as ``UTCDateTime`` stores them."""
        moments, documents = self._kinds[name]
        columns = ", ".join(self.columns[name])
        cursor = self.connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
            for row in rows:
                if moments or documents:
                    row = list(row)
                    for index in moments:
                        if row[index] is not None:
                            row[index] = row[index].astimezone(UTC).replace(tzinfo=None)
                    for index in documents:
                        row[index] = json.dumps(row[index])
                copy.write_row(row)

    def finish(self) -> dict[str, int]:
        """Write what is left; on PostgreSQL move the id sequences on and refresh the statistics."""
        self.flush()
        if self.postgres:
            for name in self.last_ids:
                # Table names come from COLUMNS, never from input.
                sql = f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"  # noqa: S608, E501
                self.connection.execute(text(sql))
            # Fresh statistics: without them the planner takes the new tables for empty,
            # and the reports over them would run into the statement timeout.
            for name, written in self.counts.items():
                if written:
                    self.connection.execute(text(f"ANALYZE {name}"))
        return dict(self.counts)
