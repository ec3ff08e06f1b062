"""The views, the streaming export and the read-only role on PostgreSQL (skipped without one)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.reports import exporting
from bot.reports.access import readonly_role_sql
from bot.reports.dictionary import DATASETS
from bot.reports.stats import cuadros
from bot.reports.writers import writer_for
from storage.db import session_factory
from storage.exports import ViewQuery, stream_view, view_columns
from storage.stats import SqlStats
from tests import report_fixture as fx


async def _raw(engine: AsyncEngine) -> asyncpg.Connection:
    url = engine.url
    return await asyncpg.connect(
        user=url.username, host=url.host, port=url.port, database=url.database, password=url.password
    )


async def test_views_exports_stats_and_readonly_role_on_postgres(
    pg_engine: AsyncEngine, tmp_path: Path
) -> None:
    connection = await _raw(pg_engine)
    try:
        await fx.populate_postgres(connection)
    finally:
        await connection.close()
    for data in DATASETS.values():
        assert await view_columns(pg_engine, data.view) == list(data.names), data.name
    data = DATASETS["feedback"]
    path = tmp_path / "f.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        query = ViewQuery(data.view, exporting.conditions(data, exporting.Filters(regions=("13", "22"))))
        count = await exporting.write_rows(
            stream_view(pg_engine, query, chunk=2), writer_for("csv", out), data.names
        )
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert count == 4 and [row[0] for row in rows[1:]] == ["1", "2", "5", "7"]
    assert rows[1][1] == "2026-11-01 10:00:00" and rows[1][-3] == "'" + fx.HYPERLINK
    async with session_factory(pg_engine)() as session:
        tables = cuadros(await SqlStats(session).counts())
    assert tables[2].rows[-1] == ["Total (%)", 40, 60, 100] and tables[3].rows[-1] == ["Total", 2, 1, 4, 1, 8]

    admin = await _raw(pg_engine)
    try:
        await admin.execute("DROP ROLE IF EXISTS participa_prueba")
        await admin.execute(readonly_role_sql("participa_prueba"))
        await admin.execute(readonly_role_sql("participa_prueba"))  # idempotent
        reader = await asyncpg.connect(
            user="participa_prueba",
            host=pg_engine.url.host,
            port=pg_engine.url.port,
            database=pg_engine.url.database,
        )
        try:
            assert await reader.fetchval("SELECT COUNT(*) FROM v_participants") == 9
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await reader.fetch("SELECT full_name FROM people")
            with pytest.raises(asyncpg.PostgresError):
                await reader.execute("CREATE TABLE x (id int)")
        finally:
            await reader.close()
    finally:
        await admin.execute(
            "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM participa_prueba;"
            "REVOKE ALL ON SCHEMA public FROM participa_prueba;"
            "DROP OWNED BY participa_prueba; DROP ROLE participa_prueba"
        )
        await admin.close()
