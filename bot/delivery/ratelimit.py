"""Telegram's limits, kept on our side: a global rate and one message per second to a chat.

Direct replies (sent by the handlers) are counted too, through `ReplyCounter` on the bot's session,
so bulk deliveries leave them room instead of competing with them.
"""

from __future__ import annotations

import asyncio
import time
from contextvars import ContextVar
from typing import Any, cast

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

# Refusals that change nothing the person could see, by the start of the method's name: editing a
# message into what it already is (a button pressed twice) or one that is gone; answering a button
# press handled late (resent after an instance died, or a busy bot): Telegram takes that answer only
# for a short while, and only the button's spinner and any alert are lost. Not failures of the update.
HARMLESS_ERRORS = (
    ("editMessage", ("message is not modified", "message to edit not found", "message can't be edited")),
    ("answerCallbackQuery", ("query is too old",)),
)
SENDING_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendVenue", "sendLocation", "sendContact", "copyMessage"}
)


# Set while the outbox sender sends, so its messages are not counted twice.
IN_SENDER: ContextVar[bool] = ContextVar("participa_in_sender", default=False)


class RateLimiter:
    """Slots are reserved in order; the per-chat interval keeps a margin over Telegram's one second
    because a request can leave a little later than its slot."""

    def __init__(self, per_second: float, per_chat_interval: float = 1.1) -> None:
        self.rate = per_second
        self.max_rate = per_second
        self.per_chat_interval = per_chat_interval
        self._next_slot = 0.0  # monotonic time the next message may go
        self._chat_next: dict[int, float] = {}
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    async def acquire(self, chat_id: int) -> None:
        """Wait for this chat's slot, then for a global one. Slots are taken one at a time and spaced
        from the moment they are really taken, so a stalled moment is never "caught up" in a burst."""
        while True:
            chat_wait = self._chat_next.get(chat_id, 0.0) - time.monotonic()
            if chat_wait > 0:
                await asyncio.sleep(chat_wait)
                continue
            async with self._lock:
                if self._chat_next.get(chat_id, 0.0) > time.monotonic():
                    continue  # another message to this chat took the slot meanwhile
                wait = max(self._next_slot, self._paused_until) - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                now = time.monotonic()
                self._next_slot = now + 1.0 / self.rate
                self._chat_next[chat_id] = now + self.per_chat_interval
                if len(self._chat_next) > 50_000:
                    self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
                return

    def note(self, chat_id: int | None) -> None:
        """A message sent outside the sender (a direct reply) takes a global slot too."""
        now = time.monotonic()
        self._next_slot = max(self._next_slot, now) + 1.0 / self.rate
        if chat_id is not None:
            self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), now + self.per_chat_interval)

    def slow_down(self, retry_after: float) -> None:
        """Telegram answered 429: pause everything for retry_after, then go 20 % slower for a while."""
        self._paused_until = max(self._paused_until, time.monotonic() + retry_after)
        self.rate = max(1.0, self.rate * 0.8)

    def recover(self) -> None:
        """Each success brings the rate back towards the configured one."""
        if self.rate < self.max_rate:
            self.rate = min(self.max_rate, self.rate * 1.01)


class ReplyCounter(BaseRequestMiddleware):
    """Session middleware for the handlers' direct replies: each is noted in the limiter, and a 429
    is waited out (Telegram's retry_after) and tried again instead of failing the person's update.
    The outbox sender handles its own 429s."""

    max_retries = 2

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Any,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if IN_SENDER.get():
            return await make_request(bot, method)
        if method.__api_method__ in SENDING_METHODS:
            chat_id = getattr(method, "chat_id", None)
            self.limiter.note(chat_id if isinstance(chat_id, int) else None)
        for attempt in range(self.max_retries + 1):
            try:
                return await make_request(bot, method)
            except TelegramBadRequest as exc:
                if any(
                    method.__api_method__.startswith(prefix) and any(m in exc.message for m in markers)
                    for prefix, markers in HARMLESS_ERRORS
                ):
                    return cast(Response[TelegramType], True)
                raise
            except TelegramRetryAfter as exc:
                if attempt == self.max_retries:
                    raise
                self.limiter.slow_down(exc.retry_after)
                await asyncio.sleep(exc.retry_after)
        raise AssertionError("unreachable")
