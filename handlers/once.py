"""Each update handled once, and none dropped on the way out.

OnceOnly skips an update whose id is already in the ledger (Telegram resends an update it got no
answer for); the id is recorded with the update's first commit or right after it is handled.
InFlight counts the updates in hand, so that a stopping instance can finish them before it exits.

Polling (`newer_than` set at start to the newest id in the ledger): only this process receives
updates and aiogram never hands it one twice, so an id above that mark cannot have been handled
before and needs no lookup. The ids of such updates that commit nothing are written once a second,
in one batch: Telegram resends after a crash only the updates of the last `getUpdates` not yet
confirmed, so at worst a few of those (views, conversation steps) are handled a second time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from storage.updates import UpdateLedger

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class OnceOnly(BaseMiddleware):
    def __init__(self, ledger: UpdateLedger) -> None:
        self.ledger = ledger
        self.newer_than: int | None = None  # polling: see the module's docstring

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        fresh = self.newer_than is not None and event.update_id > self.newer_than
        if not fresh and await self.ledger.handled(event.update_id):
            data["outcome"] = "duplicate"
            return None
        data["mark_update"] = event.update_id  # the unit of work records it with its first commit
        result = await handler(event, data)
        uow = data.get("uow")
        if uow is None or not uow.marked:
            if fresh:
                self.ledger.mark_soon(event.update_id)
            else:
                await self.ledger.mark(event.update_id)
        return result


class InFlight(BaseMiddleware):
    """The updates in hand in this process, at most `limit` at once; `drained()` waits until none.

    The limit keeps the database pool from running dry: an update holds its unit of work's
    connection while the conversation state takes a second one, so an unbounded number of updates
    (40 webhook connections, or polling's tasks) could each hold one and all wait for the other.
    """

    def __init__(self, limit: int = 10) -> None:
        self.count = 0
        self._slots = asyncio.Semaphore(limit)
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        self.count += 1
        self._idle.clear()
        try:
            async with self._slots:
                return await handler(event, data)
        finally:
            self.count -= 1
            if self.count == 0:
                self._idle.set()

    async def drained(self, timeout: float) -> bool:  # noqa: ASYNC109
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True
