"""Shared fixtures: a fresh migrated database per test (SQLite file, or PostgreSQL: tests/databases.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine
from tests.databases import POSTGRES, POSTGRES_URL, Databases


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    """Migrations run once per test session into a template; `databases.new(folder)` copies it.

    SQLite by default; TEST_DATABASE=postgres runs everything on the server of TEST_POSTGRES_URL
    (skipped with a note when none is configured; .ci/run starts one).
    """
    if POSTGRES and not POSTGRES_URL:
        pytest.skip("TEST_DATABASE=postgres but TEST_POSTGRES_URL is not set (.ci/run starts a server)")
    made = Databases(tmp_path_factory.mktemp("template"))
    made.prepare()
    yield made
    made.drop_all()


@pytest.fixture
def database_url(tmp_path: Path, databases: Databases) -> Iterator[str]:
    url = databases.new(tmp_path)
    yield url
    databases.drop(url)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def pg_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """A freshly migrated PostgreSQL database, for what only PostgreSQL does (several processes at
    once on one database): runs in the PostgreSQL run of the suite (TEST_DATABASE=postgres)."""
    if not POSTGRES:
        pytest.skip("PostgreSQL only: runs with TEST_DATABASE=postgres (the second run of .ci/run)")
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()
