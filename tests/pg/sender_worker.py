"""One outbox sender process, for the two-senders test: sends until nothing is left, then exits."""

from __future__ import annotations

import asyncio
import sys

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

import handlers.broadcasts  # noqa: F401  (registers the renderers)
from bot.app import make_i18n
from bot.delivery.ratelimit import RateLimiter
from bot.delivery.sender import Sender
from bot.fakeapi import DEFAULT_TOKEN
from storage.db import create_engine
from storage.outbox import OutboxStore


async def main(database_url: str, api_url: str, worker: str) -> None:
    engine = create_engine(database_url)
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url))
    sender = Sender(
        Bot(DEFAULT_TOKEN, session=session), OutboxStore(engine), make_i18n("es"), RateLimiter(1000, 0.0),
        worker=worker,
    )  # fmt: skip
    idle = 0
    while idle < 20:
        idle = 0 if await sender.run_once() else idle + 1
        await asyncio.sleep(0.05 if idle else 0)
    await session.close()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
