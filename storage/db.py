"""Engine and session factory for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from storage.aiosqlite_trips import OneTripDbapi

# Room for the updates in hand (InFlight's limit of 10, two connections each at most), the outbox
# sender, the periodic jobs and /healthz.
POOL = {"pool_size": 10, "max_overflow": 20}

# How long a writer waits for SQLite's write lock (SQLite's busy timeout, and storage/aiosqlite_trips's
# write gate) before it gives up: "database is locked".
BUSY_TIMEOUT = 30.0

# A database in memory lives and dies with its one connection: one pool of one, and no second engine.
IN_MEMORY = "sqlite+aiosqlite://"


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    if database_url != IN_MEMORY:
        kwargs = {**POOL, **kwargs}
    if database_url.startswith("sqlite"):
        kwargs.setdefault("module", OneTripDbapi(BUSY_TIMEOUT))
        engine = create_async_engine(database_url, connect_args={"timeout": BUSY_TIMEOUT}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(database_url, pool_pre_ping=True, **kwargs)


def dialect_insert(dialect: str) -> Any:
    """INSERT with ON CONFLICT support for the dialect (`engine.dialect.name`)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def autocommit_engine(engine: AsyncEngine) -> AsyncEngine:
    """A second engine on the same database whose statements each commit by themselves, for writes
    that are one statement (storage/fsm.py). No transaction is ever left open on its connections, so
    they need no rollback when they go back to the pool."""
    url = engine.url.render_as_string(hide_password=False)
    if url == IN_MEMORY:
        return engine
    return create_engine(  # the same DBAPI module: on SQLite, the same write gate
        url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None, module=engine.dialect.dbapi
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while one writer commits; NORMAL sync is durable in WAL mode
    # against process crashes (the case that matters for a bot restart).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
