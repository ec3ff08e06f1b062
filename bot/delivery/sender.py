"""The one outbox sender.

It claims due deliveries, renders each in the recipient's language, sends it within Telegram's
limits and records the outcome:

- 429: wait the retry_after Telegram gave (every send pauses), slow down, send it again;
- 403 (blocked) or 400 chat not found: the person is marked unreachable, nothing more goes there;
- network errors and 5xx: retried with exponential backoff up to `max_attempts`, then fallido;
- any other 400: fallido with Telegram's description (a bug to fix, not to retry).

Crash policy (at-least-once): deliveries a dead sender left 'enviando' go back to pendiente when a
sender starts (`OutboxStore.recover`), and are sent again; at most `concurrency` of them can be in
flight at once, which bounds the duplicates a crash can cause. APScheduler is only the clock that
wakes the sender; what is due lives in the database, so reminders survive restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from datetime import timedelta

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import Message
from aiogram.utils.i18n import I18n

from bot.delivery.ratelimit import IN_SENDER, RateLimiter
from bot.delivery.render import RENDERERS, Rendered, Skip, translating
from bot.domain.clock import utcnow
from storage.outbox import Claimed, OutboxStore

log = logging.getLogger("participa.delivery")

UNREACHABLE_MARKERS = ("chat not found", "user is deactivated", "bot was blocked", "bot can't initiate")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:60]


class Sender:
    def __init__(
        self,
        bot: Bot,
        store: OutboxStore,
        i18n: I18n,
        limiter: RateLimiter,
        *,
        default_locale: str = "es",
        concurrency: int = 8,
        max_attempts: int = 5,
        worker: str | None = None,
        on_sent: Callable[[Claimed], None] | None = None,
        stale_after: timedelta = timedelta(minutes=2),
    ) -> None:
        self.bot = bot
        self.store = store
        self.i18n = i18n
        self.limiter = limiter
        self.default_locale = default_locale
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.worker = worker or worker_name()
        self.on_sent = on_sent
        self.stale_after = stale_after  # PostgreSQL: another sender's claim older than this is dead
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        """Recover what a dead sender left in flight, then run. The app's scheduler calls `wake`."""
        recovered = await self.store.recover(self.worker, stale_after=self.stale_after)
        if recovered:
            log.warning(
                "resending %d deliveries left in flight by a stopped sender (at-least-once)", recovered
            )
        self._task = asyncio.create_task(self._loop(), name="outbox-sender")
        self.wake()

    async def stop(self) -> None:
        """Stop claiming; finish what is in hand; give back anything claimed and not sent."""
        self._stopping = True
        self.wake()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        released = await self.store.release(self.worker)
        if released:
            log.info("released %d claimed deliveries", released)

    def wake(self) -> None:
        self._wake.set()

    async def _loop(self) -> None:
        while not self._stopping:
            await self._wake.wait()
            self._wake.clear()
            try:
                while not self._stopping and await self.run_once():
                    pass
            except Exception:  # the sender must outlive a bad moment of the database
                log.exception("outbox sender round failed")
                await asyncio.sleep(1)

    # -- one round ---------------------------------------------------------------------------------
    async def run_once(self) -> int:
        """Claim one batch and send it; return how many were claimed."""
        batch = await self.store.claim(self.worker, limit=self.concurrency * 4)
        if not batch:
            return 0
        queue: asyncio.Queue[Claimed] = asyncio.Queue()
        for item in batch:
            queue.put_nowait(item)

        async def work() -> None:
            while not queue.empty():
                item = queue.get_nowait()
                if self._stopping:
                    continue  # left 'enviando': released in stop()
                await self.deliver(item)

        await asyncio.gather(*(work() for _ in range(min(self.concurrency, len(batch)))))
        return len(batch)

    async def drain(self, within: float | None = None) -> None:
        """Send until nothing is due within `within` seconds (None: until nothing is pending at all),
        for one-off runs such as benchmarks and tests; the running bot uses `start`."""
        while True:
            if await self.run_once():
                continue
            due = await self.store.next_due()
            if due is None or (within is not None and due > utcnow() + timedelta(seconds=within)):
                return
            await asyncio.sleep(0.05)

    async def deliver(self, item: Claimed) -> None:
        render = RENDERERS.get(item.kind)
        if render is None:
            await self.store.failed(item.id, f"no renderer for {item.kind}", item.attempts)
            return
        try:
            with translating(self.i18n, item.locale or self.default_locale):
                rendered = await render(item.payload, item)
        except Skip as reason:
            await self.store.omitted(item.id, str(reason) or "no longer applies")
            return
        except Exception as exc:
            log.exception("rendering delivery %s (%s) failed", item.id, item.kind)
            await self.store.failed(item.id, f"render: {exc!r}", item.attempts)
            return
        await self.limiter.acquire(item.chat_id)
        attempts = item.attempts + 1
        token = IN_SENDER.set(True)
        try:
            message = await self._send(item.chat_id, rendered)
        except TelegramRetryAfter as exc:
            self.limiter.slow_down(exc.retry_after)
            await self.store.retry(item.id, "429 retry_after", item.attempts, exc.retry_after)
        except TelegramForbiddenError as exc:
            await self.store.failed(item.id, exc.message, attempts)
            await self.store.unreachable(item.chat_id)
        except TelegramBadRequest as exc:
            await self.store.failed(item.id, exc.message, attempts)
            if any(marker in exc.message.lower() for marker in UNREACHABLE_MARKERS):
                await self.store.unreachable(item.chat_id)
        except (TelegramNetworkError, TelegramServerError, TelegramNotFound) as exc:
            if attempts >= self.max_attempts:
                await self.store.failed(item.id, f"{type(exc).__name__}: {exc.message}", attempts)
            else:
                await self.store.retry(item.id, f"{type(exc).__name__}: {exc.message}", attempts, 2**attempts)
        else:
            self.limiter.recover()
            await self.store.sent(item.id, message.message_id if message else None, attempts)
            if self.on_sent is not None:
                self.on_sent(item)
        finally:
            IN_SENDER.reset(token)

    async def _send(self, chat_id: int, rendered: Rendered) -> Message:
        if rendered.photo:
            return await self.bot.send_photo(
                chat_id, rendered.photo, caption=rendered.text or None, reply_markup=rendered.reply_markup
            )
        if rendered.document:
            return await self.bot.send_document(
                chat_id, rendered.document, caption=rendered.text or None, reply_markup=rendered.reply_markup
            )
        return await self.bot.send_message(chat_id, rendered.text, reply_markup=rendered.reply_markup)
