"""Keep aiogram's response models alive between requests."""

from __future__ import annotations

from typing import Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType


class HoldResponseModels(BaseRequestMiddleware):
    """aiogram checks every Bot API answer with pydantic's generic `Response[T]`, and pydantic keeps
    generic models in a weak cache: in a busy process the garbage collector drops them and the next
    request builds its model again (measured with py-spy: a fifth of the bot's CPU under load).
    One strong reference per method keeps the cache warm."""

    def __init__(self) -> None:
        self.held: dict[type, Any] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Any,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        kind = type(method)
        if kind not in self.held:
            self.held[kind] = Response[method.__returning__]  # type: ignore[name-defined]
        return await make_request(bot, method)
