"""Rows of the SQL views (migration 0007), streamed in chunks straight from the database driver.

SQLite (aiosqlite): a cursor read with fetchmany; PostgreSQL (asyncpg): a server-side cursor in a
read-only transaction. Either way only one chunk is held in memory at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.reports.dictionary import DATASETS, TEXT, TIME

_NAME = re.compile(r"^[a-z_]+$")
CHUNK = 5000


class ViewQuery:
    """SELECT * FROM a view with equality / lower-bound conditions (names are checked identifiers)."""

    def __init__(
        self, view: str, conditions: Sequence[tuple[str, str, Any]] = (), spreadsheet: bool = False
    ) -> None:
        """spreadsheet: the database itself formats the times and neutralises formulas (CSV export),
        so that the Python side only writes (bot/reports/writers.py documents both rules)."""
        if view not in {d.view for d in DATASETS.values()}:
            raise ValueError(f"unknown view {view!r}")
        self.spreadsheet = spreadsheet
        self.dataset = next(d for d in DATASETS.values() if d.view == view)
        for column, op, _value in conditions:
            if not _NAME.match(column) or op not in ("=", ">=", "in"):
                raise ValueError(f"bad condition on {column!r}")
        self.view = view
        self.conditions = list(conditions)

    def sql(self, postgres: bool) -> tuple[str, list[Any]]:
        clauses, params = [], []

        def mark(value: Any) -> str:
            params.append(value)
            return f"${len(params)}" if postgres else "?"

        for column, op, value in self.conditions:
            if op == "in":
                marks = ", ".join(mark(v) for v in value) or "NULL"
                clauses.append(f"{column} IN ({marks})")
            else:
                if isinstance(value, datetime):
                    value = value.astimezone(UTC)
                    if not postgres:  # SQLite keeps UTC wall times as text
                        value = value.strftime("%Y-%m-%d %H:%M:%S")
                clauses.append(f"{column} {op} {mark(value)}")
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        first = self.dataset.names[0]  # v_contributions: tipo_aporte_codigo, then aporte_id
        order = f" ORDER BY {first}" if self.view != "v_contributions" else f" ORDER BY {first}, aporte_id"
        return f"SELECT {self._select(postgres)} FROM {self.view}{where}{order}", params

    def _select(self, postgres: bool) -> str:
        """spreadsheet (SQLite): each row comes as one finished CSV line made by SQLite's format():
        times as 'AAAA-MM-DD HH:MM:SS' (UTC), every text quoted with inner quotes doubled (%w) after
        a leading apostrophe neutralised a formula, NULL as an empty field. One Python value a row
        instead of one a cell: the export runs near the speed of the sqlite3 tool (bench/export.py)."""
        if not self.spreadsheet:
            return "*"
        if postgres:
            raise ValueError("CSV lines are made by SQLite only; PostgreSQL rows go through csv")
        formats, values = [], []
        for column in self.dataset.columns:
            name = column.name
            if column.kind == TIME:
                formats.append("%.19s")
                values.append(f"coalesce({name}, '')")
            elif column.kind == TEXT:
                formats.append('"%w"')
                values.append(  # unicode(): the first character; = + - @ tab CR get an apostrophe
                    f"coalesce(CASE WHEN unicode({name}) IN (61, 43, 45, 64, 9, 13)"
                    f" THEN '''' || {name} ELSE {name} END, '')"
                )
            else:
                formats.append("%s")
                values.append(f"coalesce({name}, '')")
        return f"format('{','.join(formats)}', {', '.join(values)}) AS linea"


async def stream_view(
    engine: AsyncEngine, query: ViewQuery, chunk: int = CHUNK
) -> AsyncIterator[tuple[list[str], list[tuple[Any, ...]]]]:
    """Yield (column names, rows) chunk after chunk; the first chunk may be empty (the header still
    comes: a file with no rows has its header row)."""
    postgres = engine.dialect.name == "postgresql"
    sql, params = query.sql(postgres)
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        if postgres:
            async with driver.transaction(readonly=True, isolation="repeatable_read"):
                statement = await driver.prepare(sql)
                columns = [attribute.name for attribute in statement.get_attributes()]
                yielded = False
                rows: list[tuple[Any, ...]] = []
                async for record in statement.cursor(*params, prefetch=chunk):
                    rows.append(tuple(record))
                    if len(rows) >= chunk:
                        yield columns, rows
                        yielded, rows = True, []
                if rows or not yielded:
                    yield columns, rows
        else:
            cursor = await driver.execute(sql, params)
            pending: Any = None
            try:
                columns = (
                    list(query.dataset.names) if query.spreadsheet else [d[0] for d in cursor.description]
                )
                # The next chunk is read (in aiosqlite's thread) while this one is being written.
                pending = asyncio.ensure_future(cursor.fetchmany(chunk))
                first = True
                while True:
                    rows = await pending
                    pending = asyncio.ensure_future(cursor.fetchmany(chunk)) if rows else None
                    if rows or first:
                        yield columns, rows
                    first = False
                    if not rows:
                        break
            finally:
                if pending is not None:
                    with contextlib.suppress(Exception):
                        await pending
                await cursor.close()


async def view_columns(engine: AsyncEngine, view: str) -> list[str]:
    async with engine.connect() as connection:
        result = await connection.execute(text(f"SELECT * FROM {ViewQuery(view).view} WHERE 1 = 0"))
        return list(result.keys())


async def export_to_file(
    engine: AsyncEngine, dataset: str, fmt: str, path: Any, filters: Any = None, progress: Any = None
) -> int:
    """Write one dataset to `path` in `fmt` (filters: bot.reports.exporting.Filters); the rows written."""
    from bot.reports import exporting
    from bot.reports.writers import writer_for

    data = exporting.dataset(dataset)
    csv = fmt == "csv" and engine.dialect.name == "sqlite"
    query = ViewQuery(data.view, exporting.conditions(data, filters or exporting.Filters()), spreadsheet=csv)
    if fmt == "xlsx":
        return await exporting.write_rows(
            stream_view(engine, query), writer_for(fmt, path), data.names, progress
        )
    with open(path, "w", encoding="utf-8", newline="") as out:  # noqa: ASYNC230 - written chunk by chunk
        return await exporting.write_rows(
            stream_view(engine, query), writer_for(fmt, out), data.names, progress, prepared=csv
        )
