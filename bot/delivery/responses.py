"""aiogram's Bot API session, made cheaper under load: requests as JSON bodies, response models
kept alive between requests."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile
from aiohttp import BytesPayload, FormData


class JsonSession(AiohttpSession):
    """Each request without a file goes as one JSON body, which the Bot API accepts; aiogram builds an
    HTML form field by field (a multipart writer, URL quoting), about 5 % of the bot's CPU under load
    (py-spy). A request that uploads a file keeps aiogram's multipart form."""

    def build_form_data(self, bot: Bot, method: TelegramMethod[TelegramType]) -> FormData:
        files: dict[str, InputFile] = {}
        fields = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files, _dumps_json=False)
            if prepared is not None:
                fields[key] = prepared
        if files:
            return super().build_form_data(bot, method)
        body = BytesPayload(self.json_dumps(fields).encode(), content_type="application/json")
        return body  # type: ignore[return-value]  # aiohttp posts any payload as `data`


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
