"""SQLAlchemy's aiosqlite adapter, with one trip to aiosqlite's thread per statement instead of four,
and one writer at a time in arrival order.

aiosqlite runs each sqlite3 call in its own thread, and SQLAlchemy's adapter makes one call each to
open a cursor, execute, fetch the rows and close the cursor. Every call is a hand-over between the
event loop and that thread (a queue, a wake-up, the GIL, a future): about 40-60 µs of CPU on this
machine, more than the statement itself on a small table. The journey bench made about 19 such
trips an update. Here one function does all four steps in the thread and hands back what the cursor
said (rows, description, rowcount, lastrowid). Transactions, errors and server-side cursors (exports
streamed with `yield_per`) stay SQLAlchemy's and aiosqlite's own.

SQLite lets one connection write at a time, from its first write to its commit. Another one that
tries meanwhile sleeps in SQLite's busy handler (1, 2, 5 ... 100 ms at a time) and tries again, so it
may sleep long after the lock is free, and later writers may overtake it. Under load
(bench/journey.py) conversation-state writes waited over 100 ms for the slowest 1 %, and a
registration's first write almost a second for the slowest 5 %. Within this process, writers now
queue on an asyncio lock shared by every engine of the database (`WriteGate`): a connection takes it
before its first write and gives it back when its transaction ends (commit, rollback, close, or a
statement that committed itself). Other processes on the same file still meet SQLite's busy handler.
After SQLite's own busy timeout a writer gives up the same way, "database is locked".

It leans on two private names that SQLAlchemy's adapter itself uses, aiosqlite's `Connection._execute`
(run a function in the thread) and `Connection._conn` (the sqlite3 connection there); the whole test
suite runs through it.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
import weakref
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)


class _Done:
    """What a cursor says after its statement ran, once the sqlite3 cursor is closed."""

    __slots__ = ("description", "in_transaction", "lastrowid", "rowcount", "rows")

    def __init__(self) -> None:
        self.description: Any = None
        self.rowcount, self.lastrowid, self.rows = -1, None, None
        self.in_transaction = False

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
        done.in_transaction = connection._conn.in_transaction
        if cursor.description:
            done.rows = cursor.fetchall()
        return done
    finally:
        cursor.close()


_READS = ("SELECT", "PRAGMA", "EXPLAIN")


def _writes(operation: str) -> bool:
    return not operation.lstrip()[:7].upper().startswith(_READS)


class WriteGate:
    """One writing connection at a time within this process, first come first served."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    async def enter(self) -> asyncio.Lock:
        """Wait for the gate; the caller releases the lock it returns."""
        lock = self._lock()
        try:
            async with asyncio.timeout(self.timeout):  # not wait_for: on 3.11 it may lose the lock
                await lock.acquire()
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        return lock


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
        adapted: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
        if adapted.held is None and _writes(operation):
            adapted.held = await adapted.dbapi.gate.enter()
        async with adapted._execute_mutex:
            done = await self._connection._execute(_run, self._connection, operation, parameters, many)
        if not done.in_transaction:  # it committed itself (autocommit), or wrote nothing
            adapted.leave_gate()
        self._cursor = done
        if done.rows is not None:
            self._rows = collections.deque(done.rows)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("held",)
    _cursor_cls = OneTripCursor
    dbapi: OneTripDbapi

    def __init__(self, dbapi: OneTripDbapi, connection: aiosqlite.Connection) -> None:
        super().__init__(dbapi, connection)
        self.held: asyncio.Lock | None = None  # the write gate, while this connection holds it

    def leave_gate(self) -> None:
        held, self.held = self.held, None
        if held is not None:
            held.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.leave_gate()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_gate()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.leave_gate()

    def terminate(self) -> None:  # an invalidated connection (a cancelled task, say) or garbage
        try:
            super().terminate()
        finally:
            self.leave_gate()


class OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    """Pass as `module=` to create_async_engine for a sqlite+aiosqlite URL; engines on the same
    database share one (they share its write gate)."""

    def __init__(self, busy_timeout: float) -> None:
        super().__init__(aiosqlite, sqlite3)
        self.gate = WriteGate(busy_timeout)

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)
