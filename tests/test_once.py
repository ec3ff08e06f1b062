"""OnceOnly: a resent update is skipped; in polling mode ids above the start mark need no lookup and
the marks of updates that commit nothing are written in batches."""

from __future__ import annotations

from typing import Any

from aiogram.types import Update
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.once import OnceOnly
from storage.updates import UpdateLedger


class Counting(UpdateLedger):
    lookups = 0

    async def handled(self, update_id: int) -> bool:
        self.lookups += 1
        return await super().handled(update_id)


async def feed(once: OnceOnly, update_id: int, handled: list[int]) -> str | None:
    async def handler(event: Any, data: dict[str, Any]) -> None:
        handled.append(event.update_id)

    data: dict[str, Any] = {}
    await once(handler, Update(update_id=update_id), data)
    return data.get("outcome")


async def test_webhook_mode_looks_up_and_marks_each_update_at_once(engine: AsyncEngine) -> None:
    ledger = Counting(engine)
    once, handled = OnceOnly(ledger), []
    assert await feed(once, 10, handled) is None
    assert await ledger.handled(10)  # marked before the next update comes
    assert await feed(once, 10, handled) == "duplicate"
    assert handled == [10]


async def test_polling_skips_lookups_above_the_mark_and_marks_in_batches(engine: AsyncEngine) -> None:
    before = UpdateLedger(engine)
    for update_id in (5, 7):  # handled before a restart
        await before.mark(update_id)
    ledger = Counting(engine)
    once, handled = OnceOnly(ledger), []
    once.newer_than = await ledger.newest()
    assert once.newer_than == 7

    for update_id in (5, 6, 7, 8, 9):  # Telegram sends again what was not confirmed, then new ones
        await feed(once, update_id, handled)
    assert handled == [6, 8, 9]  # 5 and 7 were handled before the restart
    assert ledger.lookups == 3  # only the ids up to the mark were looked up
    assert not await ledger.handled(8)  # batched, not written yet
    await ledger.flush()
    assert [await ledger.handled(update_id) for update_id in (6, 8, 9)] == [True, True, True]
    assert await ledger.newest() == 9


async def test_a_large_batch_of_marks_is_written_in_one_flush(engine: AsyncEngine) -> None:
    ledger = UpdateLedger(engine)
    for update_id in range(1, 1001):
        ledger.mark_soon(update_id)
    ledger.mark_soon(1000)  # the same id twice is harmless
    await ledger.flush()
    assert await ledger.newest() == 1000
    assert await ledger.handled(1) and await ledger.handled(401) and not await ledger.handled(1001)
