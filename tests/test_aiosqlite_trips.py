"""The SQLite engine's adapter (storage/aiosqlite_trips.py): one trip to aiosqlite's thread a
statement, and the cursor says what SQLAlchemy's own adapter says. Always SQLite: it is its driver."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage.db import create_engine


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Functions run in aiosqlite's threads, by name."""
    counted: Counter[str] = Counter()
    original = aiosqlite.Connection._execute

    async def counting(self: aiosqlite.Connection, fn, *args, **kwargs):
        counted[getattr(fn, "__name__", repr(fn))] += 1
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    return counted


async def test_one_trip_a_statement_and_what_the_cursor_says(tmp_path: Path, trips: Counter[str]) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'trips.db'}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("create table t (id integer primary key, name text unique)"))
        trips.clear()
        async with engine.begin() as connection:
            inserted = await connection.execute(text("insert into t (name) values ('a'), ('b')"))
            assert (inserted.rowcount, inserted.lastrowid) == (2, 2)
            many = await connection.execute(
                text("insert into t (name) values (:name)"), [{"name": "c"}, {"name": "d"}]
            )
            assert many.rowcount == 2
            rows = await connection.execute(
                text("select id, name from t where id > :id order by id"), {"id": 1}
            )
            assert list(rows.keys()) == ["id", "name"] and rows.all() == [(2, "b"), (3, "c"), (4, "d")]
            updated = await connection.execute(text("update t set name = name || '!' where id <= 3"))
            assert updated.rowcount == 3
        assert trips == {"_run": 4, "commit": 1, "rollback": 1}  # the rollback: the pool's reset
        with pytest.raises(IntegrityError):
            async with engine.begin() as connection:
                await connection.execute(text("insert into t (name) values ('d')"))
        async with engine.connect() as connection:
            assert (await connection.execute(text("select count(*) from t"))).scalar() == 4
            streamed = await connection.stream(text("select name from t order by id"))
            assert [name async for name in streamed.scalars()] == ["a!", "b!", "c!", "d"]
    finally:
        await engine.dispose()
