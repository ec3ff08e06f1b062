"""What keeps the bot standing whatever it is sent: the error reply, the flood limit, the update log.

The update log is one JSON line per update with its latency and outcome, and no personal data: no
Telegram ids, names or texts; only the kind of update, the command or button family, the outcome.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent, TelegramObject, Update, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.delivery.render import translating
from bot.i18n import guess_locale

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
update_log = logging.getLogger("participa.updates")
error_log = logging.getLogger("participa.errors")

router = Router(name="errors")


def describe(update: Update) -> dict[str, Any]:
    """What may be logged of an update: its kind and the command or button family, nothing personal."""
    kind = update.event_type
    fields: dict[str, Any] = {"update_id": update.update_id, "kind": kind}
    message = update.message or update.edited_message
    if message is not None:
        fields["chat_type"] = message.chat.type
        if message.text and message.text.startswith("/"):
            fields["command"] = message.text.split(maxsplit=1)[0].split("@")[0][:32]
        else:
            fields["content"] = message.content_type
    elif update.callback_query is not None:
        fields["button"] = (update.callback_query.data or "").split(":", 1)[0][:20]
    return fields


def _chat_of(update: Update) -> int | None:
    if update.message is not None:
        return update.message.chat.id
    if update.edited_message is not None:
        return update.edited_message.chat.id
    if update.callback_query is not None and update.callback_query.message is not None:
        return update.callback_query.message.chat.id
    return None


@router.errors()
async def on_error(event: ErrorEvent, bot: Bot, i18n: I18n, **data: Any) -> bool:
    """Log the update (described, not copied) and the exception; tell the person nothing was lost."""
    error_log.error("update failed %s", describe(event.update), exc_info=event.exception)
    chat_id = _chat_of(event.update)
    if chat_id is None:
        return True
    person = data.get("person")
    user: User | None = data.get("event_from_user")
    settings = data.get("settings")
    default = settings.default_locale if settings else "es"
    locale = person.locale if person else guess_locale(user.language_code if user else None, default)
    with translating(i18n, locale):
        text = _(
            "Algo falló de nuestro lado y no pudimos terminar ese paso. No se perdió nada de lo que "
            "ya respondiste: inténtalo otra vez en un momento o escribe /start."
        )
    try:
        if event.update.callback_query is not None:
            await event.update.callback_query.answer()
        await bot.send_message(chat_id, text)
    except TelegramAPIError:
        error_log.warning("could not tell chat about the failure")
    return True


class UpdateLog(BaseMiddleware):
    """One JSON log line per update: latency and outcome (handled, unhandled, throttled, error)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await handler(event, data)
            outcome = data.get("outcome") or ("unhandled" if result is UNHANDLED else "handled")
            return result
        finally:
            if isinstance(event, Update):
                fields = describe(event)
                fields["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
                fields["outcome"] = outcome
                update_log.info("update", extra=fields)


class FloodLimit(BaseMiddleware):
    """Too many updates from one person in a short time are ignored, after one polite notice.

    Kept in this process's memory by default (a sliding window). With `redis` (REDIS_URL), several
    instances share it: each person's recent arrivals in a key that expires by itself, and one notice.
    """

    def __init__(
        self, i18n: I18n, default_locale: str, limit: int = 20, window: float = 10.0, redis: Any = None
    ) -> None:
        self.i18n = i18n
        self.default_locale = default_locale
        self.limit = limit
        self.window = window
        self.redis = redis
        self.recent: dict[int, deque[float]] = {}
        self.warned: dict[int, float] = {}

    async def _count(self, user_id: int) -> int:
        """This update counted: how many came from the person within the window."""
        if self.redis is not None:  # the same sliding window, as a sorted set of arrival times
            key, now = f"participa:flood:{user_id}", time.time()
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.zremrangebyscore(key, 0, now - self.window)
                pipe.zadd(key, {f"{now:.6f}:{secrets.token_hex(4)}": now})
                pipe.zcard(key)
                pipe.expire(key, math.ceil(self.window))
                _, _, count, _ = await pipe.execute()
            return int(count)
        now = time.monotonic()
        times = self.recent.setdefault(user_id, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        times.append(now)
        if len(self.recent) > 100_000:
            self.recent = {uid: t for uid, t in self.recent.items() if t and t[-1] > now - self.window}
        return len(times)

    async def _first_warning(self, user_id: int) -> bool:
        """True once per window and person: the notice is sent only then."""
        if self.redis is not None:
            key = f"participa:flood-warned:{user_id}"
            return bool(await self.redis.set(key, 1, nx=True, ex=math.ceil(self.window)))
        now = time.monotonic()
        if self.warned.get(user_id, 0.0) > now - self.window:
            return False
        self.warned[user_id] = now
        return True

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        if await self._count(user.id) <= self.limit:
            return await handler(event, data)
        data["outcome"] = "throttled"
        if isinstance(event, Update) and await self._first_warning(user.id):
            chat_id = _chat_of(event)
            if chat_id is not None:
                with translating(self.i18n, guess_locale(user.language_code, self.default_locale)):
                    text = _("Vas muy rápido 🙂 Espera unos segundos y vuelve a escribir.")
                try:
                    await data["bot"].send_message(chat_id, text)
                except TelegramAPIError:
                    pass
        return None
