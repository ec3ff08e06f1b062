"""aiogram's Bot API session, made cheaper under load: requests as JSON bodies, sent keyboards not
read back, response models kept alive between requests."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile
from aiohttp import BytesPayload, FormData


class JsonSession(AiohttpSession):
    """Each request without a file goes as one JSON body, which the Bot API accepts; aiogram builds an
    HTML form field by field (a multipart writer, URL quoting), about 5 % of the bot's CPU under load
    (py-spy). A request that uploads a file keeps aiogram's multipart form.

    A message the bot sent or edited comes back without its inline keyboard (`reply_markup` is None):
    the bot built that keyboard and never reads it back, and pydantic checks each button of the echo
    in Python, about 11 µs a button (a 25-button keyboard: 0.2 ms an answer). Everything else in an
    answer is validated as aiogram does; errors and unexpected answers go through aiogram's checks.

    aiogram checks every answer with pydantic's generic model `Response[T]`, and pydantic keeps generic
    models in a weak cache: in a busy process the garbage collector dropped them and the next request
    built its model again (py-spy: a fifth of the bot's CPU under load). The session holds one for
    each method it has called, which also spares pydantic's lookup at each answer."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.response_models: dict[type, Any] = {}

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

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        if HTTPStatus.OK <= status_code <= HTTPStatus.IM_USED:
            try:
                answer = self.json_loads(content)
                if answer["ok"] is True:
                    if isinstance(answer["result"], dict):
                        answer["result"].pop("reply_markup", None)
                    kind = type(method)
                    if kind not in self.response_models:
                        self.response_models[kind] = Response[method.__returning__]  # type: ignore[name-defined]
                    return self.response_models[kind].model_validate(answer, context={"bot": bot})
            except (ValueError, TypeError, KeyError):  # pydantic's ValidationError is a ValueError
                pass  # aiogram's own checks say what is wrong
        return super().check_response(bot, method, status_code, content)
