"""A bare aiogram echo bot (the yardstick of bench/journey.py): polling, one handler, no database.

BOT_TOKEN=... TELEGRAM_API_URL=http://127.0.0.1:PORT [ECHO_CALLS=2.35] python bench/echo_bot.py

ECHO_CALLS (default 1) is the number of Bot API calls it makes an update, on average: before the
echo of "... K" (the K-th message of a person) it sends the chat action "typing" as often as it takes
for its first K+1 updates to have made round(ECHO_CALLS * (K+1)) calls. With the journey's figure
it is the cheapest bot that talks as much as Participa does: no database, no state, no routing.
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
    calls = float(os.environ.get("ECHO_CALLS", "1"))

    @dispatcher.message()
    async def echo(message: Message) -> None:
        last = (message.text or "").rsplit(" ", 1)[-1]
        k = int(last) if last.isdigit() else 0
        for _ in range(round(calls * (k + 1)) - round(calls * k) - 1):
            await message.bot.send_chat_action(message.chat.id, "typing")
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
