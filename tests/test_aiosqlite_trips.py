"""The SQLite engine's adapter (storage/aiosqlite_trips.py): one trip to aiosqlite's thread a
statement, the cursor says what SQLAlchemy's own adapter says, and writers take turns at the write
gate instead of sleeping in SQLite's busy handler. Always SQLite: it is its driver."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from storage import db


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What was handed to aiosqlite's threads, in order: a statement, "commit", "rollback" or a name."""
    order: list[str] = []
    original = aiosqlite.Connection._execute

    async def recording(self: aiosqlite.Connection, fn, *args, **kwargs):
        order.append(args[1] if fn.__name__ in ("_run", "_end") else fn.__name__)
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", recording)
    return order


async def test_one_trip_a_statement_and_what_the_cursor_says(tmp_path: Path, sent: list[str]) -> None:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'trips.db'}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("create table t (id integer primary key, name text unique)"))
        sent.clear()
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
        trips = Counter("statement" if " " in item else item for item in sent)
        assert trips == {"statement": 4, "commit": 1}  # the pool's reset: nothing left to roll back
        with pytest.raises(IntegrityError):
            async with engine.begin() as connection:
                await connection.execute(text("insert into t (name) values ('d')"))
        async with engine.connect() as connection:
            assert (await connection.execute(text("select count(*) from t"))).scalar() == 4
            streamed = await connection.stream(text("select name from t order by id"))
            assert [name async for name in streamed.scalars()] == ["a!", "b!", "c!", "d"]
    finally:
        await engine.dispose()


async def test_a_commit_or_rollback_makes_a_trip_only_with_a_transaction_open(
    tmp_path: Path, sent: list[str]
) -> None:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'ends.db'}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("create table t (id integer primary key)"))
        sent.clear()
        async with engine.connect() as connection:  # reads, then the pool's reset
            await connection.execute(text("select count(*) from t"))
            await connection.rollback()
            await connection.execute(text("select 1"))
            await connection.commit()
        assert [item for item in sent if " " not in item] == []
        async with engine.connect() as connection:
            await connection.execute(text("insert into t default values"))
            await connection.rollback()  # a write: rolled back in the thread
            assert (await connection.execute(text("select count(*) from t"))).scalar() == 0
        assert [item for item in sent if " " not in item] == ["rollback"]
        async with engine.begin() as connection:  # and the write lock was given back
            await connection.execute(text("insert into t default values"))
        assert [item for item in sent if " " not in item] == ["rollback", "commit"]
    finally:
        await engine.dispose()


async def test_a_writer_waits_its_turn_at_the_gate_not_in_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's own wait is switched off here (busy timeout 0: a second writer would fail at once with
    "database is locked"); the gate makes it wait until the first writer committed."""
    monkeypatch.setattr(db, "BUSY_TIMEOUT", 0.0)
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'gate.db'}")
    engine.dialect.dbapi.gate.timeout = 5.0
    writer = db.autocommit_engine(engine)  # another engine on the same database: the same gate
    try:
        async with engine.begin() as connection:
            await connection.execute(text("create table t (id integer primary key, who text)"))
        first_wrote = asyncio.Event()

        async def first() -> None:
            async with engine.begin() as connection:
                await connection.execute(text("insert into t (who) values ('first')"))
                first_wrote.set()
                await asyncio.sleep(0.2)  # the write lock is held while the event loop runs others
                async with writer.connect() as reader:  # reading needs no turn
                    assert (await reader.execute(text("select count(*) from t"))).scalar() == 0

        async def second() -> None:
            await first_wrote.wait()
            async with writer.begin() as connection:
                await connection.execute(text("insert into t (who) values ('second')"))

        await asyncio.gather(first(), second())
        async with engine.connect() as connection:
            who = (await connection.execute(text("select who from t order by id"))).scalars().all()
        assert who == ["first", "second"]
    finally:
        await writer.dispose()
        await engine.dispose()
