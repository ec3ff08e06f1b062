"""SQLAlchemy's aiosqlite adapter, with one trip to aiosqlite's thread per statement instead of four.

aiosqlite runs each sqlite3 call in its own thread, and SQLAlchemy's adapter makes one call each to
open a cursor, execute, fetch the rows and close the cursor. Every call is a hand-over between the
event loop and that thread (a queue, a wake-up, the GIL, a future): about 40-60 µs of CPU on this
machine, more than the statement itself on a small table. The journey bench made about 19 such
trips an update. Here one function does all four steps in the thread and hands back what the cursor
said (rows, description, rowcount, lastrowid). Transactions, errors and server-side cursors (exports
streamed with `yield_per`) stay SQLAlchemy's and aiosqlite's own.

It leans on two private names that SQLAlchemy's adapter itself uses, aiosqlite's `Connection._execute`
(run a function in the thread) and `Connection._conn` (the sqlite3 connection there); the whole test
suite runs through it.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)


class _Done:
    """What a cursor says after its statement ran, once the sqlite3 cursor is closed."""

    __slots__ = ("description", "lastrowid", "rowcount", "rows")

    def __init__(self) -> None:
        self.description: Any = None
        self.rowcount, self.lastrowid, self.rows = -1, None, None

    def close(self) -> None:
        pass


def _run(connection: aiosqlite.Connection, operation: str, parameters: Any, many: bool) -> _Done:
    """In aiosqlite's thread: execute, fetch everything, close."""
    cursor: sqlite3.Cursor = connection._conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, () if parameters is None else parameters)
        done = _Done()
        done.description, done.rowcount, done.lastrowid = (
            cursor.description,
            cursor.rowcount,
            cursor.lastrowid,
        )
        if cursor.description:
            done.rows = cursor.fetchall()
        return done
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()
    _awaitable_cursor_close = False  # nothing is left open in the thread

    def _make_new_cursor(self, connection: Any) -> Any:
        return _Done()

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        await self._one_trip(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        await self._one_trip(operation, seq_of_parameters, many=True)

    async def _one_trip(self, operation: Any, parameters: Any, many: bool) -> None:
        async with self._adapt_connection._execute_mutex:
            done = await self._connection._execute(_run, self._connection, operation, parameters, many)
        self._cursor = done
        if done.rows is not None:
            self._rows = collections.deque(done.rows)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor


class OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    """Pass as `module=` to create_async_engine for a sqlite+aiosqlite URL."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)
