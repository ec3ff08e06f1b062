"""aiogram FSM storage in the project's own database (aiogram ships none for SQL).

One row per storage key holds the state and the data, so a conversation survives a restart or a
deploy. Every write is one short transaction of its own, apart from the update's unit of work.

Reads come from memory once a key has been read or written: without REDIS_URL one process takes
all of a chat's updates, one at a time (SimpleEventIsolation), so the rows this process wrote are
the rows there are. Several instances share conversations through Redis (bot.app.make_state), not
through this table. The cache keeps the most recently used conversations (`cached` keys).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StateType, StorageKey
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.clock import utcnow
from storage.models import FsmStateRow

Entry = tuple[str | None, dict[str, Any]]


class SqlStorage(BaseStorage):
    def __init__(
        self, engine: AsyncEngine, key_builder: KeyBuilder | None = None, cached: int = 20_000
    ) -> None:
        self._engine = engine
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        self._keys = key_builder or DefaultKeyBuilder(with_destiny=True)
        self._cache: dict[str, Entry] = {}
        self._cached = cached

    async def _entry(self, key: str) -> Entry:
        entry = self._cache.pop(key, None)
        if entry is None:
            async with self._engine.connect() as connection:
                query = select(FsmStateRow.state, FsmStateRow.data).where(FsmStateRow.key == key)
                row = (await connection.execute(query)).first()
            entry = (row.state, dict(row.data or {})) if row else (None, {})
        self._remember(key, entry)
        return entry

    def _remember(self, key: str, entry: Entry) -> None:
        self._cache[key] = entry  # the newest last: dicts keep insertion order
        if len(self._cache) > self._cached:
            del self._cache[next(iter(self._cache))]

    async def _write(self, key: str, state: str | None, data: dict[str, Any]) -> None:
        values = {"state": state, "data": data, "updated_at": utcnow()}
        statement = self._insert(FsmStateRow).values(key=key, **values)
        async with self._engine.begin() as connection:
            await connection.execute(statement.on_conflict_do_update(index_elements=["key"], set_=values))
        self._remember(key, (state, data))

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        built = self._keys.build(key)
        _, data = await self._entry(built)
        await self._write(built, state.state if isinstance(state, State) else state, data)

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._entry(self._keys.build(key)))[0]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        built = self._keys.build(key)
        state, _ = await self._entry(built)
        await self._write(built, state, copy.deepcopy(dict(data)))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return copy.deepcopy((await self._entry(self._keys.build(key)))[1])

    async def forget(self, key: StorageKey) -> None:
        """Remove the key's row altogether (used when a person's data is erased)."""
        built = self._keys.build(key)
        async with self._engine.begin() as connection:
            await connection.execute(delete(FsmStateRow).where(FsmStateRow.key == built))
        self._cache.pop(built, None)

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it."""
