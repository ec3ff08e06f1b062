"""A bare aiogram echo bot (the yardstick of bench/journey.py): polling, one handler, no database.

BOT_TOKEN=... TELEGRAM_API_URL=http://127.0.0.1:PORT python bench/echo_bot.py
"""

from __future__ import annotations

import asyncio
import os

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message


async def main() -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"]))
    bot = Bot(os.environ["BOT_TOKEN"], session=session)
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    @dispatcher.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer()

    await bot.delete_webhook()
    await dispatcher.start_polling(bot, handle_signals=True)


if __name__ == "__main__":
    try:  # the event loop the bot runs on (bot.cli), so the two are measured alike
        import uvloop
    except ImportError:
        asyncio.run(main())
    else:
        uvloop.run(main())
