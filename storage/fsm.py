"""aiogram FSM storage in the project's own database (aiogram ships none for SQL).

One row per storage key holds the state and the data, so a conversation survives a restart or a
deploy. Every write is one short transaction of its own, apart from the update's unit of work.

`remember(n)` keeps the n most recently used conversations in memory too, so that reads cost no
query. Only for a process that is the one consumer of its bot's updates (polling: Telegram hands
updates to one `getUpdates` caller), where the rows it wrote are the rows there are; instances
behind a webhook may share this table (or Redis) and read it every time.
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


class SqlStorage(BaseStorage):
    def __init__(self, engine: AsyncEngine, key_builder: KeyBuilder | None = None) -> None:
        self._engine = engine
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        self._keys = key_builder or DefaultKeyBuilder(with_destiny=True)
        self._cache: dict[str, dict[str, Any]] = {}  # key -> {"state": ..., "data": ...}
        self._cached = 0

    def remember(self, conversations: int) -> None:
        """Keep that many conversations in memory (see the module's docstring)."""
        self._cached = conversations

    async def _row(self, key: str) -> dict[str, Any]:
        entry = self._cache.pop(key, None)
        if entry is None:
            async with self._engine.connect() as connection:
                query = select(FsmStateRow.state, FsmStateRow.data).where(FsmStateRow.key == key)
                row = (await connection.execute(query)).first()
            entry = {"state": row.state, "data": dict(row.data or {})} if row else {"state": None, "data": {}}
        if self._cached:
            self._cache[key] = entry  # the most recently used last: dicts keep insertion order
            if len(self._cache) > self._cached:
                del self._cache[next(iter(self._cache))]
        return entry

    async def _write(self, key: str, **values: Any) -> None:
        values["updated_at"] = utcnow()
        statement = self._insert(FsmStateRow).values(key=key, **{"state": None, "data": {}, **values})
        async with self._engine.begin() as connection:
            await connection.execute(statement.on_conflict_do_update(index_elements=["key"], set_=values))
        if key in self._cache:
            self._cache[key].update(values)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await self._write(self._keys.build(key), state=state.state if isinstance(state, State) else state)

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._row(self._keys.build(key)))["state"]

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(self._keys.build(key), data=copy.deepcopy(dict(data)))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return copy.deepcopy((await self._row(self._keys.build(key)))["data"])

    async def forget(self, key: StorageKey) -> None:
        """Remove the key's row altogether (used when a person's data is erased)."""
        built = self._keys.build(key)
        async with self._engine.begin() as connection:
            await connection.execute(delete(FsmStateRow).where(FsmStateRow.key == built))
        self._cache.pop(built, None)

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it."""
