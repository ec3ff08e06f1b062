"""The database the tests run on: SQLite files (the default) or PostgreSQL (TEST_DATABASE=postgres).

Either way migrations run once per session into a template; each test (or e2e module) gets its own
fresh copy: a file copy on SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL (milliseconds).
The synchronous helpers `run_sql` read and write a test database as an analyst would (sqlite3, or
psycopg 3 on PostgreSQL), with `?` placeholders on both.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storage.db import create_engine
from storage.migrate import upgrade

BACKEND = os.environ.get("TEST_DATABASE", "sqlite").strip().lower() or "sqlite"
if BACKEND not in ("sqlite", "postgres"):
    raise RuntimeError(f"TEST_DATABASE must be 'sqlite' or 'postgres', not {BACKEND!r}")
POSTGRES = BACKEND == "postgres"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "")
TEMPLATE = "participa_template"


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def _plain(url: str) -> str:
    """The libpq form of an SQLAlchemy URL (postgresql+asyncpg://... -> postgresql://...)."""
    return "postgresql://" + url.split("://", 1)[1]


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


def _pg_connect(url: str, autocommit: bool = False) -> Any:
    import psycopg  # dev dependency, only needed on PostgreSQL

    return psycopg.connect(_plain(url), autocommit=autocommit, options="-c timezone=UTC")


def _pg_sql(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def run_sql(url: str, sql: str, *params: object, many: list[tuple] | None = None) -> list[tuple]:
    """Run one statement (or one statement per row of `many`) on the test database; rows if any."""
    if is_postgres(url):
        with _pg_connect(url) as connection, connection.cursor() as cursor:
            if many is not None:
                cursor.executemany(_pg_sql(sql), many)
                return []
            cursor.execute(_pg_sql(sql), params)
            return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
    path = url.split(":///", 1)[1]
    connection = sqlite3.connect(path)
    try:
        with connection:
            if many is not None:
                connection.executemany(sql, many)
                return []
            return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def as_utc(value: str | datetime) -> datetime:
    """A stored timestamp as an aware UTC datetime (SQLite gives text in UTC, PostgreSQL a datetime)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Databases:
    """Fresh, migrated databases for tests, made from one template per session."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.created: list[str] = []
        self.template: Path | None = None

    def prepare(self) -> None:
        if POSTGRES:
            with _pg_connect(POSTGRES_URL, autocommit=True) as connection:
                connection.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
                connection.execute(f"CREATE DATABASE {TEMPLATE}")
            url = _with_database(POSTGRES_URL, TEMPLATE)
        else:
            self.template = self.root / "participa.db"
            url = f"sqlite+aiosqlite:///{self.template}"

        async def migrate() -> None:
            engine = create_engine(url)
            await upgrade(engine)
            await engine.dispose()

        asyncio.run(migrate())

    def new(self, folder: Path) -> str:
        """The URL of a new database with every migration applied (a file in `folder` on SQLite)."""
        if not POSTGRES:
            assert self.template is not None
            path = folder / f"participa-{uuid.uuid4().hex[:8]}.db"
            shutil.copyfile(self.template, path)
            return f"sqlite+aiosqlite:///{path}"
        name = f"t_{uuid.uuid4().hex[:16]}"
        with _pg_connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        self.created.append(name)
        return _with_database(POSTGRES_URL, name)

    def drop(self, url: str) -> None:
        if not is_postgres(url):
            return
        name = url.rsplit("/", 1)[1]
        with _pg_connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if name in self.created:
            self.created.remove(name)

    def drop_all(self) -> None:
        for name in list(self.created):
            self.drop(_with_database(POSTGRES_URL, name))
