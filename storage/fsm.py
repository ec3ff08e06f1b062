"""aiogram FSM storage in the project's own database (aiogram ships none for SQL).

One row per storage key holds the state and the data, so a conversation survives a restart or a
deploy. Every call is one short transaction of its own, apart from the update's unit of work.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StateType, StorageKey
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.domain.clock import utcnow
from storage.models import FsmStateRow


class SqlStorage(BaseStorage):
    def __init__(self, engine: AsyncEngine, key_builder: KeyBuilder | None = None) -> None:
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        self._keys = key_builder or DefaultKeyBuilder(with_destiny=True)

    async def _upsert(self, session: AsyncSession, key: str, values: dict[str, Any]) -> None:
        values = {**values, "updated_at": utcnow()}
        statement = self._insert(FsmStateRow).values(key=key, **{"state": None, "data": {}, **values})
        await session.execute(statement.on_conflict_do_update(index_elements=["key"], set_=values))

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        async with self._sessions.begin() as session:
            await self._upsert(session, self._keys.build(key), {"state": value})

    async def get_state(self, key: StorageKey) -> str | None:
        async with self._sessions() as session:
            query = select(FsmStateRow.state).where(FsmStateRow.key == self._keys.build(key))
            return (await session.execute(query)).scalar_one_or_none()

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        async with self._sessions.begin() as session:
            await self._upsert(session, self._keys.build(key), {"data": dict(data)})

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self._sessions() as session:
            query = select(FsmStateRow.data).where(FsmStateRow.key == self._keys.build(key))
            return dict((await session.execute(query)).scalar_one_or_none() or {})

    async def forget(self, key: StorageKey) -> None:
        """Remove the key's row altogether (used when a person's data is erased)."""
        async with self._sessions.begin() as session:
            await session.execute(delete(FsmStateRow).where(FsmStateRow.key == self._keys.build(key)))

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it."""
