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
wait on one lock shared by every engine of the database (`WriteGate`), taken and given back in
aiosqlite's threads: a connection takes it before its first write and gives it back the moment its
transaction ends (commit, rollback, close, or a statement that committed itself), and the next writer
goes on at once. Other processes on the same file still meet SQLite's busy handler. After SQLite's
own busy timeout a writer gives up the same way, "database is locked".

It leans on two private names that SQLAlchemy's adapter itself uses, aiosqlite's `Connection._execute`
(run a function in the thread) and `Connection._conn` (the sqlite3 connection there); the whole test
suite runs through it.
"""

from __future__ import annotations

import collections
import sqlite3
import threading
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import await_


class _Done:
    """What a cursor says after its statement ran, once the sqlite3 cursor is closed."""

    __slots__ = ("description", "lastrowid", "rowcount", "rows")

    def __init__(self) -> None:
        self.description: Any = None
        self.rowcount, self.lastrowid, self.rows = -1, None, None

    def close(self) -> None:
        pass


_READS = ("SELECT", "PRAGMA", "EXPLAIN")


def _writes(operation: str) -> bool:
    return not operation.lstrip()[:7].upper().startswith(_READS)


class WriteGate:
    """One writing connection at a time within this process. Taken and given back in aiosqlite's
    threads, where a waiter blocks its own connection's thread, never the event loop."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._lock = threading.Lock()

    def enter(self) -> None:
        if not self._lock.acquire(timeout=self.timeout):
            raise sqlite3.OperationalError("database is locked")

    def leave(self) -> None:
        self._lock.release()


def _run(adapted: OneTripConnection, operation: str, parameters: Any, many: bool) -> _Done:
    """In aiosqlite's thread: through the write gate if it writes; execute, fetch everything, close."""
    connection: sqlite3.Connection = adapted._connection._conn
    if not adapted.holds_gate and _writes(operation):
        adapted.dbapi.gate.enter()
        adapted.holds_gate = True
    cursor = connection.cursor()
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
        adapted.settle()  # it may have committed itself (autocommit), failed, or only read


def _end(adapted: OneTripConnection, how: str) -> None:
    """In aiosqlite's thread: commit or roll back, then let the next writer in."""
    try:
        getattr(adapted._connection._conn, how)()
    finally:
        adapted.settle()


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
        adapted = self._adapt_connection
        async with adapted._execute_mutex:
            done = await self._connection._execute(_run, adapted, operation, parameters, many)
        self._cursor = done
        if done.rows is not None:
            self._rows = collections.deque(done.rows)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """`in_transaction` is what sqlite3 said after this adapter's last trip (True before any): with
    no transaction open, a commit or rollback has nothing to do and makes no trip. SQLAlchemy rolls
    back twice after most units of work (the session's end, the pool's reset), usually after reads
    only. Statements run on the driver connection directly (storage/exports.py) only read, and a read
    opens no transaction in sqlite3."""

    __slots__ = ("holds_gate", "in_transaction")
    _cursor_cls = OneTripCursor
    dbapi: OneTripDbapi

    def __init__(self, dbapi: OneTripDbapi, connection: aiosqlite.Connection) -> None:
        super().__init__(dbapi, connection)
        self.holds_gate = False
        self.in_transaction = True

    def settle(self) -> None:
        """In aiosqlite's thread, after a trip: note whether a transaction is open; with none, let
        the next writer in."""
        self.in_transaction = self._connection._conn.in_transaction
        if not self.in_transaction:
            self.leave_gate()

    def leave_gate(self) -> None:
        if self.holds_gate:
            self.holds_gate = False
            self.dbapi.gate.leave()

    def _finish(self, how: str) -> None:
        if self.in_transaction and self._connection._connection:  # as SQLAlchemy's: not once closed
            try:
                await_(self._connection._execute(_end, self, how))
            except Exception as error:
                self._handle_exception(error)

    def commit(self) -> None:
        self._finish("commit")

    def rollback(self) -> None:
        self._finish("rollback")

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
