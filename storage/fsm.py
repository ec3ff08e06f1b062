"""aiogram FSM storage in the project's own database (aiogram ships none for SQL).

One row per storage key holds the state and the data, so a conversation survives a restart or a
deploy. Writes are apart from the update's unit of work.

`remember(n)` keeps the n most recently used conversations in memory too, so that reads cost no
query. Only for a process that is the one consumer of its bot's updates (polling: Telegram hands
updates to one `getUpdates` caller), where the rows it wrote are the rows there are; instances
behind a webhook may share this table (or Redis) and read it every time.

`stage_writes(dispatcher, bot)` makes it one write per update: what a handler sets (the state, the
data, usually both) is held and written together just before the bot next calls the Bot API, or when
the update ends. What a person is shown is therefore never ahead of what is stored.

`writer` (storage.db.autocommit_engine) runs each write as one statement that commits by itself. On
SQLite the write lock is then held for that statement only, not across the event loop's round trips
of a transaction: under load, conversation writes had waited 26 ms on average for the lock.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import AsyncIterator, Mapping
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StateType, StorageKey
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject
from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.clock import utcnow
from storage.db import dialect_insert
from storage.models import FsmStateRow


class _Staged(dict[str, dict[str, Any]]):
    """The writes an update holds back for one storage (key -> values); closed once the update is
    over, so that a task it started and that outlives it writes straight away."""

    def __init__(self, storage: SqlStorage) -> None:
        super().__init__()
        self.storage = storage
        self.open = True


_staged: ContextVar[_Staged | None] = ContextVar("participa_fsm_staged", default=None)


def _upsert(insert: Any, columns: tuple[str, ...]) -> Any:
    """INSERT ... ON CONFLICT (key) DO UPDATE of these columns, built once (bound by name)."""
    table = FsmStateRow.__table__
    statement = insert(table).values(
        {name: bindparam(name, type_=table.c[name].type) for name in ("key", "state", "data", "updated_at")}
    )
    changed = {name: statement.excluded[name] for name in (*columns, "updated_at")}
    return statement.on_conflict_do_update(index_elements=["key"], set_=changed)


class SqlStorage(BaseStorage):
    def __init__(
        self, engine: AsyncEngine, key_builder: KeyBuilder | None = None, writer: AsyncEngine | None = None
    ) -> None:
        """`writer`, if given, belongs to the storage from then on: `close()` disposes of it."""
        self._engine = engine
        self._writer = writer or engine
        insert = dialect_insert(engine.dialect.name)
        self._upserts = {
            columns: _upsert(insert, columns) for columns in (("state",), ("data",), ("state", "data"))
        }
        self._read = select(FsmStateRow.state, FsmStateRow.data).where(FsmStateRow.key == bindparam("key"))
        self._keys = key_builder or DefaultKeyBuilder(with_destiny=True)
        self._cache: dict[str, dict[str, Any]] = {}  # key -> {"state": ..., "data": ...}
        self._cached = 0

    def remember(self, conversations: int) -> None:
        """Keep that many conversations in memory (see the module's docstring)."""
        self._cached = conversations

    def stage_writes(self, dispatcher: Dispatcher, bot: Bot) -> None:
        """One write per update (see the module's docstring)."""
        dispatcher.update.outer_middleware(_StageWrites(self))
        bot.session.middleware(_WriteBeforeSpeaking(self))

    @contextlib.asynccontextmanager
    async def staging(self) -> AsyncIterator[None]:
        staged = _Staged(self)
        token = _staged.set(staged)
        try:
            yield
        finally:
            try:
                await self.flush()
            finally:
                staged.open = False
                _staged.reset(token)

    def _held(self) -> _Staged | None:
        staged = _staged.get()
        return staged if staged is not None and staged.storage is self else None

    async def flush(self) -> None:
        """Write what the current update holds back, if anything."""
        staged = self._held()
        while staged:
            key, values = staged.popitem()
            await self._store(key, values)

    async def _row(self, key: str) -> dict[str, Any]:
        entry = self._cache.pop(key, None)
        if entry is None:
            async with self._engine.connect() as connection:
                row = (await connection.execute(self._read, {"key": key})).first()
            entry = {"state": row.state, "data": dict(row.data or {})} if row else {"state": None, "data": {}}
            entry.update((self._held() or {}).get(key, {}))  # held back by this update
        if self._cached:
            self._cache[key] = entry  # the most recently used last: dicts keep insertion order
            if len(self._cache) > self._cached:
                del self._cache[next(iter(self._cache))]
        return entry

    async def _write(self, key: str, **values: Any) -> None:
        if key in self._cache:
            self._cache[key].update(values)
        staged = self._held()
        if staged is not None and staged.open:
            staged.setdefault(key, {}).update(values)
        else:
            await self._store(key, values)

    async def _store(self, key: str, values: dict[str, Any]) -> None:
        statement = self._upserts[tuple(name for name in ("state", "data") if name in values)]
        params = {"state": None, "data": {}, **values, "key": key, "updated_at": utcnow()}
        try:
            async with self._writer.begin() as connection:
                await connection.execute(statement, params)
        except BaseException:
            self._cache.pop(key, None)  # memory must not run ahead of the table: read it again
            raise

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
        (self._held() or {}).pop(built, None)

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it; the writer to the storage."""
        if self._writer is not self._engine:
            await self._writer.dispose()


class _StageWrites(BaseMiddleware):
    def __init__(self, storage: SqlStorage) -> None:
        self.storage = storage

    async def __call__(self, handler: Any, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.storage.staging():
            return await handler(event, data)


class _WriteBeforeSpeaking(BaseRequestMiddleware):
    def __init__(self, storage: SqlStorage) -> None:
        self.storage = storage

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        await self.storage.flush()
        return await make_request(bot, method)
