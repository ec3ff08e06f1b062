"""The ledger of handled updates: Telegram resends an update it got no answer for (webhook) or that
was not yet confirmed (polling); an update id found here was handled and is skipped.

The id is written in the same transaction as the first commit of the update's unit of work (see
SqlUnitOfWork.commit), so "the change is saved" and "the update is handled" cannot come apart.
Updates whose handler commits nothing (a view, a step kept in the conversation state) are marked
right after they are handled (webhook), or with the next batch a second later (polling: see
handlers/once.py).
"""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from bot.domain.clock import utcnow
from storage.db import dialect_insert
from storage.models import ProcessedUpdateRow

# Telegram keeps an unconfirmed update for at most 24 hours; two days is a safe margin.
KEEP = timedelta(days=2)


@functools.cache
def _mark(dialect: str) -> Any:
    """Built once per dialect: one row's INSERT, run for a batch as one executemany."""
    insert = dialect_insert(dialect)(ProcessedUpdateRow.__table__)
    return insert.on_conflict_do_nothing(index_elements=["update_id"])


async def mark_in(session: AsyncSession | AsyncConnection, *update_ids: int) -> None:
    """Record the updates as handled inside the caller's transaction (idempotent)."""
    bind = session.bind if isinstance(session, AsyncSession) else session
    now = utcnow()
    await session.execute(_mark(bind.dialect.name), [{"update_id": i, "handled_at": now} for i in update_ids])


class UpdateLedger:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._batch: list[int] = []

    async def handled(self, update_id: int) -> bool:
        async with self.engine.connect() as connection:
            query = select(ProcessedUpdateRow.update_id).where(ProcessedUpdateRow.update_id == update_id)
            return (await connection.execute(query)).first() is not None

    async def mark(self, update_id: int) -> None:
        async with self.engine.begin() as connection:
            await mark_in(connection, update_id)

    def mark_soon(self, update_id: int) -> None:
        """Mark with the next `flush` (one transaction for all of them)."""
        self._batch.append(update_id)

    async def flush(self) -> None:
        batch, self._batch = self._batch, []
        if batch:
            async with self.engine.begin() as connection:
                await mark_in(connection, *batch)

    async def newest(self) -> int:
        """The highest update id handled so far (0 if none)."""
        async with self.engine.connect() as connection:
            return (await connection.execute(select(func.max(ProcessedUpdateRow.update_id)))).scalar() or 0

    async def forget_old(self) -> int:
        """Drop ids older than KEEP (a periodic job; safe on several instances)."""
        async with self.engine.begin() as connection:
            result = await connection.execute(
                delete(ProcessedUpdateRow).where(ProcessedUpdateRow.handled_at < utcnow() - KEEP)
            )
            return result.rowcount or 0
